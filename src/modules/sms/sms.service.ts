/**
 * SMS verbs for staff (seed 002 §2.9): send one, and read the log.
 *
 * Invariants: the SMS is stored (encrypted, with its audit entry) before the send is queued and
 * before anything is acknowledged; the queue job (sms.delivery.ts) hands it to Twilio or to the
 * development outbox. A retry with the same `client_id` / Idempotency-Key returns the first SMS.
 * An SMS for a patient needs write access to that patient; one in an SMS chat needs participation
 * in the chat, and is also posted there (through the chat's Durable Object, so ordering and
 * fan-out stay in one place).
 */
import { and, count, desc, eq, gte, inArray, lt, or, type SQL } from "drizzle-orm";
import { patients } from "../../db/schema/patients";
import { smsMessages } from "../../db/schema/sms";
import { auditEntry } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { ValidationError, type FieldIssue } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf } from "../../lib/pagination";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { accessPatient, patientVisibility, requirePermission } from "../../policy/policy";
import { accessChat } from "../chats/chats.access";
import { chatRef } from "../chats/chats.data";
import { sendMessage } from "../chats/messages.service";
import { OUTBOX_SENDER, phoneIndexOf, smsRef, smsView, type SmsRow } from "./sms.data";
import type { SendSmsInput, SmsLogQuery } from "./sms.schemas";

/** Where the SMS goes: its number, and the patient and chat it belongs to (if any). */
async function resolveTarget(ctx: RequestContext, input: SendSmsInput) {
  let patientId = input.patient_id ?? null;
  let phone = input.recipient_phone ?? null;
  let chatId: string | null = null;
  const issues: FieldIssue[] = [];
  if (input.chat_id) {
    const { chat } = await accessChat(ctx, input.chat_id, "sms.sent");
    if (chat.type !== "SMS") issues.push({ field: "chat_id", message: "Not an SMS chat" });
    if (patientId && chat.patientId && patientId !== chat.patientId)
      issues.push({ field: "patient_id", message: "Differs from the chat's patient" });
    chatId = chat.id;
    patientId = chat.patientId ?? patientId;
    phone ??= await ctx.phi.decryptOptional(chat.phoneEnc, chatRef(chat.id, "phone"));
  }
  if (!phone)
    issues.push({ field: "recipient_phone", message: "Required unless the SMS chat has a number" });
  if (issues.length) throw new ValidationError(issues);
  if (patientId) await accessPatient(ctx, patientId, "write", { action: "sms.sent" });
  return { patientId, phone: phone!, chatId };
}

/** Posts an outbound SMS into its chat as the sender's message (idempotent by SMS id). */
async function postToChat(ctx: RequestContext, row: SmsRow, body: string) {
  if (!row.chatId) return;
  await sendMessage(ctx, row.chatId, {
    type: "text",
    content: body,
    client_message_id: `sms-${row.id}`,
  });
}

/**
 * Stores and queues an SMS to a number, a patient or an SMS chat (201). Staff only ('sms.send').
 * A retry with the same client id returns the stored SMS with `replayed: true`.
 */
export async function sendSms(ctx: RequestContext, input: SendSmsInput, idempotencyKey?: string) {
  const caller = await requirePermission(ctx, "sms.send", {
    action: "sms.sent",
    resourceType: "sms",
  });
  const clientId = input.client_id ?? idempotencyKey ?? null;
  if (clientId) {
    const [existing] = await ctx.db.read([
      ctx.db.orm
        .select()
        .from(smsMessages)
        .where(
          and(
            eq(smsMessages.workspaceId, caller.workspaceId),
            eq(smsMessages.senderId, caller.userId),
            eq(smsMessages.clientId, clientId),
          ),
        )
        .limit(1),
    ]);
    if (existing[0]) {
      await postToChat(ctx, existing[0], input.message);
      return { ...(await smsView(ctx.phi, existing[0])), replayed: true };
    }
  }
  const target = await resolveTarget(ctx, input);
  const id = uuidv7();
  const now = new Date().toISOString();
  const row: SmsRow = {
    id,
    workspaceId: caller.workspaceId,
    direction: "outbound",
    providerSid: null,
    fromEnc: await ctx.phi.encrypt(ctx.env.TWILIO_FROM_NUMBER ?? OUTBOX_SENDER, smsRef(id, "from")),
    toEnc: await ctx.phi.encrypt(target.phone, smsRef(id, "to")),
    phoneIndex: await phoneIndexOf(ctx.phi, target.phone),
    bodyEnc: await ctx.phi.encrypt(input.message, smsRef(id, "body")),
    status: "queued",
    patientId: target.patientId,
    chatId: target.chatId,
    senderId: caller.userId,
    clientId,
    errorCode: null,
    sentAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.write([
    ctx.db.orm.insert(smsMessages).values(row),
    (
      await auditEntry(ctx, {
        action: "sms.sent",
        resourceType: "sms",
        resourceId: id,
        metadata: {
          patient_id: target.patientId,
          chat_id: target.chatId,
          length: input.message.length,
        },
      })
    ).query,
  ]);
  await ctx.env.JOBS.send({ type: "send_sms", sms_id: id });
  await postToChat(ctx, row, input.message);
  return { ...(await smsView(ctx.phi, row)), replayed: false };
}

/**
 * Rows the caller may read: admins the whole workspace; other staff the SMS of the patients they
 * see (policy.ts decides who, as a subquery inside the list query) and the SMS they sent.
 */
function logVisibility(ctx: RequestContext, caller: Caller): SQL | undefined {
  if (caller.role === "admin") return undefined;
  const visible = ctx.db.orm
    .select({ id: patients.id })
    .from(patients)
    .where(patientVisibility(caller));
  return or(inArray(smsMessages.patientId, visible), eq(smsMessages.senderId, caller.userId));
}

/**
 * The SMS log, newest first, with filters (phone, patient, direction, status, created range).
 * Staff only ('sms.read'); the read is audited as `sms.listed`.
 */
export async function listSmsLogs(ctx: RequestContext, query: SmsLogQuery) {
  const caller = await requirePermission(ctx, "sms.read", {
    action: "sms.listed",
    resourceType: "sms",
  });
  if (query.patient_id)
    await accessPatient(ctx, query.patient_id, "read", { action: "sms.listed" });
  const where = and(
    eq(smsMessages.workspaceId, caller.workspaceId),
    logVisibility(ctx, caller),
    query.phone ? eq(smsMessages.phoneIndex, await phoneIndexOf(ctx.phi, query.phone)) : undefined,
    query.patient_id ? eq(smsMessages.patientId, query.patient_id) : undefined,
    query.direction ? eq(smsMessages.direction, query.direction) : undefined,
    query.status ? eq(smsMessages.status, query.status) : undefined,
    query.from ? gte(smsMessages.createdAt, query.from) : undefined,
    query.to ? lt(smsMessages.createdAt, query.to) : undefined,
  );
  const [rows, totals] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(smsMessages)
      .where(where)
      .orderBy(desc(smsMessages.createdAt), desc(smsMessages.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm.select({ total: count() }).from(smsMessages).where(where),
  ]);
  const items = await Promise.all(rows.map((row) => smsView(ctx.phi, row)));
  await queueAudit(ctx, {
    action: "sms.listed",
    resourceType: "sms",
    metadata: {
      count: items.length,
      filters: Object.keys(query).filter((k) => k !== "page" && k !== "page_size"),
    },
  });
  return { items, total: totals[0]?.total ?? 0 };
}
