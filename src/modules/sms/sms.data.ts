/**
 * Encrypted columns of `sms_messages` and the log entry's public view.
 * Invariant: every `*_enc` value is bound to its table, column and row; `phone_index` is the
 * blind index of the counterpart's number under one purpose, so the log filter and the routing of
 * a reply both find a number without storing it in the clear.
 */
import type { smsMessages } from "../../db/schema/sms";
import type { PhiCipher } from "../../lib/crypto/phi";
import type { SmsLog } from "./sms.schemas";

export type SmsRow = typeof smsMessages.$inferSelect;

export const smsRef = (id: string, column: "from" | "to" | "body") => ({
  table: "sms_messages",
  column,
  rowId: id,
});

/** The blind index of a phone number (one form for SMS rows and patient records). */
export { phoneIndexOf } from "../../lib/phone";

/** The log entry, decrypted concurrently (three fields). */
export async function smsView(phi: PhiCipher, row: SmsRow): Promise<SmsLog> {
  const [from, to, message] = await Promise.all([
    phi.decrypt(row.fromEnc, smsRef(row.id, "from")),
    phi.decrypt(row.toEnc, smsRef(row.id, "to")),
    phi.decrypt(row.bodyEnc, smsRef(row.id, "body")),
  ]);
  return {
    id: row.id,
    direction: row.direction,
    from,
    to,
    message,
    status: row.status,
    patient_id: row.patientId,
    chat_id: row.chatId,
    sender_id: row.senderId,
    provider_sid: row.providerSid,
    error_code: row.errorCode,
    sent_at: row.sentAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
