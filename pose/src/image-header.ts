/**
 * Reads an image's format and pixel size from its first bytes, without decoding it, so the
 * size limits hold before any decoder allocates (a 100 kB PNG can claim 50,000 × 50,000 pixels).
 */
export type ImageFormat = "jpeg" | "png" | "webp";
export type ImageHeader = { format: ImageFormat; width: number; height: number };

/** A problem with the image itself; `status` is the HTTP status the caller should answer. */
export class ImageError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32be = (b: Uint8Array, i: number) => u16be(b, i) * 65536 + u16be(b, i + 2);
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

/** The format and size an image declares; ImageError when it is none of JPEG, PNG, WebP or is cut short. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return jpegHeader(bytes);
  }
  if (bytes.length >= 8 && u32be(bytes, 0) === 0x89504e47 && u32be(bytes, 4) === 0x0d0a1a0a) {
    if (bytes.length < 24 || ascii(bytes, 12, 4) !== "IHDR") throw truncated("PNG");
    return { format: "png", width: u32be(bytes, 16), height: u32be(bytes, 20) };
  }
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") {
    return webpHeader(bytes);
  }
  throw new ImageError(415, "UNSUPPORTED_IMAGE", "The body is not a JPEG, PNG or WebP image.");
}

function truncated(format: string) {
  return new ImageError(400, "IMAGE_TRUNCATED", `The ${format} image is truncated or corrupt.`);
}

/** Walks the JPEG's marker segments up to the first start-of-frame, which holds the size. */
function jpegHeader(b: Uint8Array): ImageHeader {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw truncated("JPEG");
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // Fill byte.
      continue;
    }
    const length = u16be(b, i + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) {
      if (i + 9 > b.length) break;
      return { format: "jpeg", height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    if (marker === 0xda || length < 2) break; // Scan data before any frame header: corrupt.
    i += 2 + length;
  }
  throw truncated("JPEG");
}

/** Lossy (VP8), lossless (VP8L) and extended (VP8X) WebP keep the size in different places. */
function webpHeader(b: Uint8Array): ImageHeader {
  if (b.length < 30) throw truncated("WebP");
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8 ") {
    return { format: "webp", width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === "VP8L") {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") {
    return { format: "webp", width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  throw truncated("WebP");
}
