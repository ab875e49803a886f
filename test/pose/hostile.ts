/**
 * Builders of hostile (and of small valid) images for the pose tests: a PNG writer with every
 * filter and Adam7, a zlib stream of N MiB of zeros built in a few hundred kB, header patches
 * with recomputed CRCs, and a seeded generator so every run makes the same bytes.
 */
import { Deflate, zlibSync } from "fflate";

/** mulberry32: a small deterministic generator (the fuzz cases must be the same every run). */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    bytes: (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// Written here on its own (not imported from the code under test), so a wrong CRC there fails.
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crcOf = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** One PNG chunk: length, type, data, CRC over type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crcOf(out.subarray(4, 8 + data.length)));
  return out;
}

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function ihdr(width: number, height: number, depth = 8, colourType = 2, interlace = 0) {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colourType, 0, 0, interlace], 8);
  return pngChunk("IHDR", data);
}

/** A PNG from its header fields and an already-compressed IDAT stream (split in chunks). */
export function pngFrom(header: Uint8Array, zlib: Uint8Array, extra: Uint8Array[] = []) {
  const idats = [];
  for (let at = 0; at < zlib.length; at += 65536) {
    idats.push(pngChunk("IDAT", zlib.subarray(at, at + 65536)));
  }
  return concat([PNG_SIGNATURE, header, ...extra, ...idats, pngChunk("IEND", new Uint8Array())]);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes as (x0, y0, dx, dy), restated here so the test does not trust the decoder's. */
const PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * Encodes `samples` (width × height × channels values of `depth` bits, row-major) as a PNG,
 * cycling the five filters across scanlines so each one's inverse is exercised.
 */
export function encodePngSamples(opts: {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlace?: 0 | 1;
  samples: number[];
  palette?: Uint8Array;
}): Uint8Array {
  const { width, height, depth, colourType, samples } = opts;
  const channels = CHANNELS[colourType]!;
  const passes = opts.interlace ? PASSES : [[0, 0, 1, 1]];
  const bpp = Math.max(1, (channels * depth) >> 3);
  const rows: Uint8Array[] = [];
  let filterCycle = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = width > x0! ? Math.ceil((width - x0!) / dx!) : 0;
    const ph = height > y0! ? Math.ceil((height - y0!) / dy!) : 0;
    if (pw === 0 || ph === 0) continue;
    const rowBytes = Math.ceil((pw * channels * depth) / 8);
    let prev = new Uint8Array(rowBytes);
    for (let py = 0; py < ph; py++) {
      const line = new Uint8Array(rowBytes);
      for (let px = 0; px < pw; px++) {
        const pixel = (y0! + py * dy!) * width + x0! + px * dx!;
        for (let c = 0; c < channels; c++) {
          const v = samples[pixel * channels + c]!;
          const index = px * channels + c;
          if (depth === 16) {
            line[index * 2] = v >> 8;
            line[index * 2 + 1] = v & 255;
          } else if (depth === 8) line[index] = v;
          else {
            const bit = index * depth;
            line[bit >> 3]! |= v << (8 - depth - (bit & 7));
          }
        }
      }
      const filter = filterCycle++ % 5;
      const out = new Uint8Array(rowBytes + 1);
      out[0] = filter;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? line[i - bpp]! : 0;
        const b = py > 0 ? prev[i]! : 0;
        const c = i >= bpp && py > 0 ? prev[i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][
          filter
        ]!;
        out[1 + i] = (line[i]! - predictor) & 255;
      }
      rows.push(out);
      prev = line;
    }
  }
  const extra = opts.palette ? [pngChunk("PLTE", opts.palette)] : [];
  return pngFrom(
    ihdr(width, height, depth, colourType, opts.interlace ?? 0),
    zlibSync(concat(rows)),
    extra,
  );
}

/**
 * A zlib stream of `mib` MiB of zeros in about 1 kB per MiB: one compressed MiB, sync-flushed to
 * a byte boundary, repeated (each copy only refers back to zeros), then an empty final block and
 * the Adler-32 of n zeros (a = 1, b = n mod 65521).
 */
