/**
 * SMS verbs for staff (seed 002 §2.9): send one, and read the log.
 *
 * Invariants:
 * - Who may text what is decided at send time, from the relations of now: the number of a patient
 *   the caller may see (`patientVisibility`: admins the workspace, clinicians their care team), or
 *   the number of an SMS chat the caller takes part in (and, if the chat is about a patient, may
 *   still see that patient). Anything else is the same 404 as an unknown patient, audited as
 *   denied, so no answer tells whether a number belongs to anyone.
 * - The SMS goes out from the workspace's own sender number (sms.number.ts), so a reply routes
 *   back to this workspace only. No number, no send (409).
 * - Per-user and per-workspace limits (sms.limits.ts) are counted last, after every other check;
 *   a refused send (429) stores and queues nothing.
 * - The SMS is stored (encrypted, with its audit entry) before the send is queued and before
 *   anything is acknowledged; the queue job (sms.delivery.ts) hands it to Twilio or to the
 *   development outbox. A retry with the same `client_id` / Idempotency-Key returns the first SMS.
 * - An SMS in an SMS chat is also posted there (through the chat's Durable Object, so ordering and
 *   fan-out stay in one place).
 */
import { and, count, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { chatParticipants, chats } from "../../db/schema/chats";
import { patients } from "../../db/schema/patients";
import { smsMessages } from "../../db/schema/sms";
import { auditEntry, recordAudit } from "../../lib/audit";
import { queueAudit } from "../../lib/audit-queue";
import { NotFoundError, ValidationError, type FieldIssue } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf } from "../../lib/pagination";
import { isE164, normalisePhone } from "../../lib/phone";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { accessPatient, patientVisibility, requirePermission } from "../../policy/policy";
import { accessChat } from "../chats/chats.access";
import { chatRef } from "../chats/chats.data";
import { sendMessage } from "../chats/messages.service";
import { patientRef } from "../patients/patients.data";
import { phoneIndexOf, smsRef, smsView, type SmsRow } from "./sms.data";
import { enforceSmsLimits } from "./sms.limits";
import { noSenderNumber, senderNumberQuery } from "./sms.number";
import type { SendSmsInput, SmsLogQuery } from "./sms.schemas";

type Target = { patientId: string | null; phone: string; chatId: string | null };

/** Refuses a target exactly as an unknown patient is refused (404), audited as denied. */
async function unreachable(ctx: RequestContext, reason: string): Promise<never> {
  await recordAudit(ctx, {
    action: "sms.sent",
    resourceType: "sms",
    outcome: "denied",
    metadata: { reason },
  });
  throw new NotFoundError("Patient");
}

/** The workspace's live patients with this number, each with whether the caller may see it now. */
async function patientsAt(ctx: RequestContext, caller: Caller, phone: string) {
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: patients.id, visible: sql<number>`(${patientVisibility(caller)})` })
      .from(patients)
      .where(
        and(
          eq(patients.workspaceId, caller.workspaceId),
          eq(patients.phoneIndex, await phoneIndexOf(ctx.phi, phone)),
          isNull(patients.deletedAt),
        ),
      )
      .limit(20),
  ]);
  return {
    visible: rows.filter((r) => r.visible).map((r) => r.id),
    hidden: rows.some((r) => !r.visible),
  };
}

/** An SMS chat's number, checked as a target: the chat's patient (if any) must be visible now. */
async function chatTarget(
  ctx: RequestContext,
  caller: Caller,
  input: SendSmsInput,
  chatId: string,
): Promise<Target> {
  const { chat } = await accessChat(ctx, chatId, "sms.sent");
  const issues: FieldIssue[] = [];
  if (chat.type !== "SMS") issues.push({ field: "chat_id", message: "Not an SMS chat" });
  if (input.patient_id && chat.patientId && input.patient_id !== chat.patientId)
    issues.push({ field: "patient_id", message: "Differs from the chat's patient" });
  if (issues.length) throw new ValidationError(issues);
  if (chat.patientId) await accessPatient(ctx, chat.patientId, "write", { action: "sms.sent" });
  const phone = await ctx.phi.decryptOptional(chat.phoneEnc, chatRef(chat.id, "phone"));
  if (!phone || !isE164(phone))
    throw new ValidationError([
      { field: "chat_id", message: "The SMS chat has no textable number" },
    ]);
  if (input.recipient_phone && normalisePhone(input.recipient_phone) !== normalisePhone(phone))
    return unreachable(ctx, "number_not_chat");
  // A chat about no patient must not become a way to text a patient the caller may not see.
  if (!chat.patientId && (await patientsAt(ctx, caller, phone)).hidden)
    return unreachable(ctx, "number_of_hidden_patient");
  return { patientId: chat.patientId, phone: normalisePhone(phone), chatId: chat.id };
}

