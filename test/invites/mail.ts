/** Reading stored outbound emails in tests (decrypted straight from D1), and their link tokens. */
import { env } from "cloudflare:test";
import { outboundRef } from "../../src/messaging/outbound";
import { phiCipherFor } from "../../src/middleware/request-context";

export type StoredEmail = {
  id: string;
  template: string;
  recipient: string;
  subject: string | null;
  body: string;
  status: string;
};

/** The workspace's emails of a template, newest first, optionally to one recipient. */
export async function emailsTo(workspaceId: string, template: string, recipient?: string) {
  const phi = phiCipherFor(env);
  const rows = await env.DB.prepare(
    "SELECT * FROM outbound_messages WHERE workspace_id = ? AND template = ? ORDER BY created_at DESC, id DESC",
  )
    .bind(workspaceId, template)
    .all<Record<string, string>>();
  const emails: StoredEmail[] = [];
  for (const row of rows.results) {
    const id = row.id!;
    const email = {
      id,
      template: row.template!,
      recipient: await phi.decrypt(row.recipient_enc!, outboundRef(id, "recipient")),
      subject: await phi.decryptOptional(row.subject_enc, outboundRef(id, "subject")),
      body: await phi.decrypt(row.body_enc!, outboundRef(id, "body")),
      status: row.status!,
    };
    if (!recipient || email.recipient === recipient.toLowerCase()) emails.push(email);
  }
  return emails;
}

/** The token of the verify-magic-link URL in an email body. */
export function linkToken(body: string): string {
  const match = /\/api\/v1\/auth\/verify-magic-link\?token=([A-Za-z0-9_-]+)/.exec(body);
  if (!match) throw new Error(`no magic link in: ${body}`);
  return match[1]!;
}

/** Polls until the message reaches `status` or `timeoutMs` passes; returns the last status. */
export async function waitForStatus(id: string, status: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const row = await env.DB.prepare("SELECT status FROM outbound_messages WHERE id = ?")
      .bind(id)
      .first<{ status: string }>();
    last = row?.status ?? "";
    if (last === status) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

/** A distinct client address, so rate-limit buckets are not shared between tests. */
export const clientIp = () => ({
  "cf-connecting-ip": `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
});
