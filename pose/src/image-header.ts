/**
 * Reads an image's format, pixel size and layout from its own bytes, without decoding it, so the
 * limits hold before any decoder allocates (a 16 kB PNG can claim 50,000 × 50,000 pixels, or
 * claim 1 × 1 and inflate to hundreds of MiB). Parsing is strict: a header that is cut short,
 * garbled or of a kind the decoders do not handle is refused (422) here, so the decoders only ever
 * see images whose structure was already walked. Messages name the problem, never echo bytes.
 */
import { LIMITS } from "./limits";

export type ImageFormat = "jpeg" | "png" | "webp";

export type PngHeader = {
  format: "png";
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  /** Samples per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; 1 for palette indices. */
  channels: number;
  interlaced: boolean;
  /** The exact size of the inflated IDAT stream this header allows (filter bytes included). */
  inflatedBytes: number;
};
export type JpegHeader = {
  format: "jpeg";
  width: number;
  height: number;
  components: number;
  /** Each component's horizontal and vertical sampling factors (1–4). */
  sampling: { h: number; v: number }[];
  progressive: boolean;
  scans: number;
};
export type WebpHeader = { format: "webp"; width: number; height: number; lossless: boolean };
export type ImageHeader = PngHeader | JpegHeader | WebpHeader;

/** A problem with the image itself; `status` is the HTTP status the caller should answer. */
export class ImageError extends Error {
  constructor(
    readonly status: 413 | 422,
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
const u32le = (b: Uint8Array, i: number) => u16le(b, i) + u16le(b, i + 2) * 65536;
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

export const malformed = (format: string, problem: string) =>
  new ImageError(422, "IMAGE_MALFORMED", `The ${format} image is malformed: ${problem}.`);
export const truncated = (format: string) =>
  new ImageError(422, "IMAGE_TRUNCATED", `The ${format} image is truncated or corrupt.`);

/**
 * The format and layout an image declares. Throws ImageError: 422 when it is none of JPEG, PNG,
 * WebP, is cut short or garbled; 413 when it declares more pixels than `LIMITS` allow.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const header = parseHeader(bytes);
  checkPixelLimits(header);
  return header;
}

function parseHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw new ImageError(422, "IMAGE_EMPTY", "The image is empty.");
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return jpegHeader(bytes);
  }
  if (bytes.length >= 8 && u32be(bytes, 0) === 0x89504e47 && u32be(bytes, 4) === 0x0d0a1a0a) {
    return pngHeader(bytes);
  }
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") {
    return webpHeader(bytes);
  }
  throw new ImageError(422, "IMAGE_UNSUPPORTED", "The body is not a JPEG, PNG or WebP image.");
}

function checkPixelLimits({ format, width, height }: ImageHeader) {
  if (width < 1 || height < 1) throw malformed(format.toUpperCase(), "it declares no pixels");
  if (width > LIMITS.maxSide || height > LIMITS.maxSide || width * height > LIMITS.maxPixels) {
    throw new ImageError(
      413,
      "IMAGE_TOO_MANY_PIXELS",
      `The image is ${width}×${height}; at most ${LIMITS.maxSide} pixels a side and ${LIMITS.maxPixels} pixels in all are accepted, scale it down first.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// PNG: the IHDR chunk, which must come first, with its own CRC.

/** Bit depths each colour type allows (PNG spec, table 11.1), and its samples per pixel. */
const PNG_COLOUR_TYPES: Record<number, { depths: number[]; channels: number }> = {
  0: { depths: [1, 2, 4, 8, 16], channels: 1 },
  2: { depths: [8, 16], channels: 3 },
  3: { depths: [1, 2, 4, 8], channels: 1 },
  4: { depths: [8, 16], channels: 2 },
  6: { depths: [8, 16], channels: 4 },
};

/** Adam7's seven passes: first column, first row, column step, row step. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The sub-images a PNG's data holds: the whole image, or Adam7's non-empty passes. */
export function pngPasses(width: number, height: number, interlaced: boolean) {
  if (!interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, width, height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    width: width > x0 ? Math.ceil((width - x0) / dx) : 0,
    height: height > y0 ? Math.ceil((height - y0) / dy) : 0,
  })).filter((pass) => pass.width > 0 && pass.height > 0);
}

/** Bytes of one filtered scanline's pixels (the filter-type byte not included). */
export const pngRowBytes = (width: number, channels: number, bitDepth: number) =>
  Math.ceil((width * channels * bitDepth) / 8);

