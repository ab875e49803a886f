/**
 * The opaque tokens in upload and download URLs: `base64url(claims).base64url(HMAC-SHA256)`.
 * The HMAC key is derived from JWT_SECRET and the token's operation, so an upload token is never
 * accepted as a download token (or a part token as a whole-object one) and no new secret is needed.
 * Claims carry ids only (no names, no patient data): the URL may end up in logs or proxies.
 */
import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema/users";
import { hmac } from "../../lib/crypto/keys";
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from "../../lib/encoding";

export const TOKEN_OPS = ["put", "part", "get"] as const;
export type TokenOp = (typeof TOKEN_OPS)[number];

const Claims = z.object({
  op: z.enum(TOKEN_OPS),
  /** media id */
  mid: z.string().min(1),
  /** workspace id */
  wid: z.string().min(1),
  /** R2 object key */
  key: z.string().min(1),
  /** content type the upload must declare (uploads), or serves (downloads) */
  ct: z.string().min(1),
  /** maximum bytes of this PUT (the object, or one part) */
  max: z.number().int().nonnegative(),
  /** exact bytes the PUT must carry, when the upload was issued for a known size */
  len: z.number().int().positive().optional(),
  /** part number (part tokens) */
  n: z.number().int().min(1).optional(),
  /** expiry, seconds since the epoch */
  exp: z.number().int(),
  /**
   * Downloads: the user, login session and role the link was issued to. Each download request
   * re-runs the owner's access check as that user, so a link stops working as soon as the
   * relation behind it ends (care team, grant, logout), not when the link expires.
   */
  uid: z.string().min(1).optional(),
  sid: z.string().min(1).optional(),
  role: z.enum(ROLES).optional(),
});
export type MediaClaims = z.infer<typeof Claims>;

const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string, op: TokenOp): Promise<CryptoKey> {
  const id = `${op}:${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = hmac(secret, `media-url-key:v1:${op}`).then((raw) =>
      crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]),
    );
    keys.set(id, key);
  }
  return key;
}

/** Signs the claims into a URL-safe token. */
export async function signMediaToken(secret: string, claims: MediaClaims): Promise<string> {
  const body = toBase64Url(utf8(JSON.stringify(claims)));
  const mac = await crypto.subtle.sign("HMAC", await keyFor(secret, claims.op), utf8(body));
  return `${body}.${toBase64Url(mac)}`;
}

export type TokenCheck =
  | { ok: true; claims: MediaClaims }
  | { ok: false; reason: "malformed" | "signature" | "expired" | "operation" };

/**
 * Verifies a token for one of the expected operations: well formed, signed with that operation's
 * key (constant-time compare by WebCrypto) and not expired.
 */
export async function verifyMediaToken(
  secret: string,
  token: string,
  expected: readonly TokenOp[],
  now = Date.now(),
): Promise<TokenCheck> {
  const match = /^([A-Za-z0-9_-]{16,2048})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: "malformed" };
  let claims: MediaClaims;
  try {
    const parsed = Claims.safeParse(JSON.parse(fromUtf8(fromBase64Url(match[1]!))));
    if (!parsed.success) return { ok: false, reason: "malformed" };
    claims = parsed.data;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!expected.includes(claims.op)) return { ok: false, reason: "operation" };
  const valid = await crypto.subtle.verify(
    "HMAC",
    await keyFor(secret, claims.op),
    fromBase64Url(match[2]!),
    utf8(match[1]!),
  );
  if (!valid) return { ok: false, reason: "signature" };
  if (claims.exp * 1000 <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}
