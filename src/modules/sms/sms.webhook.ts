/**
 * Twilio's webhooks: an incoming SMS and delivery status callbacks (seed 002 §2.9, §4.3).
 *
 * Invariants:
 * - Nothing is read or stored before `X-Twilio-Signature` checks out against the configured
 *   public URL (APP_BASE_URL + path + the query Twilio called) and TWILIO_AUTH_TOKEN; a missing
 *   or wrong signature, or no token configured, is a 403 (audited, without the parameters).
 * - A MessageSid is stored once (unique index); a repeated delivery finds the stored row and
 *   only re-posts it to its chat, which the chat's client id makes a no-op if already there.
 * - Routing is by the number Twilio delivered to (`To`): the ONE workspace that owns that sender
 *   number (unique), then, inside that workspace only, the patient and chat of the latest outbound
 *   SMS to the sender's number (blind index), else the patient's SMS chat. Two clinics that texted
 *   the same phone never see each other's replies. An SMS to a number no workspace owns is
 *   acknowledged to Twilio and stored nowhere; only an audit entry without patient data remains.
 */
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { chats } from "../../db/schema/chats";
import { patients } from "../../db/schema/patients";
import { smsMessages } from "../../db/schema/sms";
import { auditEntry, recordAudit } from "../../lib/audit";
import { AppError, NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { fieldIssues } from "../../lib/openapi";
import { isValidTwilioSignature } from "../../messaging/twilio-signature";
import type { RequestContext } from "../../middleware/request-context";
import { chatRoom, metaOf } from "../chats/chat-room.client";
import { phoneIndexOf, smsRef, type SmsRow } from "./sms.data";
import { workspaceOwning } from "./sms.number";
import { applySmsStatus, publicUrlOf, SMS_STATUS_PATH, SMS_WEBHOOK_PATH } from "./sms.delivery";
import { InboundSmsParams, SmsStatusParams } from "./sms.schemas";

export type WebhookRequest = {
  params: Record<string, string>;
  signature: string | null;
  search: string;
};

/** The form parameters of a request whose Twilio signature is valid; 403 otherwise. */
async function verifiedParams(ctx: RequestContext, path: string, request: WebhookRequest) {
  const params = request.params;
  const token = ctx.env.TWILIO_AUTH_TOKEN;
  const url = publicUrlOf(ctx.env, path) + request.search;
  if (!token || !(await isValidTwilioSignature(token, url, params, request.signature))) {
    await recordAudit(ctx, {
      action: "sms.received",
      resourceType: "sms",
      outcome: "denied",
      workspaceId: null,
      actorId: null,
      actorRole: "twilio",
      metadata: { reason: request.signature ? "bad_signature" : "no_signature", path },
    });
    throw new AppError("FORBIDDEN", "Invalid or missing X-Twilio-Signature");
  }
  return params;
}

/** Twilio's parameters checked like any body: 422 naming each bad field. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error));
  return parsed.data;
}

/**
 * Where a reply from this number belongs inside the workspace that owns the number it was sent
 * to: the latest outbound SMS to it there, then that patient's SMS chat.
 */
async function routeOf(ctx: RequestContext, workspaceId: string, phoneIndex: string) {
  const [latest] = await ctx.db.read([
    ctx.db.orm
      .select({ patientId: smsMessages.patientId, chatId: smsMessages.chatId })
      .from(smsMessages)
      .where(
        and(
          eq(smsMessages.workspaceId, workspaceId),
          eq(smsMessages.phoneIndex, phoneIndex),
          eq(smsMessages.direction, "outbound"),
        ),
      )
      .orderBy(desc(smsMessages.createdAt))
      .limit(1),
  ]);
  const route = {
    workspaceId,
    patientId: latest[0]?.patientId ?? null,
    chatId: latest[0]?.chatId ?? null,
  };
  if (route.chatId || !route.patientId) return route;
  const [chatRows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: chats.id })
      .from(chats)
      .where(
        and(
          eq(chats.workspaceId, route.workspaceId),
          eq(chats.patientId, route.patientId),
          eq(chats.type, "SMS"),
          isNull(chats.deletedAt),
        ),
      )
      .orderBy(desc(chats.createdAt))
      .limit(1),
  ]);
  return { ...route, chatId: chatRows[0]?.id ?? null };
}

