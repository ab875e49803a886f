/**
 * Twilio's Messages REST API over fetch (no SDK: it does not run in workerd): `POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic auth (account SID and auth
 * token) and a form-encoded body (`To`, `From`, `Body`, `StatusCallback`).
 *
 * Invariants: credentials travel only in the Authorization header; an error thrown here carries
 * Twilio's numeric error code and HTTP status, never the recipient or the body (they are PHI).
 */
import type { Bindings } from "../env";

/** `fromNumber`: the env default sender (TWILIO_FROM_NUMBER); an SMS may name its own `from`. */
export type TwilioConfig = { accountSid: string; authToken: string; fromNumber: string | null };

/** Twilio's answer to a created message (the fields we keep). */
export type TwilioMessage = { sid: string | null; status: string };

export class TwilioError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly twilioCode: string | null,
  ) {
    super(`Twilio answered ${httpStatus}${twilioCode ? ` (code ${twilioCode})` : ""}`);
    this.name = "TwilioError";
  }
  /** 4xx other than 429 are the request's fault: retrying cannot help. */
  get retryable() {
    return this.httpStatus === 429 || this.httpStatus >= 500;
  }
}

/**
 * The configured account, or null when SMS goes to the development outbox. Each workspace sends
 * from its own number (src/modules/sms/sms.number.ts), so the account alone configures Twilio.
 */
export function twilioConfig(env: Bindings): TwilioConfig | null {
  if (!env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return null;
  return {
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    fromNumber: env.TWILIO_FROM_NUMBER ?? null,
  };
}

export const TWILIO_API_BASE = "https://api.twilio.com";

/**
 * Creates (sends) one SMS from `from` (else the config's number; with neither, Twilio is not asked
 * and a final 400 is raised). `statusCallback`: the public URL Twilio posts delivery updates to.
 * `fetcher` is the global fetch in production; tests pass a scripted one.
 */
export async function sendTwilioMessage(
  config: TwilioConfig,
  message: { to: string; body: string; from?: string; statusCallback?: string },
  fetcher: typeof fetch = fetch,
): Promise<TwilioMessage> {
  const from = message.from ?? config.fromNumber;
  if (!from) throw new TwilioError(400, "no_sender");
  const form = new URLSearchParams({ To: message.to, From: from, Body: message.body });
  if (message.statusCallback) form.set("StatusCallback", message.statusCallback);
  const response = await fetcher(
    `${TWILIO_API_BASE}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`,
    {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization: `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}`,
      },
      body: form,
    },
  );
  const payload = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok) {
    const code = payload && payload.code != null ? String(payload.code) : null;
    throw new TwilioError(response.status, code);
  }
  // Accepted (2xx): the message is Twilio's now. A missing SID only means no status callbacks match.
  return {
    sid: typeof payload?.sid === "string" ? payload.sid : null,
    status: typeof payload?.status === "string" ? payload.status : "queued",
  };
}
