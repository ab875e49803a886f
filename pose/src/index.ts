/**
 * rehab-edge-pose: image in, keypoints out (33 BlazePose landmarks or MoveNet's 17 COCO
 * keypoints). Reached only by the API over its POSE service binding (which authenticates, scopes and audits); this Worker sees pixels, never who
 * they belong to, and logs nothing about them.
 */
import { LIMITS, decodeImage } from "./decode";
import { ModelUnavailableError, estimatePose, memoryStats } from "./estimator";
import { ImageError } from "./image-header";
import { DEFAULT_MODEL, POSE_MODELS } from "./models";
import type { PoseWorkerError } from "./protocol";

const fail = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } } satisfies PoseWorkerError, { status });

async function estimate(request: Request, url: URL): Promise<Response> {
  const model = url.searchParams.get("model") ?? DEFAULT_MODEL;
  if (!POSE_MODELS[model]) {
    return fail(
      404,
      "UNKNOWN_MODEL",
      `Unknown pose model "${model.slice(0, 64)}"; available: ${Object.keys(POSE_MODELS).join(", ")}.`,
    );
  }
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > LIMITS.maxBytes) {
    return fail(413, "IMAGE_TOO_LARGE", `The image exceeds ${LIMITS.maxBytes} bytes.`);
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  const started = performance.now();
  const image = await decodeImage(bytes);
  const decode_ms = Math.round((performance.now() - started) * 10) / 10;
  const result = await estimatePose(model, image);
  if (!result) return fail(422, "NO_POSE", "No person was found in the image.");
  return Response.json({ ...result, decode_ms });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (request.method === "POST" && url.pathname === "/v1/estimate")
        return await estimate(request, url);
      if (request.method === "POST" && url.pathname === "/v1/decode") {
        // Decoding alone, for the bench's comparison with inference.
        const started = performance.now();
        const image = await decodeImage(new Uint8Array(await request.arrayBuffer()));
        return Response.json({
          width: image.width,
          height: image.height,
          decode_ms: performance.now() - started,
        });
      }
      if (request.method === "GET" && url.pathname === "/v1/models") {
        return Response.json({ models: Object.keys(POSE_MODELS), default: DEFAULT_MODEL });
      }
      if (request.method === "GET" && url.pathname === "/v1/stats")
        return Response.json(memoryStats());
      return fail(404, "NOT_FOUND", "No such endpoint.");
    } catch (error) {
      if (error instanceof ImageError) return fail(error.status, error.code, error.message);
      if (error instanceof ModelUnavailableError) {
        console.error("pose model unavailable", String(error.cause));
        return fail(503, "MODEL_UNAVAILABLE", error.message);
      }
      console.error("pose worker error", error instanceof Error ? error.name : "unknown");
      return fail(500, "INTERNAL", "The pose estimator failed.");
    }
  },
} satisfies ExportedHandler;
