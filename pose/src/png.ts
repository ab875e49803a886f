/**
 * PNG → RGBA with a hard bound on inflation. The IHDR says exactly how many bytes the inflated
 * image data holds (`PngHeader.inflatedBytes`); the IDAT stream is inflated into a buffer of that
 * size by `inflate.ts`, which stops at the first byte that does not fit. A decompression bomb (a
 * tiny header over a huge IDAT) is refused at that byte, in milliseconds. Scanlines are unfiltered and de-interlaced here, so no other decoder inflates.
 * Invariants: every chunk is inside the file and its CRC checks before anything is inflated; the
 * only buffers sized from the header are sized after `readImageHeader` checked the pixel limits.
 */
import {
  crc32,
  malformed,
  pngPasses,
  pngRowBytes,
  truncated,
  type PngHeader,
} from "./image-header";
import { ImageError } from "./image-header";
import { InflateError, inflateInto } from "./inflate";

export type Rgba = { width: number; height: number; data: Uint8Array | Uint8ClampedArray };

const u32be = (b: Uint8Array, i: number) =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Decodes a PNG whose header `readImageHeader` already parsed and checked. Throws ImageError. */
export function decodePng(bytes: Uint8Array, header: PngHeader): Rgba {
  const { idat, palette } = readChunks(bytes, header);
  const raw = inflateBounded(idat, header);
  return toRgba(raw, header, palette);
}