function pngHeader(b: Uint8Array): PngHeader {
  if (b.length < 33) throw truncated("PNG");
  if (u32be(b, 8) !== 13 || ascii(b, 12, 4) !== "IHDR") {
    throw malformed("PNG", "the first chunk is not a 13-byte IHDR");
  }
  if (crc32(b.subarray(12, 29)) !== u32be(b, 29)) throw malformed("PNG", "the IHDR CRC is wrong");
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const [bitDepth, colourType, compression, filter, interlace] = b.subarray(24, 29);
  const kind = PNG_COLOUR_TYPES[colourType!];
  if (!kind) throw malformed("PNG", `colour type ${colourType} does not exist`);
  if (!kind.depths.includes(bitDepth!)) {
    throw malformed("PNG", `bit depth ${bitDepth} is not allowed for colour type ${colourType}`);
  }
  if (compression !== 0 || filter !== 0) {
    throw malformed("PNG", "unknown compression or filter method");
  }
  if (interlace !== 0 && interlace !== 1) throw malformed("PNG", "unknown interlace method");
  if (width > 0x7fffffff || height > 0x7fffffff) throw malformed("PNG", "the size is out of range");
  const interlaced = interlace === 1;
  let inflatedBytes = 0;
  for (const pass of pngPasses(width, height, interlaced)) {
    inflatedBytes += pass.height * (1 + pngRowBytes(pass.width, kind.channels, bitDepth!));
  }
  return {
    format: "png",
    width,
    height,
    bitDepth: bitDepth!,
    colourType: colourType!,
    channels: kind.channels,
    interlaced,
    inflatedBytes,
  };
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks carry it (over the chunk type and data). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// JPEG: every marker segment and scan up to the end-of-image marker.

/** SOF markers jpeg-js decodes: baseline, extended sequential, progressive (Huffman coding). */
const JPEG_FRAMES = new Set([0xc0, 0xc1, 0xc2]);
/** Segments skipped by length: DHT, DQT, DRI, APP0–15, COM. */
const JPEG_TABLES = (m: number) =>
  m === 0xc4 || m === 0xdb || m === 0xdd || (m >= 0xe0 && m <= 0xef) || m === 0xfe;

/**
 * Walks the whole file: one frame (SOF0/1/2) before the first scan, at most `maxJpegScans` scans
 * and `maxJpegSegments` segments, every segment inside the file, and an end-of-image marker. What
 * the walk refuses (other codings, a second frame, a height left to a DNL marker, endless scans)
 * is what would make a decoder allocate past the header or spin.
 */
function jpegHeader(b: Uint8Array): JpegHeader {
  let frame: Omit<JpegHeader, "scans"> | undefined;
  let scans = 0;
  let segments = 0;
  let i = 2;
  for (;;) {
    if (i + 2 > b.length) throw truncated("JPEG");
    if (b[i] !== 0xff) throw malformed("JPEG", "a marker is missing between segments");
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // Fill byte before a marker.
      continue;
    }
    if (marker === 0xd9) {
      if (!frame || scans === 0) throw malformed("JPEG", "it ends before any image data");
      return { ...frame, scans };
    }
    if (++segments > LIMITS.maxJpegSegments) {
      throw malformed("JPEG", `more than ${LIMITS.maxJpegSegments} marker segments`);
    }
    if (i + 4 > b.length) throw truncated("JPEG");
    const length = u16be(b, i + 2);
    const end = i + 2 + length;
    if (length < 2) throw malformed("JPEG", "a segment length is impossible");
    if (end > b.length) throw truncated("JPEG");
    if (JPEG_FRAMES.has(marker)) {
      if (frame) throw malformed("JPEG", "it holds more than one frame");
      frame = jpegFrame(b, i + 4, length, marker === 0xc2);
    } else if (marker === 0xda) {
      if (!frame) throw malformed("JPEG", "image data comes before the frame header");
      if (++scans > LIMITS.maxJpegScans) {
        throw malformed("JPEG", `more than ${LIMITS.maxJpegScans} scans`);
      }
      const components = b[i + 4]!;
      if (components < 1 || components > 4 || length !== 6 + 2 * components) {
        throw malformed("JPEG", "a scan header is inconsistent");
      }
      i = skipEntropyData(b, end);
      continue;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4) {
      throw malformed("JPEG", "only baseline and progressive Huffman-coded JPEGs are supported");
    } else if (!JPEG_TABLES(marker)) {
      throw malformed("JPEG", "it holds a marker that has no place in a JPEG image");
    }
    i = end;
  }
}

