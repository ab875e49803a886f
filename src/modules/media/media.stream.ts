/**
 * Streaming a request body into R2 without buffering it: the bytes are counted as they pass (the
 * signed size limit holds even if a client lies about Content-Length) and hashed (SHA-256) on a
 * second branch of the same stream, so a 2 GB video never sits in the Worker's memory.
 */
import { toHex } from "../../lib/encoding";

export class TooLargeWhileStreaming extends Error {
  constructor(readonly limit: number) {
    super("Body exceeds its limit");
  }
}

/**
 * A pass-through that counts the bytes (erroring as soon as more than `limit` went through) and
 * feeds each chunk to a SHA-256 digest on the way.
 */
function countAndHash(
  limit: number,
  counted: { bytes: number; hashed: boolean },
  digest: DigestStream,
) {
  const hashing = digest.getWriter();
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      counted.bytes += chunk.byteLength;
      if (counted.bytes > limit) throw new TooLargeWhileStreaming(limit);
      await hashing.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await hashing.close();
      counted.hashed = true;
    },
  });
}

export type Streamed<T> = { result: T; sizeBytes: number; sha256: string };

/**
 * The store failed after the whole body went through: `sha256` is what was sent, so a caller can
 * tell a digest refusal by R2 (the bytes differ from the declared digest) from other failures.
 */
export class StoreFailed extends Error {
  constructor(
    readonly sha256: string,
    options: { cause: unknown },
  ) {
    super("Store failed", options);
  }
}

/**
 * Feeds `body` (of declared `length`, at most `limit`) to `store` as a stream of known length,
 * hashing it on the way. Throws TooLargeWhileStreaming past the limit, StoreFailed if the store
 * refused a complete body; a body shorter or longer than `length` fails the store
 * (FixedLengthStream checks it).
 */
export async function streamInto<T>(
  body: ReadableStream<Uint8Array>,
  length: number,
  limit: number,
  store: (stream: ReadableStream<Uint8Array>) => Promise<T>,
): Promise<Streamed<T>> {
  const counted = { bytes: 0, hashed: false };
  const digest = new crypto.DigestStream("SHA-256");
  const fixed = new FixedLengthStream(length);
  const piped = body.pipeThrough(countAndHash(limit, counted, digest)).pipeTo(fixed.writable);
  // Whichever side fails first rejects the whole; the others' rejections are then expected.
  for (const side of [piped, digest.digest]) side.catch(() => undefined);
  try {
    const [result] = await Promise.all([store(fixed.readable), piped]);
    return { result, sizeBytes: counted.bytes, sha256: toHex(await digest.digest) };
  } catch (error) {
    if (counted.bytes > limit) throw new TooLargeWhileStreaming(limit);
    if (counted.hashed && counted.bytes === length) {
      const sent = await digest.digest.then(toHex, () => null);
      if (sent) throw new StoreFailed(sent, { cause: error });
    }
    throw error;
  }
}

/** Size and SHA-256 of a body that is only compared, never stored (a repeated PUT). */
export function hashBody(body: ReadableStream<Uint8Array>, length: number, limit: number) {
  return streamInto(body, length, limit, (stream) => stream.pipeTo(new WritableStream()));
}

/** The SHA-256 of an R2 object, streamed (for whole-object checks after a multipart upload). */
export async function sha256OfObject(bucket: R2Bucket, key: string): Promise<string | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  const digest = new crypto.DigestStream("SHA-256");
  await object.body.pipeTo(digest);
  return toHex(await digest.digest);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A digest header as lower-case hex; accepts hex or base64 (as S3's x-amz-checksum-sha256). */
export function parseSha256(value: string | undefined | null): string | null | "invalid" {
  if (value === undefined || value === null || value === "") return null;
  const trimmed = value.trim();
  if (SHA256_HEX.test(trimmed.toLowerCase())) return trimmed.toLowerCase();
  try {
    const binary = atob(trimmed);
    if (binary.length !== 32) return "invalid";
    return [...binary].map((ch) => ch.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  } catch {
    return "invalid";
  }
}