/** Walks the chunks after IHDR: CRCs, IDATs in one run, PLTE where the spec puts it, IEND. */
function readChunks(b: Uint8Array, header: PngHeader) {
  const idats: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  let idatRunEnded = false;
  for (let i = 33; ;) {
    if (i + 12 > b.length) throw truncated("PNG");
    const length = u32be(b, i);
    if (length > 0x7fffffff) throw malformed("PNG", "a chunk length is out of range");
    if (i + 12 + length > b.length) throw truncated("PNG");
    const type = String.fromCharCode(b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
    if (![4, 5, 6, 7].every((k) => isLetter(b[i + k]!))) {
      throw malformed("PNG", "a chunk type is not four letters");
    }
    if (crc32(b.subarray(i + 4, i + 8 + length)) !== u32be(b, i + 8 + length)) {
      throw malformed("PNG", "a chunk CRC is wrong");
    }
    const data = b.subarray(i + 8, i + 8 + length);
    if (type === "IEND") break;
    if (type === "IDAT") {
      if (idatRunEnded) throw malformed("PNG", "the IDAT chunks are not consecutive");
      idats.push(data);
    } else {
      if (idats.length > 0) idatRunEnded = true;
      if (type === "PLTE") {
        if (palette || idats.length > 0 || length % 3 !== 0 || length === 0 || length > 768) {
          throw malformed("PNG", "the palette is invalid or misplaced");
        }
        palette = data;
      } else if (type === "IHDR" || !(b[i + 4]! & 0x20)) {
        throw malformed("PNG", "it holds an unexpected critical chunk");
      }
    }
    i += 12 + length;
  }
  if (idats.length === 0) throw malformed("PNG", "it holds no image data");
  if (header.colourType === 3 && !palette) throw malformed("PNG", "the palette is missing");
  return { idat: concat(idats), palette };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Inflates the zlib stream into a buffer of exactly `header.inflatedBytes`; the first byte past it
 * stops inflation: 413. Less output than the header needs, a broken stream or a bad checksum: 422.
 */
export function inflateBounded(zlib: Uint8Array, header: PngHeader): Uint8Array {
  const expected = header.inflatedBytes;
  if (zlib.length < 2) throw truncated("PNG");
  const cmf = zlib[0]!;
  const flg = zlib[1]!;
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) {
    throw malformed("PNG", "the image data is not a zlib stream");
  }
  const out = new Uint8Array(expected);
  let result: { written: number; end: number };
  try {
    result = inflateInto(zlib, 2, out);
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    if (error.kind === "overflow") {
      throw new ImageError(
        413,
        "IMAGE_INFLATES_TOO_LARGE",
        `The PNG's image data inflates past the ${expected} bytes its ${header.width}×${header.height} header allows.`,
      );
    }
    if (error.kind === "truncated") throw truncated("PNG");
    throw malformed("PNG", "the compressed image data is corrupt");
  }
  if (result.written !== expected || result.end + 4 > zlib.length) throw truncated("PNG");
  if (adler32(out) !== u32be(zlib, result.end)) {
    throw malformed("PNG", "the image data checksum is wrong");
  }
  return out;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    // 5552 bytes is the most that cannot overflow before the modulo (zlib's NMAX).
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Unfilters each scanline in place and writes its pixels, de-interlaced, as 8-bit RGBA. */
function toRgba(raw: Uint8Array, header: PngHeader, palette: Uint8Array | undefined): Rgba {
  const { width, height, bitDepth, channels, colourType, interlaced } = header;
  const data = new Uint8Array(width * height * 4);
  const bpp = Math.max(1, (channels * bitDepth) >> 3);
  const greyScale = bitDepth < 8 ? 255 / ((1 << bitDepth) - 1) : 1;
  const mask = (1 << bitDepth) - 1;
  let at = 0;
  for (const pass of pngPasses(width, height, interlaced)) {
    const rowBytes = pngRowBytes(pass.width, channels, bitDepth);
    for (let y = 0; y < pass.height; y++) {
      const filter = raw[at]!;
      const row = at + 1;
      const prev = y === 0 ? -1 : row - rowBytes - 1;
      unfilter(raw, filter, row, prev, rowBytes, bpp);
      at = row + rowBytes;
      const oy = pass.y0 + y * pass.dy;
      // One reader per row (not per pixel): sample c of pixel x, as read at this bit depth.
      const sample = (x: number, c: number): number => {
        if (bitDepth === 8) return raw[row + x * channels + c]!;
        if (bitDepth === 16) return raw[row + (x * channels + c) * 2]!;
        const bit = (x * channels + c) * bitDepth;
        return (raw[row + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & mask;
      };
      for (let x = 0; x < pass.width; x++) {
        const o = (oy * width + pass.x0 + x * pass.dx) * 4;
        if (colourType === 3) {
          const p = sample(x, 0) * 3;
          // An index past the palette is an encoder bug, not a reason to refuse: black.
          data[o] = palette![p] ?? 0;
          data[o + 1] = palette![p + 1] ?? 0;
          data[o + 2] = palette![p + 2] ?? 0;
          data[o + 3] = 255;
        } else if (channels <= 2) {
          data[o] = data[o + 1] = data[o + 2] = sample(x, 0) * greyScale;
          data[o + 3] = channels === 2 ? sample(x, 1) : 255;
        } else {
          data[o] = sample(x, 0);
          data[o + 1] = sample(x, 1);
          data[o + 2] = sample(x, 2);
          data[o + 3] = channels === 4 ? sample(x, 3) : 255;
        }
      }
    }
  }
  return { width, height, data };
}

/** The five PNG filters, undone in place; `prev` is the previous unfiltered row (−1: none). */
function unfilter(
  b: Uint8Array,
  filter: number,
  row: number,
  prev: number,
  n: number,
  bpp: number,
) {
  const up = (i: number) => (prev < 0 ? 0 : b[prev + i]!);
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) b[row + i] = b[row + i]! + b[row + i - bpp]!;
      return;
    case 2:
      if (prev >= 0) for (let i = 0; i < n; i++) b[row + i] = b[row + i]! + b[prev + i]!;
      return;
    case 3:
      for (let i = 0; i < n; i++) {
        const left = i >= bpp ? b[row + i - bpp]! : 0;
        b[row + i] = b[row + i]! + ((left + up(i)) >> 1);
      }
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? b[row + i - bpp]! : 0;
        const u = up(i);
        const c = i >= bpp ? up(i - bpp) : 0;
        const p = a + u - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - u);
        const pc = Math.abs(p - c);
        b[row + i] = b[row + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? u : c);
      }
      return;
    default:
      throw malformed("PNG", "a scanline names a filter that does not exist");
  }
}
