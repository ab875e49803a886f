/**
 * What the pose Worker accepts, checked on the header before any decoder runs. Everything past
 * these is refused with 413; an image that cannot be what it claims is refused with 422.
 */
export const LIMITS = {
  /** Largest encoded image accepted, in bytes. */
  maxBytes: 6 * 1024 * 1024,
  /** Longest side, in pixels, of any image. */
  maxSide: 4096,
  /** Largest decoded image, in pixels (2560 × 1600 = 4.1 MP; a 4K video frame is refused). */
  maxPixels: 4_200_000,
  /** Longest side of the image handed to the model. */
  maxModelSide: 640,
  /**
   * What jpeg-js may allocate for one image, by its own accounting (coefficient blocks, component
   * planes, output). It keeps every 8×8 block as its own typed array, so a 4:4:4 JPEG costs about
   * 19 bytes a pixel; the isolate's 128 MB also holds the model's ~70 MB wasm heap.
   */
  maxJpegDecodeBytes: 64 * 1024 * 1024,
  /** Scans a (progressive) JPEG may hold; real encoders write at most about a dozen. */
  maxJpegScans: 100,
  /** Marker segments a JPEG may hold, scans included (tables, APPn, restart-free). */
  maxJpegSegments: 1000,
} as const;
