/**
 * Profile pictures in R2: `PUT /users/me/avatar` (raw PNG, JPEG or WebP body, at most 1 MiB,
 * checked by its leading bytes, not only its declared type) and `GET /users/{id}/avatar`, readable
 * by whoever may read that user. Object keys hold only ids, never names.
 */
import { and, eq } from "drizzle-orm";
import { users } from "../../db/schema/users";
import { auditEntry } from "../../lib/audit";
import { NotFoundError, PayloadTooLargeError, ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { getUser } from "./users.admin.service";

export const AVATAR_MAX_BYTES = 1024 * 1024;

const SIGNATURES: { type: string; test: (b: Uint8Array) => boolean }[] = [
  {
    type: "image/png",
    test: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  },
  { type: "image/jpeg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: "image/webp",
    test: (b) =>
      String.fromCharCode(...b.slice(0, 4)) === "RIFF" &&
      String.fromCharCode(...b.slice(8, 12)) === "WEBP",
  },
];

const avatarKey = (workspaceId: string, userId: string) => `avatars/${workspaceId}/${userId}`;

/** Stores the caller's avatar; answers its URL. */
export async function putAvatar(
  ctx: RequestContext,
  declaredType: string | undefined,
  bytes: Uint8Array,
) {
  const caller = callerOf(ctx);
  if (bytes.byteLength > AVATAR_MAX_BYTES) throw new PayloadTooLargeError(AVATAR_MAX_BYTES);
  const detected = SIGNATURES.find((s) => s.test(bytes))?.type;
  if (!detected || (declaredType && declaredType.split(";")[0]!.trim() !== detected)) {
    throw new ValidationError([
      { field: "body", message: "A PNG, JPEG or WebP image whose Content-Type matches it" },
    ]);
  }
  await ctx.db.ensureSession();
  await ctx.env.MEDIA.put(avatarKey(caller.workspaceId, caller.userId), bytes, {
    httpMetadata: { contentType: detected },
  });
  const url = `/api/v1/users/${caller.userId}/avatar`;
  await ctx.db.write([
    ctx.db.orm
      .update(users)
      .set({ avatarUrl: url, updatedAt: new Date().toISOString() })
      .where(and(eq(users.id, caller.userId), eq(users.workspaceId, caller.workspaceId))),
    (
      await auditEntry(ctx, {
        action: "user.updated",
        resourceType: "user",
        resourceId: caller.userId,
        metadata: { fields: ["avatar"], bytes: bytes.byteLength },
      })
    ).query,
  ]);
  return { avatar_url: url, content_type: detected, size: bytes.byteLength };
}

/** The avatar of a user the caller may read (same rules and audit as GET /users/{id}). */
export async function getAvatar(ctx: RequestContext, userId: string) {
  const caller = callerOf(ctx);
  await getUser(ctx, userId);
  const object = await ctx.env.MEDIA.get(avatarKey(caller.workspaceId, userId));
  if (!object) throw new NotFoundError("Avatar");
  return object;
}
