/**
 * `GET /media/{token}`: a signed, expiring download that honours HTTP Range (one range per
 * request, as video players ask), so a long session video seeks without being fetched whole.
 * The token is the credential, bound to the user it was issued to; its issuance was audited
 * (`media.read`). Access is a function of now: every request re-checks, as that user, that the
 * login session is live and that the owner's access rule still lets them read the media (one
 * round trip for the media row with the session check riding along, one for the owner's check;
 * refusals audited by the owner's check), so a link dies with the relation, not at its expiry.
 */
import { ForbiddenError, NotFoundError, UnauthorizedError } from "../../lib/errors";
import { liveSessionQuery } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { accessMedia } from "./media.access";
import { verifyMediaToken } from "./media.tokens";

export type ByteRange = { offset: number; length: number };

/**
 * The range a `Range` header asks of an object of `size` bytes: null to serve it whole (no header,
 * a syntax we do not serve such as several ranges, which RFC 9110 lets a server ignore), or
 * "unsatisfiable" (416).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | null | "unsatisfiable" {
  if (!header) return null;
  const match = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return null; // Invalid: ignore it.
  if (start >= size) return "unsatisfiable";
  return { offset: start, length: end - start + 1 };
}

export type MediaDownload =
  | { kind: "unsatisfiable"; size: number }
  | {
      kind: "full" | "partial";
      body: ReadableStream;
      size: number;
      range: ByteRange;
      contentType: string;
      etag: string;
    };

const REASONS = {
  malformed: "Invalid download URL",
  signature: "Invalid download URL",
  operation: "Invalid download URL",
  expired: "Download URL has expired",
  ended: "Download URL is no longer valid",
} as const;

/** Verifies the token, re-checks access as its user, and reads the object (or range) from R2. */
export async function readMedia(
  ctx: RequestContext,
  token: string,
  rangeHeader: string | undefined,
): Promise<MediaDownload> {
  const check = await verifyMediaToken(ctx.env.JWT_SECRET, token, ["get"]);
  if (!check.ok) throw new ForbiddenError(REASONS[check.reason]);
  const { claims } = check;
  // Links issued before they were bound to a user carry no one to re-check: refused.
  if (!claims.uid || !claims.sid || !claims.role) throw new ForbiddenError(REASONS.malformed);
  const caller = {
    userId: claims.uid,
    workspaceId: claims.wid,
    role: claims.role,
    sessionId: claims.sid,
  };
  ctx.caller = caller;
  ctx.db.requireSession(liveSessionQuery(ctx, caller));
  let row;
  try {
    row = await accessMedia(ctx, claims.mid, "read");
  } catch (error) {
    // Logged out or session revoked (deactivation, role change): the link ended with it.
    if (error instanceof UnauthorizedError) throw new ForbiddenError(REASONS.ended);
    throw error;
  }
  // Replaced or never uploaded: gone (deleted media is already a 404 of accessMedia).
  if (row.status !== "uploaded" || row.objectKey !== claims.key) {
    throw new NotFoundError("Media");
  }
  const size = row.sizeBytes ?? 0;
  const range = parseRange(rangeHeader, size);
  if (range === "unsatisfiable") return { kind: "unsatisfiable", size };
  const object = await ctx.env.MEDIA.get(row.objectKey, range ? { range } : undefined);
  if (!object) throw new NotFoundError("Media");
  return {
    kind: range ? "partial" : "full",
    body: object.body,
    size,
    range: range ?? { offset: 0, length: size },
    contentType: row.contentType,
    etag: row.sha256 ? `"${row.sha256}"` : object.httpEtag,
  };
}
