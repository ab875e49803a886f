/**
 * The Twilio REST client and the `send_sms` delivery against a scripted fetch: the request Twilio
 * documents (URL, Basic auth, form body, status callback), its answers, and how a delivery records
 * success, a refused request and a retryable failure. Nothing leaves the machine.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/env";
import { uuidv7 } from "../../src/lib/ids";
import { sendTwilioMessage, TwilioError, type TwilioConfig } from "../../src/messaging/twilio";
import { phiCipherFor } from "../../src/middleware/request-context";
import { phoneIndexOf, smsRef } from "../../src/modules/sms/sms.data";
import { deliverSms } from "../../src/modules/sms/sms.delivery";
import { rawSms, uniquePhone } from "./helpers";

const CONFIG = {
  accountSid: "AC0123456789abcdef0123456789abcdef",
  authToken: "twilio-secret-token",
  fromNumber: "+15005550006",
} satisfies TwilioConfig;

type Seen = { url: string; method: string; headers: Headers; form: URLSearchParams };

/** A fetch that records each request and answers from the script, in order. */
function scriptedFetch(...answers: Response[]) {
  const seen: Seen[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      form: new URLSearchParams(await request.text()),
    });
    const answer = answers.shift();
    if (!answer) throw new Error("unscripted request");
    return answer;
  }) as typeof fetch;
  return { seen, fetcher };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const withTwilio = (): Bindings => ({
  ...env,
  TWILIO_ACCOUNT_SID: CONFIG.accountSid,
  TWILIO_AUTH_TOKEN: CONFIG.authToken,
  TWILIO_FROM_NUMBER: CONFIG.fromNumber,
});

/** A queued outbound SMS stored as the send verb stores it (no job queued, so no race). */
/** The workspace's own number stored with the SMS: what it goes out from, not TWILIO_FROM_NUMBER. */
const WORKSPACE_NUMBER = "+447000000042";

async function queuedSms(to: string, body: string) {
  const phi = phiCipherFor(env);
  const id = uuidv7();
  const now = new Date().toISOString();
  await env.DB.prepare(
    `insert into sms_messages (id, workspace_id, direction, from_enc, to_enc, phone_index, body_enc,
      status, created_at, updated_at) values (?, ?, 'outbound', ?, ?, ?, ?, 'queued', ?, ?)`,
  )
    .bind(
      id,
      "ws-twilio-test",
      await phi.encrypt(WORKSPACE_NUMBER, smsRef(id, "from")),
      await phi.encrypt(to, smsRef(id, "to")),
      await phoneIndexOf(phi, to),
      await phi.encrypt(body, smsRef(id, "body")),
      now,
      now,
    )
    .run();
  return id;
}

describe("happy", () => {
  it("sends the request Twilio documents and reads the SID", async () => {
    const { seen, fetcher } = scriptedFetch(
      json(201, { sid: "SM0123456789abcdef0123456789abcdef", status: "queued" }),
    );
    const sent = await sendTwilioMessage(
      CONFIG,
      { to: "+14155550100", body: "Hello", statusCallback: "https://api.example/cb" },
      fetcher,
    );
    expect(sent).toEqual({ sid: "SM0123456789abcdef0123456789abcdef", status: "queued" });
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe(
      `https://api.twilio.com/2010-04-01/Accounts/${CONFIG.accountSid}/Messages.json`,
    );
    expect(request.headers.get("authorization")).toBe(
      `Basic ${btoa(`${CONFIG.accountSid}:${CONFIG.authToken}`)}`,
    );
    expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(request.form)).toEqual({
      To: "+14155550100",
      From: CONFIG.fromNumber,
      Body: "Hello",
      StatusCallback: "https://api.example/cb",
    });
  });

  it("delivers a queued SMS from its workspace's number: sent, with Twilio's SID and our status callback URL", async () => {
    const to = uniquePhone();
    const id = await queuedSms(to, "Your session is tomorrow");
    const { seen, fetcher } = scriptedFetch(
      json(201, { sid: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", status: "queued" }),
    );
    await deliverSms(withTwilio(), id, fetcher);
    expect(seen[0]!.form.get("To")).toBe(to);
    expect(seen[0]!.form.get("From")).toBe(WORKSPACE_NUMBER);
    expect(seen[0]!.form.get("StatusCallback")).toBe(
      `${env.APP_BASE_URL}/api/v1/messaging/webhook/sms-status`,
    );
    expect(await rawSms(id)).toMatchObject({
      status: "sent",
      provider_sid: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    });
    // A redelivery of the job finds the row claimed and sends nothing.
    await deliverSms(withTwilio(), id, scriptedFetch().fetcher);
  });
});

describe("errors", () => {
  it("raises Twilio's error code; 4xx is final, 429 and 5xx are retryable", async () => {
    const refused = scriptedFetch(json(400, { code: 21211, message: "Invalid 'To' Phone Number" }));
    const error = await sendTwilioMessage(CONFIG, { to: "+1", body: "x" }, refused.fetcher).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TwilioError);
    expect(error).toMatchObject({ httpStatus: 400, twilioCode: "21211", retryable: false });
    expect(String(error.message)).not.toContain("+1");
    const busy = scriptedFetch(json(503, {}));
    const later = await sendTwilioMessage(CONFIG, { to: "+1", body: "x" }, busy.fetcher).catch(
      (e) => e,
    );
    expect(later).toMatchObject({ httpStatus: 503, retryable: true });
  });

  it("marks a refused SMS failed, and hands a retryable one back to the queue", async () => {
    const refusedId = await queuedSms(uniquePhone(), "Refused");
    await deliverSms(withTwilio(), refusedId, scriptedFetch(json(400, { code: 21610 })).fetcher);
    expect(await rawSms(refusedId)).toMatchObject({ status: "failed", error_code: "21610" });

    const retryId = await queuedSms(uniquePhone(), "Retry");
    await expect(
      deliverSms(withTwilio(), retryId, scriptedFetch(json(500, {})).fetcher),
    ).rejects.toBeInstanceOf(TwilioError);
    expect(await rawSms(retryId)).toMatchObject({ status: "queued", error_code: "http_500" });
    await deliverSms(
      withTwilio(),
      retryId,
      scriptedFetch(json(201, { sid: "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", status: "queued" }))
        .fetcher,
    );
    expect((await rawSms(retryId))?.status).toBe("sent");
  });
});

describe("security", () => {
  it("keeps the number and text out of the stored row and of the error", async () => {
    const to = uniquePhone();
    const id = await queuedSms(to, "Private text");
    await deliverSms(withTwilio(), id, scriptedFetch(json(400, { code: 21211 })).fetcher);
    const raw = JSON.stringify(await rawSms(id));
    expect(raw).not.toContain(to);
    expect(raw).not.toContain("Private text");
  });
});