/** A patient's own number (or, if given, a number that must be it). */
async function patientTarget(
  ctx: RequestContext,
  input: SendSmsInput,
  patientId: string,
): Promise<Target> {
  const patient = await accessPatient(ctx, patientId, "write", { action: "sms.sent" });
  const own = await ctx.phi.decryptOptional(patient.phoneEnc, patientRef(patient.id, "phone"));
  if (input.recipient_phone) {
    if (!own || normalisePhone(own) !== normalisePhone(input.recipient_phone))
      return unreachable(ctx, "number_not_patient");
  } else if (!own || !isE164(own)) {
    throw new ValidationError([
      { field: "recipient_phone", message: "The patient has no number that can be texted" },
    ]);
  }
  return { patientId: patient.id, phone: normalisePhone(own), chatId: null };
}

/** The caller's SMS chats with this number, newest first (few per user: decrypted and compared). */
async function ownSmsChatAt(ctx: RequestContext, caller: Caller, phone: string) {
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select({ id: chats.id, patientId: chats.patientId, phoneEnc: chats.phoneEnc })
      .from(chats)
      .innerJoin(
        chatParticipants,
        and(
          eq(chatParticipants.chatId, chats.id),
          eq(chatParticipants.userId, caller.userId),
          isNull(chatParticipants.removedAt),
        ),
      )
      .where(
        and(
          eq(chats.workspaceId, caller.workspaceId),
          eq(chats.type, "SMS"),
          isNull(chats.deletedAt),
        ),
      )
      .orderBy(desc(chats.createdAt))
      .limit(500),
  ]);
  const wanted = normalisePhone(phone);
  const numbers = await Promise.all(
    rows.map((r) => ctx.phi.decryptOptional(r.phoneEnc, chatRef(r.id, "phone"))),
  );
  return rows.find((_, i) => numbers[i] && normalisePhone(numbers[i]) === wanted) ?? null;
}

/** A bare number (seed 002's request shape): a visible patient's, else one of the caller's SMS chats. */
async function numberTarget(ctx: RequestContext, caller: Caller, phone: string): Promise<Target> {
  const owners = await patientsAt(ctx, caller, phone);
  if (owners.visible.length > 1)
    throw new ValidationError([
      { field: "patient_id", message: "Several of your patients have this number; name one" },
    ]);
  if (owners.visible.length === 1) {
    await accessPatient(ctx, owners.visible[0]!, "write", { action: "sms.sent" });
    return { patientId: owners.visible[0]!, phone: normalisePhone(phone), chatId: null };
  }
  const chat = await ownSmsChatAt(ctx, caller, phone);
  if (!chat) return unreachable(ctx, "number_not_reachable");
  if (chat.patientId) await accessPatient(ctx, chat.patientId, "write", { action: "sms.sent" });
  else if (owners.hidden) return unreachable(ctx, "number_of_hidden_patient");
  return { patientId: chat.patientId, phone: normalisePhone(phone), chatId: chat.id };
}

/** Where the SMS goes, checked against what the caller may reach now (see the invariants). */
async function resolveTarget(ctx: RequestContext, caller: Caller, input: SendSmsInput) {
  if (input.chat_id) return chatTarget(ctx, caller, input, input.chat_id);
  if (input.patient_id) return patientTarget(ctx, input, input.patient_id);
  if (!input.recipient_phone)
    throw new ValidationError([
      { field: "recipient_phone", message: "Required unless patient_id or chat_id is given" },
    ]);
  return numberTarget(ctx, caller, input.recipient_phone);
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
 * Stores and queues an SMS to a patient's number, a patient or an SMS chat (201), from the
 * workspace's sender number. Staff only ('sms.send'); the target is checked against the caller's
 * relations now (404 otherwise); 409 without a sender number; 429 past a send limit.
 * A retry with the same client id returns the stored SMS with `replayed: true`.
 */
export async function sendSms(ctx: RequestContext, input: SendSmsInput, idempotencyKey?: string) {
  const caller = await requirePermission(ctx, "sms.send", {
    action: "sms.sent",
    resourceType: "sms",
  });
  const clientId = input.client_id ?? idempotencyKey ?? null;
  const [existing, sender] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(smsMessages)
      .where(
        and(
          eq(smsMessages.workspaceId, caller.workspaceId),
          eq(smsMessages.senderId, caller.userId),
          eq(smsMessages.clientId, clientId ?? ""),
        ),
      )
      .limit(clientId ? 1 : 0),
    senderNumberQuery(ctx, caller.workspaceId),
  ]);
  if (existing[0]) {
    // The replay shows the patient's number again: only while the caller may still see them.
    if (existing[0].patientId)
      await accessPatient(ctx, existing[0].patientId, "read", { action: "sms.sent" });
    await postToChat(ctx, existing[0], input.message);
    return { ...(await smsView(ctx.phi, existing[0])), replayed: true };
  }
  const from = sender[0]?.smsNumber;
  if (!from) throw noSenderNumber();
  const target = await resolveTarget(ctx, caller, input);
  await enforceSmsLimits(ctx, caller);
  const id = uuidv7();
  const now = new Date().toISOString();
  const row: SmsRow = {
    id,
    workspaceId: caller.workspaceId,
    direction: "outbound",
    providerSid: null,
    fromEnc: await ctx.phi.encrypt(from, smsRef(id, "from")),
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
