/**
 * Encrypted columns of chats and messages, and their public views.
 * Invariant: every `*_enc` value is bound to its table, column and row, so a ciphertext copied to
 * another row or column does not decrypt.
 */
import type { chatMessages } from "../../db/schema/chats";
import type { PhiCipher } from "../../lib/crypto/phi";
import type { ChatRow } from "./chats.access";
import type { Chat, Message } from "./chats.schemas";

export type MessageRow = typeof chatMessages.$inferSelect;

export const chatRef = (id: string, column: "name" | "phone") => ({
  table: "chats",
  column,
  rowId: id,
});
export const bodyRef = (
  id: string,
  column: "body" | "original_body" | "transcription" = "body",
) => ({
  table: "chat_messages",
  column,
  rowId: id,
});

/** A chat as its participant sees it; `last` is the latest message row, if any. */
export async function chatView(
  phi: PhiCipher,
  chat: ChatRow,
  me: { isPinned: boolean; lastReadSeq: number },
  unread: number,
  last: MessageRow | null,
): Promise<Chat> {
  return {
    id: chat.id,
    name: await phi.decrypt(chat.nameEnc, chatRef(chat.id, "name")),
    type: chat.type,
    patient_id: chat.patientId,
    phone_number: await phi.decryptOptional(chat.phoneEnc, chatRef(chat.id, "phone")),
    created_by: chat.createdBy,
    created_at: chat.createdAt,
    updated_at: chat.updatedAt,
    is_pinned: me.isPinned,
    unread_count: unread,
    last_seq: chat.lastSeq,
    last_message: last && !last.deletedAt ? await messageBody(phi, last) : null,
    last_message_time: chat.lastMessageAt,
  };
}

async function messageBody(phi: PhiCipher, row: MessageRow) {
  return phi.decryptOptional(row.bodyEnc, bodyRef(row.id));
}

/**
 * A message for `readerId`: a deleted one keeps its place (id, seq) without content. `isRead`:
 * the reader's own message counts as read once anyone else's cursor passed it. `plaintext`: the
 * body when the caller has it (a message just written), which spares a decryption.
 */
export async function messageView(
  phi: PhiCipher,
  row: MessageRow,
  reader: { userId: string; lastReadSeq: number; othersReadSeq: number },
  plaintext?: { content: string | null },
): Promise<Message> {
  const mine = row.senderId === reader.userId;
  return {
    id: row.id,
    chat_id: row.chatId,
    seq: row.seq,
    sender: { id: row.senderId },
    type: row.type,
    content: row.deletedAt ? null : plaintext ? plaintext.content : await messageBody(phi, row),
    media_id: row.deletedAt ? null : row.mediaId,
    voice_seconds: row.voiceSeconds,
    transcription: row.deletedAt
      ? null
      : await phi.decryptOptional(row.transcriptionEnc, bodyRef(row.id, "transcription")),
    transcribed_at: row.deletedAt ? null : row.transcribedAt,
    client_message_id: row.clientMessageId,
    created_at: row.createdAt,
    edited_at: row.editedAt,
    deleted_at: row.deletedAt,
    is_read: mine ? reader.othersReadSeq >= row.seq : reader.lastReadSeq >= row.seq,
  };
}