/** Posts the SMS into its chat as the patient's message; idempotent by the SMS id. */
async function postToChat(ctx: RequestContext, row: SmsRow, body: string) {
  if (!row.chatId || !row.workspaceId || !body.trim()) return;
  let senderId = row.patientId ?? `sms-${row.id}`;
  if (row.patientId) {
    const [rows] = await ctx.db.read([
      ctx.db.orm
        .select({ userId: patients.userId })
        .from(patients)
        .where(and(eq(patients.id, row.patientId), eq(patients.workspaceId, row.workspaceId))),
    ]);
    senderId = rows[0]?.userId ?? row.patientId;
  }
  const room = await chatRoom(ctx.env, row.chatId);
  const caller = {
    userId: senderId,
    workspaceId: row.workspaceId,
    role: "patient",
    sessionId: "sms",
  };
  const input = {
    type: "text" as const,
    content: body.trim().slice(0, 8000),
    client_message_id: `sms-${row.id}`,
  };
  try {
    await room.post(caller, input, metaOf(ctx), false, true);
  } catch (error) {
    // The chat was deleted (or is not an SMS chat): the SMS stays in the log, routed to the patient.
    if (!(error instanceof NotFoundError) && (error as Error).message !== "Chat not found")
      throw error;
  }
}

const isUniqueViolation = (error: unknown) =>
  /UNIQUE constraint failed/i.test(String((error as Error)?.message ?? error));

/** Stores an incoming SMS once and lands it in the patient's SMS chat. Returns the row id. */
export async function receiveSms(ctx: RequestContext, request: WebhookRequest) {
  const params = await verifiedParams(ctx, SMS_WEBHOOK_PATH, request);
  const sms = parse(InboundSmsParams, params);
  const bySid = () =>
    ctx.db.read([
      ctx.db.orm
        .select()
        .from(smsMessages)
        .where(eq(smsMessages.providerSid, sms.MessageSid))
        .limit(1),
    ]);
  const [[stored]] = await bySid();
  if (stored) {
    await postToChat(ctx, stored, sms.Body);
    return { id: stored.id, duplicate: true };
  }
  const workspaceId = await workspaceOwning(ctx, sms.To);
  if (!workspaceId) {
    // No clinic sends from this number: acknowledged (Twilio would retry otherwise), kept nowhere.
    await recordAudit(ctx, {
      action: "sms.received",
      resourceType: "sms",
      outcome: "not_found",
      workspaceId: null,
      actorId: null,
      actorRole: "twilio",
      metadata: { routed: false, reason: "unowned_number" },
    });
    return { id: null, duplicate: false };
  }
  const phoneIndex = await phoneIndexOf(ctx.phi, sms.From);
  const route = await routeOf(ctx, workspaceId, phoneIndex);
  const id = uuidv7();
  const now = new Date().toISOString();
  const row: SmsRow = {
    id,
    workspaceId: route.workspaceId,
    direction: "inbound",
    providerSid: sms.MessageSid,
    fromEnc: await ctx.phi.encrypt(sms.From, smsRef(id, "from")),
    toEnc: await ctx.phi.encrypt(sms.To, smsRef(id, "to")),
    phoneIndex,
    bodyEnc: await ctx.phi.encrypt(sms.Body, smsRef(id, "body")),
    status: "received",
    patientId: route.patientId,
    chatId: route.chatId,
    senderId: null,
    clientId: null,
    errorCode: null,
    sentAt: now,
    createdAt: now,
    updatedAt: now,
  };
  const audit = await auditEntry(ctx, {
    action: "sms.received",
    resourceType: "sms",
    resourceId: id,
    workspaceId: route.workspaceId,
    actorId: null,
    actorRole: "twilio",
    metadata: { patient_id: route.patientId, chat_id: route.chatId, routed: true },
  });
  try {
    await ctx.db.write([ctx.db.orm.insert(smsMessages).values(row), audit.query]);
  } catch (error) {
    // The same MessageSid delivered twice at once: the other delivery stored it.
    if (!isUniqueViolation(error)) throw error;
    const [[other]] = await bySid();
    if (other) await postToChat(ctx, other, sms.Body);
    return { id: other?.id ?? id, duplicate: true };
  }
  await postToChat(ctx, row, sms.Body);
  return { id, duplicate: false };
}

/** Applies a delivery status callback (only forward moves; unknown SIDs change nothing). */
export async function receiveSmsStatus(ctx: RequestContext, request: WebhookRequest) {
  const params = await verifiedParams(ctx, SMS_STATUS_PATH, request);
  const update = parse(SmsStatusParams, params);
  const changed = await applySmsStatus(
    ctx.env,
    update.MessageSid,
    update.MessageStatus,
    update.ErrorCode,
  );
  if (changed) {
    await recordAudit(ctx, {
      action: "sms.status_updated",
      resourceType: "sms",
      resourceId: changed.id,
      workspaceId: changed.workspaceId,
      actorId: null,
      actorRole: "twilio",
      metadata: { status: changed.status },
    });
  }
  return { updated: !!changed };
}
