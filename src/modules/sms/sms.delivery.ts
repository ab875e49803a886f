/**
 * Delivery of a stored outbound SMS (the `send_sms` job) and Twilio's status callbacks.
 *
 * Invariants: an SMS goes out from the `From` stored with it (its workspace's own number at send
 * time), never from a shared default. A delivery first claims the row (`queued` → `sending`), so of two deliveries racing
 * for one SMS (a queue redelivery) only one calls Twilio. With Twilio configured the SMS goes
 * through its REST API with a status callback to our public URL; without, it is held in the
 * development outbox (an `outbound_messages` row an admin reads at /api/v1/dev/outbox), never
 * dropped. A retryable failure (network, 429, 5xx) hands the row back to `queued` and lets the
 * queue retry; a refused request (other 4xx) is `failed` with Twilio's error code. Statuses only
 * move forward: a late `sent` callback never overwrites `delivered`.
 */
import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray, lt } from "drizzle-orm";
import type { Bindings } from "../../env";
import { outboundMessages } from "../../db/schema/messaging";
import { smsMessages, type SmsStatus } from "../../db/schema/sms";
import { uuidv7 } from "../../lib/ids";
import { outboundRef } from "../../messaging/outbound";
import { sendTwilioMessage, twilioConfig, TwilioError } from "../../messaging/twilio";
import { phiCipherFor } from "../../middleware/request-context";
import { smsRef } from "./sms.data";

export const SMS_WEBHOOK_PATH = "/api/v1/messaging/webhook/sms";
export const SMS_STATUS_PATH = "/api/v1/messaging/webhook/sms-status";

/** The public URL Twilio calls for a path: what its signature is computed over. */
export const publicUrlOf = (env: Bindings, path: string) =>
  `${env.APP_BASE_URL.replace(/\/+$/, "")}${path}`;

/** Sends (or holds in the outbox) one queued outbound SMS; see the invariants. */
export async function deliverSms(env: Bindings, smsId: string, fetcher: typeof fetch = fetch) {
  const db = drizzle(env.DB);
  const claimedAt = new Date().toISOString();
  const [row] = await db
    .update(smsMessages)
    .set({ status: "sending", updatedAt: claimedAt })
    .where(
      and(
        eq(smsMessages.id, smsId),
        eq(smsMessages.direction, "outbound"),
        eq(smsMessages.status, "queued"),
      ),
    )
    .returning();
  if (!row) return;
  const phi = phiCipherFor(env);
  const [from, to, body] = await Promise.all([
    phi.decrypt(row.fromEnc, smsRef(row.id, "from")),
    phi.decrypt(row.toEnc, smsRef(row.id, "to")),
    phi.decrypt(row.bodyEnc, smsRef(row.id, "body")),
  ]);
  const config = twilioConfig(env);
  const now = () => new Date().toISOString();
  const mine = and(eq(smsMessages.id, smsId), eq(smsMessages.status, "sending"));
  if (!config) {
    const outboxId = uuidv7();
    await db.batch([
      db.insert(outboundMessages).values({
        id: outboxId,
        workspaceId: row.workspaceId,
        channel: "sms",
        template: "sms",
        recipientEnc: await phi.encrypt(to, outboundRef(outboxId, "recipient")),
        bodyEnc: await phi.encrypt(body, outboundRef(outboxId, "body")),
        status: "outbox",
        provider: "development-outbox",
        attempts: 1,
        createdAt: now(),
      }),
      db.update(smsMessages).set({ status: "outbox", updatedAt: now() }).where(mine),
    ]);
    return;
  }
  try {
    const sent = await sendTwilioMessage(
      config,
      { from, to, body, statusCallback: publicUrlOf(env, SMS_STATUS_PATH) },
      fetcher,
    );
    await db
      .update(smsMessages)
      .set({ providerSid: sent.sid, status: "sent", sentAt: now(), updatedAt: now() })
      .where(mine);
  } catch (error) {
    const retry = !(error instanceof TwilioError) || error.retryable;
    const code =
      error instanceof TwilioError ? (error.twilioCode ?? `http_${error.httpStatus}`) : "network";
    await db
      .update(smsMessages)
      .set({ status: retry ? "queued" : "failed", errorCode: code, updatedAt: now() })
      .where(mine);
    if (retry) throw error;
  }
}

/** Twilio's message statuses mapped onto ours (unknown ones are ignored). */
const TWILIO_STATUS: Record<string, SmsStatus> = {
  accepted: "sent",
  scheduled: "sent",
  queued: "sent",
  sending: "sent",
  sent: "sent",
  delivered: "delivered",
  read: "delivered",
  undelivered: "undelivered",
  failed: "failed",
  canceled: "failed",
};

/** The statuses each status may replace: only forward moves. */
const EARLIER: Record<SmsStatus, SmsStatus[]> = {
  queued: [],
  sending: ["queued"],
  sent: ["queued", "sending"],
  outbox: ["queued", "sending"],
  delivered: ["queued", "sending", "sent"],
  undelivered: ["queued", "sending", "sent"],
  failed: ["queued", "sending", "sent"],
  received: [],
};

/**
 * Applies a status callback to the outbound SMS with that MessageSid. Returns the updated row's
 * workspace and id, or null when nothing changed (unknown SID, unknown status, or not forward).
 */
export async function applySmsStatus(
  env: Bindings,
  sid: string,
  twilioStatus: string,
  errorCode?: string,
) {
  const status = TWILIO_STATUS[twilioStatus.toLowerCase()];
  if (!status) return null;
  const db = drizzle(env.DB);
  const [row] = await db
    .update(smsMessages)
    .set({ status, errorCode: errorCode ?? null, updatedAt: new Date().toISOString() })
    .where(
      and(
        eq(smsMessages.providerSid, sid),
        eq(smsMessages.direction, "outbound"),
        inArray(smsMessages.status, EARLIER[status]),
      ),
    )
    .returning({ id: smsMessages.id, workspaceId: smsMessages.workspaceId });
  return row ? { ...row, status } : null;
}

/** After this long without progress, a `queued` or `sending` SMS is handed to the queue again. */
const STUCK_MS = 10 * 60_000;
/** After this long, an SMS still not handed to Twilio is `failed` (`expired`), not retried. */
const EXPIRY_MS = 24 * 3600_000;

/**
 * Cron: an SMS whose job was lost (enqueue failed after the row was stored, retries exhausted) or
 * whose delivery claimed it and died is queued again; the claim keeps a redelivery from sending
 * twice. One older than a day is marked failed instead of being sent late.
 */
export async function requeueStuckSms(env: Bindings, now = new Date()) {
  const db = drizzle(env.DB);
  const iso = now.toISOString();
  const stuckBefore = new Date(now.getTime() - STUCK_MS).toISOString();
  const expiredBefore = new Date(now.getTime() - EXPIRY_MS).toISOString();
  const pending = inArray(smsMessages.status, ["queued", "sending"]);
  const outbound = eq(smsMessages.direction, "outbound");
  await db
    .update(smsMessages)
    .set({ status: "failed", errorCode: "expired", updatedAt: iso })
    .where(and(outbound, pending, lt(smsMessages.createdAt, expiredBefore)));
  const stuck = await db
    .update(smsMessages)
    .set({ status: "queued", updatedAt: iso })
    .where(and(outbound, pending, lt(smsMessages.updatedAt, stuckBefore)))
    .returning({ id: smsMessages.id });
  for (const { id } of stuck) await env.JOBS.send({ type: "send_sms", sms_id: id });
  return stuck.length;
}
