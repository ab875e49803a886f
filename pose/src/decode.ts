/**
 * Image bytes → RGB pixels scaled down for the model. `readImageHeader` parses and checks every
 * header before any decoder runs (pixel limits 413, malformed 422); PNG is then decoded here with
 * a bounded inflater (`png.ts`), JPEG and WebP by their decoders, which only ever see images whose
 * size was checked. A decoder's failure is the client's bad image (422), never a 500.
 * Invariant: the full-size RGBA buffer lives only inside `decodeImage`; what leaves is at most
 * `maxModelSide` pixels on its longest side (the detector works at 224 px and the landmark
 * model at 256 px, so more only costs memory).
 */
import { decode as decodeJpeg } from "jpeg-js";
import decodeWebp, { init as initWebp } from "@jsquash/webp/decode.js";
import webpWasm from "@jsquash/webp/codec/dec/webp_dec.wasm";
import {
  ImageError,
  malformed,
  readImageHeader,
  truncated,
  type ImageFormat,
  type ImageHeader,
  type JpegHeader,
} from "./image-header";
import { LIMITS } from "./limits";
import { decodePng, type Rgba } from "./png";

export { LIMITS };

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

/** Checks the limits, decodes, and scales the pixels down for the model. Throws ImageError. */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  if (bytes.length > LIMITS.maxBytes) {
    throw new ImageError(413, "IMAGE_TOO_LARGE", `The image exceeds ${LIMITS.maxBytes} bytes.`);
  }
  const header = readImageHeader(bytes);
  if (header.format === "jpeg" && jpegDecodeBytes(header) > LIMITS.maxJpegDecodeBytes) {
    throw new ImageError(
      413,
      "IMAGE_TOO_MANY_PIXELS",
      `The ${header.width}×${header.height} JPEG needs more than the ${LIMITS.maxJpegDecodeBytes >> 20} MiB its decoder may use; scale it down first.`,
    );
  }
  const rgba = await decodeByFormat(header, bytes);
  if (rgba.width !== header.width || rgba.height !== header.height) {
    throw malformed(header.format.toUpperCase(), "the header and the data disagree on the size");
  }
  return { format: header.format, width: rgba.width, height: rgba.height, ...toModelRgb(rgba) };
}

async function decodeByFormat(header: ImageHeader, bytes: Uint8Array): Promise<Rgba> {
  if (header.format === "png") return decodePng(bytes, header);
  try {
    if (header.format === "jpeg") {
      // The header walk saw one frame of this size, a bounded number of scans, and the end marker.
      return decodeJpeg(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: LIMITS.maxPixels / 1e6,
        maxMemoryUsageInMB: LIMITS.maxJpegDecodeBytes / (1024 * 1024),
      });
    }
    await (webpReady ??= initWebp(webpWasm));
    return await decodeWebp(bytes.slice().buffer);
  } catch {
    throw truncated(header.format === "jpeg" ? "JPEG" : "WebP");
  }
}

let webpReady: Promise<void> | undefined;

/**
 * What jpeg-js will ask its memory budget for, from the frame header alone: per component the
 * coefficient blocks of whole MCUs (256 bytes each) and the 8-bit plane, then the interleaved
 * components and the RGBA output.
 */
export function jpegDecodeBytes({ width, height, components, sampling }: JpegHeader): number {
  const maxH = Math.max(...sampling.map((s) => s.h));
  const maxV = Math.max(...sampling.map((s) => s.v));
  const mcusPerLine = Math.ceil(width / 8 / maxH);
  const mcusPerColumn = Math.ceil(height / 8 / maxV);
  let bytes = width * height * (components + 4);
  for (const { h, v } of sampling) {
    bytes += mcusPerLine * h * mcusPerColumn * v * 256;
    bytes +=
      Math.ceil((Math.ceil(width / 8) * h) / maxH) *
      8 *
      Math.ceil((Math.ceil(height / 8) * v) / maxV) *
      8;
  }
  return bytes;
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
