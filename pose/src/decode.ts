/**
 * Image bytes → RGB pixels scaled down for the model. Limits are checked on the header before
 * any decoder runs; a decoder's failure is the client's bad image (400), never a 500.
 * Invariant: the full-size RGBA buffer lives only inside `decodeImage`; what leaves is at most
 * `MAX_MODEL_SIDE` pixels on its longest side (the detector works at 224 px and the landmark
 * model at 256 px, so more only costs memory).
 */
import { decode as decodeJpeg } from "jpeg-js";
import { decode as decodePng } from "fast-png";
import decodeWebp, { init as initWebp } from "@jsquash/webp/decode.js";
import webpWasm from "@jsquash/webp/codec/dec/webp_dec.wasm";
import { ImageError, readImageHeader, type ImageFormat } from "./image-header";

export const LIMITS = {
  /** Largest encoded image accepted, in bytes. */
  maxBytes: 6 * 1024 * 1024,
  /** Largest decoded image, in pixels (2560 × 1600 = 4.1 MP, a 4K video frame is refused). */
  maxPixels: 4_200_000,
  /** Longest side of the image handed to the model. */
  maxModelSide: 640,
};

export type DecodedImage = {
  format: ImageFormat;
  /** The image's own size: landmarks are answered in these pixels. */
  width: number;
  height: number;
  /** The model's copy: RGB, `modelWidth × modelHeight` (same proportions, never larger). */
  rgb: Uint8Array;
  modelWidth: number;
  modelHeight: number;
};

type Rgba = { width: number; height: number; data: Uint8Array | Uint8ClampedArray };

/** Checks the limits, decodes, and scales the pixels down for the model. Throws ImageError. */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageError(400, "IMAGE_EMPTY", "The image is empty.");
  if (bytes.length > LIMITS.maxBytes) {
    throw new ImageError(413, "IMAGE_TOO_LARGE", `The image exceeds ${LIMITS.maxBytes} bytes.`);
  }
  const header = readImageHeader(bytes);
  if (header.width < 1 || header.height < 1) {
    throw new ImageError(400, "IMAGE_INVALID", "The image declares no pixels.");
  }
  if (header.width * header.height > LIMITS.maxPixels) {
    throw new ImageError(
      413,
      "IMAGE_TOO_MANY_PIXELS",
      `The image is ${header.width}×${header.height}; at most ${LIMITS.maxPixels} pixels are accepted, scale it down first.`,
    );
  }
  const rgba = await decodeByFormat(header.format, bytes);
  if (rgba.width !== header.width || rgba.height !== header.height) {
    throw new ImageError(400, "IMAGE_INVALID", "The image's header and data disagree.");
  }
  return { format: header.format, width: rgba.width, height: rgba.height, ...toModelRgb(rgba) };
}

async function decodeByFormat(format: ImageFormat, bytes: Uint8Array): Promise<Rgba> {
  try {
    if (format === "jpeg") {
      // jpeg-js fills a cut-off scan with grey; a missing end-of-image marker means truncation.
      if (!hasJpegEnd(bytes)) throw new Error("no end-of-image marker");
      return decodeJpeg(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: LIMITS.maxPixels / 1e6,
        maxMemoryUsageInMB: 64,
      });
    }
    if (format === "png") return pngToRgba(decodePng(bytes, { checkCrc: true }));
    await (webpReady ??= initWebp(webpWasm));
    return await decodeWebp(bytes.slice().buffer);
  } catch (error) {
    throw new ImageError(
      400,
      "IMAGE_TRUNCATED",
      `The ${format.toUpperCase()} image is truncated or corrupt.`,
    );
  }
}

let webpReady: Promise<void> | undefined;

function hasJpegEnd(bytes: Uint8Array): boolean {
  // Some cameras append bytes after the end marker; look at the tail, not only the last two.
  for (let i = bytes.length - 2; i >= Math.max(0, bytes.length - 65536); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

/** fast-png answers grey, grey+alpha, RGB, RGBA or palette at 1–16 bits; make it 8-bit RGBA. */
function pngToRgba(png: ReturnType<typeof decodePng>): Rgba {
  const { width, height, channels, depth, palette } = png;
  const n = width * height;
  const out = new Uint8Array(n * 4);
  const src = png.data;
  const shift = depth === 16 ? 8 : 0;
  const unpackLowDepth = depth < 8;
  const perRow = Math.ceil((width * channels * depth) / 8);
  const sample = (pixel: number, c: number): number => {
    if (!unpackLowDepth) return src[pixel * channels + c]! >> shift;
    const y = Math.floor(pixel / width);
    const bit = ((pixel % width) * channels + c) * depth;
    const byte = src[y * perRow + (bit >> 3)]!;
    return (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    if (palette) {
      const entry = palette[sample(p, 0)] ?? [0, 0, 0];
      out[o] = entry[0]!;
      out[o + 1] = entry[1]!;
      out[o + 2] = entry[2]!;
    } else if (channels <= 2) {
      const grey = unpackLowDepth ? (sample(p, 0) * 255) / ((1 << depth) - 1) : sample(p, 0);
      out[o] = out[o + 1] = out[o + 2] = grey;
    } else {
      out[o] = sample(p, 0);
      out[o + 1] = sample(p, 1);
      out[o + 2] = sample(p, 2);
    }
    out[o + 3] = 255;
  }
  return { width, height, data: out };
}

/** Box-filter downscale (area average: no aliasing) of RGBA into RGB at ≤ maxModelSide. */
function toModelRgb({ width, height, data }: Rgba) {
  const scale = Math.min(1, LIMITS.maxModelSide / Math.max(width, height));
  const mw = Math.max(1, Math.round(width * scale));
  const mh = Math.max(1, Math.round(height * scale));
  const rgb = new Uint8Array(mw * mh * 3);
  for (let y = 0; y < mh; y++) {
    const y0 = Math.floor((y * height) / mh);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / mh));
    for (let x = 0; x < mw; x++) {
      const x0 = Math.floor((x * width) / mw);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / mw));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * width + x0) * 4;
        for (let xx = x0; xx < x1; xx++, i += 4) {
          r += data[i]!;
          g += data[i + 1]!;
          b += data[i + 2]!;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const o = (y * mw + x) * 3;
      rgb[o] = r / count;
      rgb[o + 1] = g / count;
      rgb[o + 2] = b / count;
    }
  }
  return { rgb, modelWidth: mw, modelHeight: mh };
}
