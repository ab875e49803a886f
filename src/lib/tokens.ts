/**
 * Signed tokens through jose. Each kind has a fixed algorithm, issuer, audience and `typ` header,
 * and its own signing key derived from JWT_SECRET, so a token of one kind is never accepted as
 * another: `alg: none`, a wrong `typ`, audience or key, expiry and tampering all fail verification.
 */
import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { hmac } from "./crypto/keys";
import { uuidv7 } from "./ids";

export const ISSUER = "rehab-edge";
const ALG = "HS256";

export const TOKEN_KINDS = {
  access: { typ: "at+jwt", audience: "rehab-edge:api", ttlSeconds: 15 * 60 },
  refresh: { typ: "rt+jwt", audience: "rehab-edge:refresh", ttlSeconds: 7 * 24 * 3600 },
  upload: { typ: "upload+jwt", audience: "rehab-edge:upload", ttlSeconds: 3600 },
} as const;

export type TokenKind = keyof typeof TOKEN_KINDS;

export type AccessClaims = { sub: string; wid: string; role: string; sid: string };
export type RefreshClaims = { sub: string; wid: string; sid: string };

const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The signing key of a token kind, derived once per isolate from JWT_SECRET and imported once as
 * a CryptoKey (handing jose raw bytes made it import the key again on every sign and verify).
 */
function keyFor(secret: string, kind: TokenKind): Promise<CryptoKey> {
  const id = `${kind}:${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = hmac(secret, `jwt-key:${kind}`).then((mac) =>
      crypto.subtle.importKey("raw", mac, { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]),
    );
    key.catch(() => keys.delete(id));
    keys.set(id, key);
  }
  return key;
}

/**
 * Access tokens already verified in this isolate, until their expiry: a client sends the same
 * token for up to 15 minutes, and its signature cannot change. Keyed by secret and token, so a
 * rotated secret matches nothing; bounded (oldest dropped first). Expiry is checked on every hit;
 * revocation is unaffected (the session check runs in D1 on every request).
 */
const VERIFIED_MAX = 5000;
const verified = new Map<string, { payload: JWTPayload; exp: number }>();

function rememberVerified(id: string, payload: JWTPayload) {
  if (typeof payload.exp !== "number") return;
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  verified.set(id, { payload: Object.freeze(payload), exp: payload.exp });
}

export async function signToken(
  secret: string,
  kind: TokenKind,
  claims: Record<string, unknown> & { sub: string },
  ttlSeconds: number = TOKEN_KINDS[kind].ttlSeconds,
): Promise<{ token: string; jti: string; expiresAt: Date }> {
  const spec = TOKEN_KINDS[kind];
  const jti = uuidv7();
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, typ: spec.typ })
    .setIssuer(ISSUER)
    .setAudience(spec.audience)
    .setSubject(claims.sub)
    .setJti(jti)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(await keyFor(secret, kind));
  return { token, jti, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

/** Verifies a token of the given kind; returns null for any token that is not exactly that. */
export async function verifyToken<T extends Record<string, unknown>>(
  secret: string,
  kind: TokenKind,
  token: string,
): Promise<(JWTPayload & T) | null> {
  const spec = TOKEN_KINDS[kind];
  const cacheId = kind === "access" ? `${secret}\u0000${token}` : null;
  if (cacheId) {
    const hit = verified.get(cacheId);
    if (hit && hit.exp > Date.now() / 1000) return hit.payload as JWTPayload & T;
    if (hit) verified.delete(cacheId);
  }
  try {
    const { payload } = await jwtVerify<T>(token, await keyFor(secret, kind), {
      algorithms: [ALG],
      issuer: ISSUER,
      audience: spec.audience,
      typ: spec.typ,
      requiredClaims: ["sub", "jti", "exp", "iat"],
    });
    if (cacheId) rememberVerified(cacheId, payload);
    return payload;
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
}
