/**
 * Password hashing within Workers' limits: PBKDF2-HMAC-SHA256 at 100,000 iterations (the most
 * Cloudflare's WebCrypto allows; local workerd does not enforce the cap, a test does), a 16-byte
 * salt per hash, and the password first keyed with a server-side pepper (HMAC), so a stolen
 * database alone cannot be attacked offline.
 * The stored string carries its parameters, `pbkdf2-sha256$<iterations>$<pepper id>$<salt>$<hash>`,
 * so they can be raised later: `needsRehash` tells login to upgrade an old hash.
 */
import { fromBase64Url, randomBytes, toBase64Url, timingSafeEqual } from "../encoding";
import { hmac } from "./keys";

export const PBKDF2_MAX_ITERATIONS = 100_000;
export const PASSWORD_ITERATIONS = PBKDF2_MAX_ITERATIONS;
const PEPPER_ID = "p1";

async function derive(
  password: string,
  pepper: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
) {
  if (iterations > PBKDF2_MAX_ITERATIONS)
    throw new Error("PBKDF2 iterations above the Workers cap");
  const peppered = await hmac(pepper, password);
  const base = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base,
    256,
  );
  return toBase64Url(bits);
}

export async function hashPassword(
  password: string,
  pepper: string,
  iterations = PASSWORD_ITERATIONS,
) {
  const salt = randomBytes(16);
  const hash = await derive(password, pepper, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${PEPPER_ID}$${toBase64Url(salt)}$${hash}`;
}

export function parsePasswordHash(stored: string) {
  const [scheme, iterations, pepperId, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !pepperId || !salt || !hash) return null;
  return { iterations: Number(iterations), pepperId, salt, hash };
}

export async function verifyPassword(password: string, stored: string, pepper: string) {
  const parsed = parsePasswordHash(stored);
  if (!parsed || !Number.isInteger(parsed.iterations)) return false;
  const hash = await derive(password, pepper, fromBase64Url(parsed.salt), parsed.iterations);
  return timingSafeEqual(hash, parsed.hash);
}

export function needsRehash(stored: string): boolean {
  const parsed = parsePasswordHash(stored);
  return !parsed || parsed.iterations < PASSWORD_ITERATIONS || parsed.pepperId !== PEPPER_ID;
}

/** A hash of a random password, compared against when an email is unknown so timing does not tell. */
export const DUMMY_PASSWORD_HASH =
  "pbkdf2-sha256$100000$p1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