export function zlibZeros(mib: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const deflate = new Deflate({ level: 9 }, (data) => parts.push(data));
  const zeros = new Uint8Array(1 << 20);
  deflate.push(zeros);
  deflate.flush(true);
  const first = concat(parts.splice(0));
  deflate.push(zeros);
  deflate.flush(true);
  const again = concat(parts.splice(0));
  const adler = new Uint8Array(4);
  new DataView(adler.buffer).setUint32(0, (((mib * (1 << 20)) % 65521) * 65536 + 1) >>> 0);
  return concat([
    Uint8Array.from([0x78, 0xda]),
    first,
    ...Array.from({ length: mib - 1 }, () => again),
    Uint8Array.from([0x03, 0x00]),
    adler,
  ]);
}

/** The JPEG's first start-of-frame segment: offset of its marker. */
export function sofOffset(jpeg: Uint8Array): number {
  for (let i = 2; i + 3 < jpeg.length;) {
    const marker = jpeg[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) return i;
    i += 2 + ((jpeg[i + 2]! << 8) | jpeg[i + 3]!);
  }
  throw new Error("no SOF in the fixture");
}

/** A copy of the JPEG with its frame header claiming another size. */
export function jpegWithSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = jpeg.slice();
  const at = sofOffset(out);
  new DataView(out.buffer).setUint16(at + 5, height);
  new DataView(out.buffer).setUint16(at + 7, width);
  return out;
}

/**
 * A JPEG of headers only: a progressive frame of `components` (1×1 sampling), a Huffman table,
 * then `scans` DC scans of two bytes each. With many scans it is the kind of file that makes a
 * decoder walk every block once per scan; with few, a frame header to test the size checks on.
 */
export function jpegManyScans(width: number, height: number, scans: number, components = 1) {
  const sof = [
    0xff,
    0xc2,
    0,
    8 + 3 * components,
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
  ];
  sof.push(components, ...Array.from({ length: components }, (_, c) => [c + 1, 0x11, 0]).flat());
  const dht = [0xff, 0xc4, 0, 20, 0x00, 1, ...new Array(15).fill(0), 0];
  const sos = [0xff, 0xda, 0, 8, 1, 1, 0x00, 0, 0, 0x00, 0x00, 0x00];
  return Uint8Array.from([
    0xff,
    0xd8,
    ...sof,
    ...dht,
    ...Array.from({ length: scans }, () => sos).flat(),
    0xff,
    0xd9,
  ]);
}

/** A lossless WebP header (VP8L) declaring `width × height`, with a few body bytes. */
export function webpLossless(width: number, height: number): Uint8Array {
  const body = new Uint8Array(16);
  body[0] = 0x2f;
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  new DataView(body.buffer).setUint32(1, bits >>> 0, true);
  return riff([["VP8L", body]]);
}

/** An extended WebP (VP8X) whose canvas claims `width × height` over the given bitstream chunks. */
export function webpExtended(width: number, height: number, chunks: [string, Uint8Array][]) {
  const vp8x = new Uint8Array(10);
  const view = new DataView(vp8x.buffer);
  view.setUint32(4, (width - 1) & 0xffffff, true); // 24 bits; the byte after is overwritten next.
  view.setUint16(7, (height - 1) & 0xffff, true);
  vp8x[9] = ((height - 1) >> 16) & 0xff;
  return riff([["VP8X", vp8x], ...chunks]);
}

export function riff(chunks: [string, Uint8Array][]): Uint8Array {
  const parts = chunks.map(([type, data]) => {
    const out = new Uint8Array(8 + data.length + (data.length & 1));
    for (let i = 0; i < 4; i++) out[i] = type.charCodeAt(i);
    new DataView(out.buffer).setUint32(4, data.length, true);
    out.set(data, 8);
    return out;
  });
  const body = concat(parts);
  const head = new Uint8Array(12);
  head.set([0x52, 0x49, 0x46, 0x46]);
  new DataView(head.buffer).setUint32(4, 4 + body.length, true);
  head.set([0x57, 0x45, 0x42, 0x50], 8);
  return concat([head, body]);
}
