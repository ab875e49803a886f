/**
 * Reads whose audit entry goes through the JOBS queue (src/lib/audit-queue.ts) are recorded a
 * moment after the answer, by the real queue consumer: tests wait for them, bounded.
 */
import { env } from "cloudflare:test";

/** Resolves once `requestId` has at least `count` audit rows; fails after `timeoutMs`. */
export async function waitForAuditRows(requestId: string | null, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare("select count(*) as n from audit_log where request_id = ?")
      .bind(requestId)
      .first<{ n: number }>();
    if ((row?.n ?? 0) >= count) return;
    if (Date.now() > deadline) {
      throw new Error(
        `request ${requestId}: ${row?.n ?? 0} of ${count} audit rows after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
