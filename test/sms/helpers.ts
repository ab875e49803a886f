/** Shared helpers of the SMS tests: unique numbers, Twilio-signed webhook calls, raw rows. */
import { env, SELF } from "cloudflare:test";
import { twilioSignature } from "../../src/messaging/twilio-signature";
import type { Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

/** The token vitest.config.ts gives the Worker. */
export const TWILIO_TOKEN = "test-twilio-auth-token";

/** A number no other test uses (routing of replies is by number, across workspaces). */
export const uniquePhone = () =>
  `+1555${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 10_000_000).padStart(7, "0")}`;

/** A Twilio-shaped message SID. */
export const messageSid = () => `SM${crypto.randomUUID().replace(/-/g, "")}`;

/**
 * POSTs Twilio's form to a webhook path, signed as Twilio would sign it for the configured public
 * URL. `signature: null` sends none; a string sends that one instead.
 */
export async function twilioPost(
  path: string,
  params: Record<string, string>,
  options: { signature?: string | null; signedUrl?: string } = {},
) {
  const url = options.signedUrl ?? `${env.APP_BASE_URL}${path}`;
  const signature =
    options.signature === undefined
      ? await twilioSignature(TWILIO_TOKEN, url, params)
      : options.signature;
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
  };
  if (signature !== null) headers["x-twilio-signature"] = signature;
  const res = await SELF.fetch(`https://api.test${path}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // TwiML
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** An SMS chat of clinic.patient with `phone`, created by the physio (SMS chats are staff-only). */
export async function smsChat(clinic: Clinic, phone: string) {
  const res = await api("POST", "/api/v1/chats", {
    token: clinic.physio.token,
    body: {
      name: "SMS - knee rehab",
      type: "SMS",
      patient_id: clinic.patient.id,
      participant_ids: [clinic.nurse.id],
      phone_number: phone,
    },
  });
  expectStatus(res, 201);
  return res.body.data.id as string;
}

export type RawSms = {
  id: string;
  workspace_id: string | null;
  direction: string;
  provider_sid: string | null;
  from_enc: string;
  to_enc: string;
  body_enc: string;
  phone_index: string;
  status: string;
  patient_id: string | null;
  chat_id: string | null;
  error_code: string | null;
};

export const rawSms = (id: string) =>
  env.DB.prepare("select * from sms_messages where id = ?").bind(id).first<RawSms>();

export const rawSmsBySid = (sid: string) =>
  env.DB.prepare("select * from sms_messages where provider_sid = ?").bind(sid).all<RawSms>();

/** Polls until `check` holds (the queue consumer runs a moment after the request). */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
