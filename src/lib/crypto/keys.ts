/**
 * Key material from secrets, imported once per isolate.
 * PHI_KEYS holds every data key that may still decrypt rows ("k1:<base64 32 bytes>,k2:…");
 * PHI_ACTIVE_KEY_ID names the one new rows are encrypted with, so keys rotate without rewrites.
 */
import { fromBase64Url, utf8 } from "../encoding";

const cache = new Map<string, Promise<CryptoKey>>();

function cached(id: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let key = cache.get(id);
  if (!key) {
    key = make();
    key.catch(() => cache.delete(id));
    cache.set(id, key);
  }
  return key;
}

export function parseKeyRing(spec: string): Map<string, Uint8Array<ArrayBuffer>> {
  const ring = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const entry of spec.split(",")) {
    const [kid, material] = entry.trim().split(":");
    if (!kid || !material) continue;
    const bytes = fromBase64Url(material.replaceAll("=", ""));
    if (bytes.length !== 32) throw new Error(`PHI key ${kid} must be 32 bytes`);
    ring.set(kid, bytes);
  }
  if (ring.size === 0) throw new Error("PHI_KEYS holds no keys");
  return ring;
}

export function aesKey(kid: string, material: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return cached(`aes:${kid}:${material.join(".")}`, () =>
    crypto.subtle.importKey("raw", material, "AES-GCM", false, ["encrypt", "decrypt"]),
  );
}

export function hmacKey(secret: string): Promise<CryptoKey> {
  return cached(`hmac:${secret}`, () =>
    crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]),
  );
}

export async function hmac(secret: string, message: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign("HMAC", await hmacKey(secret), utf8(message));
}