function jpegFrame(b: Uint8Array, at: number, length: number, progressive: boolean) {
  if (length < 8) throw malformed("JPEG", "the frame header is too short");
  const precision = b[at]!;
  const height = u16be(b, at + 1);
  const width = u16be(b, at + 3);
  const components = b[at + 5]!;
  if (precision !== 8) throw malformed("JPEG", `sample precision ${precision} is not supported`);
  if (height === 0) throw malformed("JPEG", "the height is left to a DNL marker");
  if (components !== 1 && components !== 3 && components !== 4) {
    throw malformed("JPEG", `${components} colour components are not supported`);
  }
  if (length !== 8 + 3 * components) throw malformed("JPEG", "the frame header is inconsistent");
  const sampling = [];
  for (let c = 0; c < components; c++) {
    const factors = b[at + 7 + 3 * c]!;
    const h = factors >> 4;
    const v = factors & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw malformed("JPEG", "a sampling factor is invalid");
    sampling.push({ h, v });
  }
  return { format: "jpeg" as const, width, height, components, sampling, progressive };
}

/** From the start of a scan's entropy-coded data to the next marker (stuffed 00 and RSTn skipped). */
function skipEntropyData(b: Uint8Array, i: number): number {
  for (; i + 1 < b.length; i++) {
    if (b[i] !== 0xff) continue;
    const next = b[i + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) i++;
    else if (next !== 0xff) return i;
  }
  throw truncated("JPEG");
}

// ---------------------------------------------------------------------------------------------
// WebP: the RIFF container, then the VP8 (lossy), VP8L (lossless) or VP8X (extended) chunk.

function webpHeader(b: Uint8Array): WebpHeader {
  const riffEnd = 8 + u32le(b, 4);
  if (riffEnd > b.length) throw truncated("WebP");
  if (riffEnd < 20) throw malformed("WebP", "the RIFF container is too small");
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8 " || chunk === "VP8L") {
    const size = u32le(b, 16);
    if (20 + size > riffEnd) throw truncated("WebP");
    return { format: "webp", ...webpBitstream(b, chunk, 20, size) };
  }
  if (chunk !== "VP8X") throw malformed("WebP", "the first chunk is not VP8, VP8L or VP8X");
  if (riffEnd < 30) throw truncated("WebP");
  if (u32le(b, 16) !== 10) throw malformed("WebP", "the VP8X chunk has the wrong size");
  const flags = b[20]!;
  if (flags & 0x02) throw malformed("WebP", "animated WebP is not supported");
  const width = u24le(b, 24) + 1;
  const height = u24le(b, 27) + 1;
  checkPixelLimits({ format: "webp", width, height, lossless: false }); // The canvas first: 413.
  // The canvas must be the bitstream's own size: libwebp decodes the bitstream, not the canvas.
  for (let i = 30; i + 8 <= riffEnd;) {
    const type = ascii(b, i, 4);
    const size = u32le(b, i + 4);
    if (i + 8 + size > riffEnd) throw truncated("WebP");
    if (type === "ANIM" || type === "ANMF")
      throw malformed("WebP", "animated WebP is not supported");
    if (type === "VP8 " || type === "VP8L") {
      const image = webpBitstream(b, type, i + 8, size);
      if (image.width !== width || image.height !== height) {
        throw malformed("WebP", "the canvas and the image inside disagree on the size");
      }
      return { format: "webp", ...image };
    }
    i += 8 + size + (size & 1);
  }
  throw truncated("WebP");
}

function webpBitstream(b: Uint8Array, type: string, at: number, size: number) {
  if (type === "VP8 ") {
    // Frame tag (3 bytes: key frame when bit 0 is clear), start code 9D 01 2A, 14-bit sizes.
    if (size < 10) throw truncated("WebP");
    const tag = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    if (tag & 1) throw malformed("WebP", "the VP8 frame is not a key frame");
    if (tag >>> 5 > size - 10) throw truncated("WebP");
    if (b[at + 3] !== 0x9d || b[at + 4] !== 0x01 || b[at + 5] !== 0x2a) {
      throw malformed("WebP", "the VP8 start code is missing");
    }
    return { width: u16le(b, at + 6) & 0x3fff, height: u16le(b, at + 8) & 0x3fff, lossless: false };
  }
  // VP8L: signature 0x2F, then 14-bit width − 1, 14-bit height − 1, alpha bit, 3-bit version 0.
  if (size < 5) throw truncated("WebP");
  if (b[at] !== 0x2f) throw malformed("WebP", "the VP8L signature is missing");
  const bits = u32le(b, at + 1);
  if (bits >>> 29 !== 0) throw malformed("WebP", "unknown VP8L version");
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, lossless: true };
}
