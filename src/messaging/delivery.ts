/**
 * Delivery of a stored outbound message: email through an HTTP provider (EMAIL_API_URL, a
 * JSON `{from,to,subject,text}` POST with a bearer key), SMS through Twilio's REST API from the
 * workspace's own number (`senderFor`). Without
 * credentials the message is held in the development outbox (`status = "outbox"`), never dropped.
 * A provider failure is retried by the queue; after the last attempt the row says `failed`, so
 * an undeliverable message stays visible instead of waiting as `queued` forever.
 */
import { drizzle } from "drizzle-orm/d1";
import { and, eq, sql } from "drizzle-orm";
import type { Bindings } from "../env";
import { outboundMessages } from "../db/schema/messaging";
import { workspaces } from "../db/schema/workspaces";
import { phiCipherFor } from "../middleware/request-context";
import { outboundRef } from "./outbound";
import { sendTwilioMessage, twilioConfig } from "./twilio";

type Sent = { provider: string } | null;

/** Delivery attempts before a message is marked failed: the queue's max_retries (5) + 1. */
export const MAX_DELIVERY_ATTEMPTS = 6;

async function sendEmail(env: Bindings, to: string, subject: string, text: string): Promise<Sent> {
  if (!env.EMAIL_API_URL || !env.EMAIL_API_KEY) return null;
  const response = await fetch(env.EMAIL_API_URL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${env.EMAIL_API_KEY}` },
    body: JSON.stringify({
      from: env.EMAIL_FROM ?? "no-reply@rehab-edge.example",
      to,
      subject,
      text,
    }),
  });
  if (!response.ok) throw new Error(`Email provider answered ${response.status}`);
  return { provider: new URL(env.EMAIL_API_URL).host };
}

/**
 * The `From` of a workspace's notification SMS: its own number; without one, TWILIO_FROM_NUMBER
 * only while no workspace owns that number (else a reply would be routed to that other clinic).
 */
async function senderFor(env: Bindings, workspaceId: string | null): Promise<string | null> {
  const db = drizzle(env.DB);
  const fallback = env.TWILIO_FROM_NUMBER ?? null;
  const [own] = workspaceId
    ? await db
        .select({ smsNumber: workspaces.smsNumber })
        .from(workspaces)
        .where(eq(workspaces.id, workspaceId))
        .limit(1)
    : [];
  if (own?.smsNumber) return own.smsNumber;
  if (!fallback) return null;
  const [owner] = await db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(eq(workspaces.smsNumber, fallback))
    .limit(1);
  return owner ? null : fallback;
}

export async function sendSms(
  env: Bindings,
  to: string,
  body: string,
  workspaceId: string | null = null,
): Promise<Sent> {
  const config = twilioConfig(env);
  if (!config) return null;
  const from = await senderFor(env, workspaceId);
  if (!from) return null;
  await sendTwilioMessage(config, { to, body, from });
  return { provider: "twilio" };
}

export async function deliverMessage(env: Bindings, id: string) {
  const db = drizzle(env.DB);
  // Claim the message first: of two deliveries racing for it (a queue redelivery), one sends.
  const [row] = await db
    .update(outboundMessages)
    .set({ status: "sending", claimedAt: new Date().toISOString() })
    .where(and(eq(outboundMessages.id, id), eq(outboundMessages.status, "queued")))
    .returning();
  if (!row) return;
  const phi = phiCipherFor(env);
  const recipient = await phi.decrypt(row.recipientEnc, outboundRef(id, "recipient"));
  const body = await phi.decrypt(row.bodyEnc, outboundRef(id, "body"));
  const subject = (await phi.decryptOptional(row.subjectEnc, outboundRef(id, "subject"))) ?? "";
  try {
    const sent =
      row.channel === "email"
        ? await sendEmail(env, recipient, subject, body)
        : await sendSms(env, recipient, body, row.workspaceId);
    await db
      .update(outboundMessages)
      .set(
        sent
          ? {
              status: "sent",
              provider: sent.provider,
              sentAt: new Date().toISOString(),
              attempts: sql`${outboundMessages.attempts} + 1`,
            }
          : {
              status: "outbox",
              provider: "development-outbox",
              attempts: sql`${outboundMessages.attempts} + 1`,
            },
      )
      .where(eq(outboundMessages.id, id));
  } catch (error) {
    const final = row.attempts + 1 >= MAX_DELIVERY_ATTEMPTS;
    await db
      .update(outboundMessages)
      .set({
        status: final ? ("failed" as const) : ("queued" as const),
        lastError: (error as Error).message.slice(0, 200),
        attempts: sql`${outboundMessages.attempts} + 1`,
      })
      .where(eq(outboundMessages.id, id));
    if (!final) throw error;
  }
}
