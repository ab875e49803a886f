/**
 * Field-level encryption of patient data at rest, and keyed blind indexes for exact-match search.
 *
 * Invariants:
 * - A ciphertext is bound to its table, column and row through AES-GCM additional data, so a
 *   value copied to another row or column fails to decrypt instead of leaking.
 * - Stored form: `v1.<kid>.<iv>.<ciphertext>` (base64url); the key id lets keys rotate.
 * - Blind indexes are HMAC-SHA256 of a normalised value under a key separate from the data keys,
 *   scoped by purpose, so equal values in different fields do not share an index.
 */
import { fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from "../encoding";
import { aesKey, hmac, parseKeyRing } from "./keys";

export type FieldRef = { table: string; column: string; rowId: string };

export type PhiConfig = { PHI_KEYS: string; PHI_ACTIVE_KEY_ID: string; BLIND_INDEX_KEY: string };

export class PhiCipher {
  private readonly ring: Map<string, Uint8Array<ArrayBuffer>>;
  /** Imported keys by id: one map lookup per field instead of building the shared cache's key. */
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly config: PhiConfig) {
    this.ring = parseKeyRing(config.PHI_KEYS);
    if (!this.ring.has(config.PHI_ACTIVE_KEY_ID)) {
      throw new Error("PHI_ACTIVE_KEY_ID is not in PHI_KEYS");
    }
  }

  async encrypt(plain: string, ref: FieldRef): Promise<string> {
    const kid = this.config.PHI_ACTIVE_KEY_ID;
    const key = await this.key(kid, this.ring.get(kid)!);
    const iv = randomBytes(12);
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: aad(ref) },
      key,
      utf8(plain),
    );
    return `v1.${kid}.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
  }

  async decrypt(stored: string, ref: FieldRef): Promise<string> {
    const [version, kid, iv, body] = stored.split(".");
    const material = kid ? this.ring.get(kid) : undefined;
    if (version !== "v1" || !material || !iv || !body) throw new Error("Unreadable ciphertext");
    const key = await this.key(kid!, material);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: aad(ref) },
      key,
      fromBase64Url(body),
    );
    return fromUtf8(plain);
  }

  /**
   * Bytes in, bytes out, for large binary values (packed pose chunks): no base64 or UTF-8 pass.
   * Stored form: `0x02, kid length, kid (ASCII), 12-byte iv, ciphertext`; the leading byte can
   * never start the text form (`v1.`), so readers tell the two apart.
   */
  async encryptBytes(plain: Uint8Array<ArrayBuffer>, ref: FieldRef): Promise<Uint8Array> {
    const kid = this.config.PHI_ACTIVE_KEY_ID;
    const key = await this.key(kid, this.ring.get(kid)!);
    const iv = randomBytes(12);
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: aad(ref) },
      key,
      plain,
    );
    const kidBytes = utf8(kid);
    const out = new Uint8Array(2 + kidBytes.length + 12 + sealed.byteLength);
    out[0] = BINARY_V2;
    out[1] = kidBytes.length;
    out.set(kidBytes, 2);
    out.set(iv, 2 + kidBytes.length);
    out.set(new Uint8Array(sealed), 14 + kidBytes.length);
    return out;
  }

  /** Opens `encryptBytes` output. */
  async decryptBytes(stored: Uint8Array, ref: FieldRef): Promise<ArrayBuffer> {
    const kidLength = stored[1] ?? 0;
    const kid = fromUtf8(stored.subarray(2, 2 + kidLength));
    const material = this.ring.get(kid);
    if (stored[0] !== BINARY_V2 || !material || stored.length < 14 + kidLength) {
      throw new Error("Unreadable ciphertext");
    }
    const key = await this.key(kid, material);
    return crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: stored.slice(2 + kidLength, 14 + kidLength),
        additionalData: aad(ref),
      },
      key,
      stored.subarray(14 + kidLength),
    );
  }

  private key(kid: string, material: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
    let key = this.keys.get(kid);
    if (!key) {
      key = aesKey(kid, material);
      key.catch(() => this.keys.delete(kid));
      this.keys.set(kid, key);
    }
    return key;
  }

  async encryptOptional(plain: string | null | undefined, ref: FieldRef) {
    return plain === null || plain === undefined ? null : this.encrypt(plain, ref);
  }

  async decryptOptional(stored: string | null | undefined, ref: FieldRef) {
    return stored === null || stored === undefined ? null : this.decrypt(stored, ref);
  }

  /** Keyed index of a normalised value: lower-cased, trimmed, inner whitespace collapsed. */
  async blindIndex(purpose: string, value: string): Promise<string> {
    const normalised = value.normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");
    const mac = await hmac(this.config.BLIND_INDEX_KEY, `${purpose}\u0000${normalised}`);
    return toBase64Url(new Uint8Array(mac).slice(0, 16));
  }

  /** Blind indexes of each word of a name, for exact-token name search. */
  async nameTokens(purpose: string, ...parts: (string | null | undefined)[]): Promise<string[]> {
    const words = new Set(
      parts
        .filter((p): p is string => !!p)
        .flatMap((p) =>
          p
            .normalize("NFKC")
            .toLowerCase()
            .split(/[\s,.'-]+/),
        )
        .filter((w) => w.length > 0),
    );
    return Promise.all([...words].map((w) => this.blindIndex(purpose, w)));
  }
}

/** First byte of the binary stored form (`encryptBytes`). */
export const BINARY_V2 = 0x02;

const aad = (ref: FieldRef) => utf8(`${ref.table}.${ref.column}.${ref.rowId}`);
