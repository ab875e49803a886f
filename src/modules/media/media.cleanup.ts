/**
 * Cron: removes abandoned uploads. A pending media object past its upload expiry (plus a grace
 * period, so a PUT still streaming at the deadline can finish) loses its R2 object, its open
 * multipart upload (R2 would otherwise keep the parts) and its rows. Runs without a caller.
 */
import { and, eq, inArray, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { mediaObjects, mediaUploadParts } from "../../db/schema/media";
import type { Bindings } from "../../env";
import { removeStoredBytes } from "./media.service";

export const ABANDONED_GRACE_MS = 15 * 60_000;

/** Cleans up to `batch` abandoned uploads; how many were removed. */
export async function cleanupAbandonedMedia(env: Bindings, now = new Date(), batch = 100) {
  const db = drizzle(env.DB);
  const cutoff = new Date(now.getTime() - ABANDONED_GRACE_MS).toISOString();
  const stale = await db
    .select()
    .from(mediaObjects)
    .where(and(eq(mediaObjects.status, "pending"), lt(mediaObjects.uploadExpiresAt, cutoff)))
    .limit(batch);
  if (stale.length === 0) return 0;
  for (const row of stale) await removeStoredBytes(env.MEDIA, row);
  const ids = stale.map((row) => row.id);
  await db.batch([
    db.delete(mediaUploadParts).where(inArray(mediaUploadParts.mediaId, ids)),
    // Still pending: a row completed meanwhile is kept.
    db
      .delete(mediaObjects)
      .where(and(inArray(mediaObjects.id, ids), eq(mediaObjects.status, "pending"))),
  ]);
  return stale.length;
}
