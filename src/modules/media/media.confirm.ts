/**
 * Marks a media object uploaded once its bytes are in R2. For Worker-signed uploads the PUT route
 * does it; for R2 presigned uploads (bytes sent straight to R2) the object is checked in R2 the
 * first time the media is read: present, within its size limit and of the declared type.
 *
 * Confirmation freezes the object: its size and SHA-256 are stored, the row leaves `pending`
 * (guarded, so of two racing confirmations one applies), and the `media.uploaded` entry is written
 * only by the one that applied (`changes() > 0` in the same batch). The object itself is created
 * once (create-only puts), so what was confirmed is what stays stored.
 */
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { auditLog } from "../../db/schema/audit";
import { mediaObjects, type MediaObjectRow } from "../../db/schema/media";
import { auditRow, type AuditInput } from "../../lib/audit";
import { toHex } from "../../lib/encoding";
import type { RequestContext } from "../../middleware/request-context";
import { bareType } from "./media.purposes";
import { sha256OfObject } from "./media.stream";

const AUDIT_COLUMNS = getTableColumns(auditLog);

/**
 * The insert of an audit entry that takes effect only if the statement just before it in the
 * batch changed a row (`insert … select … where changes() > 0`). Wrapped in an object: a drizzle
 * query is thenable, so returning it bare from an async function would run it.
 */
async function auditIfChanged(ctx: RequestContext, input: AuditInput) {
  const row: Record<string, unknown> = await auditRow(ctx, input);
  // Every column in the table's order (the insert lists them so); `seq` null is autoincrement.
  const values = Object.keys(AUDIT_COLUMNS).map((key) => {
    const value = row[key] ?? null;
    return key === "metadata" && value !== null ? JSON.stringify(value) : value;
  });
  const query = ctx.db.orm.insert(auditLog).select(
    sql`select ${sql.join(
      values.map((value) => sql`${value}`),
      sql`, `,
    )} where changes() > 0`,
  );
  return { query };
}

const rowById = (ctx: RequestContext, row: MediaObjectRow) =>
  ctx.db.orm
    .select()
    .from(mediaObjects)
    .where(and(eq(mediaObjects.id, row.id), eq(mediaObjects.workspaceId, row.workspaceId)))
    .limit(1);

/**
 * Records stored bytes on a pending row (guarded: only a pending row changes) and answers the row
 * as it now stands: this confirmation's, or, if another confirmed it first, that one's (null if
 * the row is gone).
 */
export async function markUploaded(
  ctx: RequestContext,
  row: MediaObjectRow,
  stored: { sizeBytes: number; sha256: string },
  alongside: BatchItem<"sqlite">[] = [],
): Promise<MediaObjectRow | null> {
  const now = new Date().toISOString();
  const changes = {
    status: "uploaded" as const,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    multipartUploadId: null,
    uploadedAt: now,
    updatedAt: now,
  };
  const [updated] = await ctx.db.write([
    ctx.db.orm
      .update(mediaObjects)
      .set(changes)
      .where(
        and(
          eq(mediaObjects.id, row.id),
          eq(mediaObjects.workspaceId, row.workspaceId),
          eq(mediaObjects.status, "pending"),
        ),
      )
      .returning({ id: mediaObjects.id }),
    (
      await auditIfChanged(ctx, {
        action: "media.uploaded",
        resourceType: "media",
        resourceId: row.id,
        workspaceId: row.workspaceId,
        // Token uploads carry no bearer: the actor is whoever was issued the URL.
        actorId: ctx.caller?.userId ?? row.createdBy,
        metadata: {
          purpose: row.purpose,
          patient_id: row.patientId,
          size_bytes: stored.sizeBytes,
          mode: row.uploadMode,
        },
      })
    ).query,
    ...alongside,
  ]);
  if (updated.length > 0) return { ...row, ...changes };
  const [rows] = await ctx.db.read([rowById(ctx, row)]);
  return rows[0] ?? null;
}

/**
 * Confirms bytes that are in R2 but not yet recorded (a presigned upload, or a Worker upload whose
 * confirmation was lost): size and type checked, SHA-256 taken from R2's checksum or hashed from
 * the object. The row as it now stands.
 */
export async function confirmStoredObject(
  ctx: RequestContext,
  row: MediaObjectRow,
): Promise<MediaObjectRow> {
  const head = await ctx.env.MEDIA.head(row.objectKey);
  if (!head) return row;
  const type = bareType(head.httpMetadata?.contentType);
  if (head.size > row.maxBytes || type !== row.contentType) {
    // Not what was issued: drop it; the client may upload again while the URL is valid.
    await ctx.env.MEDIA.delete(row.objectKey);
    return row;
  }
  const sha256 = head.checksums.sha256
    ? toHex(head.checksums.sha256)
    : await sha256OfObject(ctx.env.MEDIA, row.objectKey);
  if (!sha256) return row;
  return (await markUploaded(ctx, row, { sizeBytes: head.size, sha256 })) ?? row;
}

/** Bytes sent straight to R2 by a presigned PUT: confirmed the first time the media is read. */
export const confirmPresignedUpload = confirmStoredObject;
