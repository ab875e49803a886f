/**
 * A DEFLATE (RFC 1951) inflater that writes into a buffer of fixed size and stops at the first
 * byte that would not fit. PNG's header fixes the exact inflated size, so the output buffer is
 * that size and a decompression bomb ends at its first byte too many: no growth, no overshoot, no
 * time spent inflating what will be thrown away. Time is linear in the input consumed.
 * Errors are `InflateError` with a `kind`: the caller maps "overflow" to 413 and the rest to 422.
 */

export class InflateError extends Error {
  constructor(readonly kind: "overflow" | "truncated" | "corrupt") {
    super(`inflate: ${kind}`);
  }
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LENGTH_EXTRA = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
  3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
/** The order in which a dynamic block lists its code-length code lengths. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A Huffman code as a lookup table on the next `bits` input bits: (symbol << 4) | code length. */
type Code = { table: Int32Array; bits: number };

function buildCode(lengths: ArrayLike<number>): Code {
  const counts = new Array<number>(16).fill(0);
  let bits = 0;
  for (let s = 0; s < lengths.length; s++) {
    counts[lengths[s]!]!++;
    bits = Math.max(bits, lengths[s]!);
  }
  counts[0] = 0;
  let left = 1;
  const next = new Array<number>(16).fill(0);
  for (let len = 1, code = 0; len <= 15; len++) {
    left = (left << 1) - counts[len]!;
    if (left < 0) throw new InflateError("corrupt"); // More codes than lengths allow.
    code = (code + counts[len - 1]!) << 1;
    next[len] = code;
  }
  // An incomplete code is allowed (a block with one distance code); its holes decode as errors.
  const table = new Int32Array(1 << Math.max(1, bits));
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s]!;
    if (!len) continue;
    const code = next[len]!++;
    let reversed = 0; // Codes are packed from their most significant bit; input is read LSB first.
    for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
    for (let i = reversed; i < table.length; i += 1 << len) table[i] = (s << 4) | len;
  }
  return { table, bits: Math.max(1, bits) };
}

let fixedCodes: { literal: Code; distance: Code } | undefined;
function fixed() {
  if (!fixedCodes) {
    const literal = new Array<number>(288);
    for (let s = 0; s < 288; s++) literal[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    fixedCodes = { literal: buildCode(literal), distance: buildCode(new Array(32).fill(5)) };
  }
  return fixedCodes;
}

/**
 * Inflates the raw DEFLATE stream starting at `start` of `src` into `out`. Returns how many bytes
 * were written and the offset of the first input byte after the stream (where zlib's Adler-32
 * follows). Throws InflateError("overflow") at the first byte that would not fit in `out`.
 */
export function inflateInto(
  src: Uint8Array,
  start: number,
  out: Uint8Array,
): { written: number; end: number } {
  let pos = start;
  let bitBuf = 0;
  let bitCount = 0;
  const need = (n: number) => {
    while (bitCount < n) {
      if (pos >= src.length) throw new InflateError("truncated");
      bitBuf |= src[pos++]! << bitCount;
      bitCount += 8;
    }
  };
  const take = (n: number) => {
    need(n);
    const value = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCount -= n;
    return value;
  };
  const decode = ({ table, bits }: Code) => {
    while (bitCount < bits && pos < src.length) {
      bitBuf |= src[pos++]! << bitCount;
      bitCount += 8;
    }
    const entry = table[bitBuf & ((1 << bits) - 1)]!;
    const len = entry & 15;
    if (len === 0 || len > bitCount) {
      throw new InflateError(bitCount < bits ? "truncated" : "corrupt");
    }
    bitBuf >>>= len;
    bitCount -= len;
    return entry >> 4;
  };

  let o = 0;
  const capacity = out.length;
  for (let last = 0; !last;) {
    last = take(1);
    const type = take(2);
    if (type === 0) {
      // Stored: byte-aligned; give back whole bytes already buffered, then LEN and its complement.
      pos -= bitCount >> 3;
      bitBuf = 0;
      bitCount = 0;
      if (pos + 4 > src.length) throw new InflateError("truncated");
      const len = src[pos]! | (src[pos + 1]! << 8);
      const nlen = src[pos + 2]! | (src[pos + 3]! << 8);
      if (len !== (~nlen & 0xffff)) throw new InflateError("corrupt");
      pos += 4;
      if (o + len > capacity) throw new InflateError("overflow");
      if (pos + len > src.length) throw new InflateError("truncated");
      out.set(src.subarray(pos, pos + len), o);
      o += len;
      pos += len;
      continue;
    }
    if (type === 3) throw new InflateError("corrupt");
    const { literal, distance } = type === 1 ? fixed() : readDynamicCodes(take, decode);
    for (;;) {
      const symbol = decode(literal);
      if (symbol < 256) {
        if (o >= capacity) throw new InflateError("overflow");
        out[o++] = symbol;
        continue;
      }
      if (symbol === 256) break;
      const l = symbol - 257;
      if (l >= 29) throw new InflateError("corrupt");
      const length = LENGTH_BASE[l]! + take(LENGTH_EXTRA[l]!);
      const d = decode(distance);
      if (d >= 30) throw new InflateError("corrupt");
      const dist = DIST_BASE[d]! + take(DIST_EXTRA[d]!);
      if (dist > o) throw new InflateError("corrupt");
      if (o + length > capacity) throw new InflateError("overflow");
      for (let i = 0; i < length; i++, o++) out[o] = out[o - dist]!;
    }
  }
  return { written: o, end: pos - (bitCount >> 3) };
}

function readDynamicCodes(take: (n: number) => number, decode: (code: Code) => number) {
  const literals = take(5) + 257;
  const distances = take(5) + 1;
  const codeLengthCount = take(4) + 4;
  if (literals > 286 || distances > 30) throw new InflateError("corrupt");
  const codeLengths = new Array<number>(19).fill(0);
  for (let i = 0; i < codeLengthCount; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = take(3);
  const lengthCode = buildCode(codeLengths);
  const lengths = new Array<number>(literals + distances).fill(0);
  for (let i = 0; i < lengths.length;) {
    const symbol = decode(lengthCode);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (symbol === 16) {
      if (i === 0) throw new InflateError("corrupt");
      value = lengths[i - 1]!;
      repeat = 3 + take(2);
    } else if (symbol === 17) repeat = 3 + take(3);
    else repeat = 11 + take(7);
    if (i + repeat > lengths.length) throw new InflateError("corrupt");
    while (repeat--) lengths[i++] = value;
  }
  if (!lengths[256]) throw new InflateError("corrupt"); // No end-of-block code.
  return {
    literal: buildCode(lengths.slice(0, literals)),
    distance: buildCode(lengths.slice(literals)),
  };
}
