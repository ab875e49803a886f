/** `POST /api/v1/pose/estimate`: an image (multipart, raw bytes or base64 JSON) → named keypoints. */
import { ok } from "../../lib/envelope";
import { bodyLimit } from "hono/body-limit";
import { PayloadTooLargeError, ValidationError } from "../../lib/errors";
import { createRouter, defineRoute, jsonOk, z } from "../../lib/openapi";
import { PoseEstimateForm, PoseEstimateJson, PoseEstimateResult, PoseQuery } from "./pose.schemas";
import { fromBase64 } from "./pose.base64";
import { POSE_ESTIMATE_PATH, POSE_MAX_BODY_BYTES } from "./pose.limits";
import { estimatePose } from "./pose.service";
import { poseSocketRoutes } from "./pose.socket.routes";

const binary = { schema: z.string().openapi({ format: "binary" }) };

const route = defineRoute({
  method: "post",
  path: POSE_ESTIMATE_PATH,
  auth: "bearer",
  tags: ["pose"],
  summary:
    "Estimate a body pose (BlazePose's 33 landmarks or MoveNet's 17 COCO keypoints) and its posture score from one image",
  description: `The image (JPEG, PNG or WebP; at most 6 MB, 4096 px a side and 4.2 megapixels) as
\`multipart/form-data\` (field \`image\`), as the raw body (\`image/jpeg\`, \`image/png\`,
\`image/webp\`, \`application/octet-stream\`) or as JSON \`{ "image": "<base64>" }\`. \`model\` in the
query or body picks the model: \`blazepose-lite\` (default; 33 MediaPipe landmarks with world
landmarks in metres) or \`movenet-lightning\` (MoveNet SinglePose Lightning: COCO's 17 keypoints,
2D, no world landmarks). \`keypoint_format\` and \`keypoint_names\` name the keypoints answered.
Any other model is a 422 naming \`model\`. A real model answers; when it cannot be loaded the
answer is 503, never an invented pose. The image is not stored. An image over
the limits (or a PNG inflating past what its header allows) is a 413; one that is not a JPEG, PNG
or WebP, is truncated or malformed, or shows no person is a 422 naming \`image\`.`,
  request: {
    query: PoseQuery,
    body: {
      required: false,
      content: {
        "application/json": { schema: PoseEstimateJson },
        "multipart/form-data": { schema: PoseEstimateForm },
        "image/jpeg": binary,
        "image/png": binary,
        "image/webp": binary,
        "application/octet-stream": binary,
      },
    },
  },
  responses: {
    200: jsonOk(PoseEstimateResult),
    503: { description: "The pose model could not be loaded" },
  },
});

export const poseRoutes = createRouter();
poseRoutes.use(
  POSE_ESTIMATE_PATH,
  bodyLimit({
    maxSize: POSE_MAX_BODY_BYTES,
    onError: () => {
      throw new PayloadTooLargeError(POSE_MAX_BODY_BYTES);
    },
  }),
);

const imageMissing = () =>
  new ValidationError([{ field: "image", message: "An image is required (JPEG, PNG or WebP)" }]);

poseRoutes.openapi(route, async (c) => {
  const query = c.req.valid("query");
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
  let image: Uint8Array;
  let model = query.model;
  if (type === "application/json") {
    const body = c.req.valid("json") as PoseEstimateJson;
    if (!body.image) throw imageMissing();
    image = fromBase64(body.image);
    model = body.model ?? model;
  } else if (type === "multipart/form-data") {
    const form = c.req.valid("form") as { image?: unknown; model?: string };
    if (!(form.image instanceof File)) throw imageMissing();
    image = new Uint8Array(await form.image.arrayBuffer());
    model = form.model ?? model;
  } else {
    image = new Uint8Array(await c.req.arrayBuffer());
  }
  if (image.byteLength === 0) throw imageMissing();
  return ok(c, await estimatePose(c.var.ctx, { image, model, source: "rest" }), 200);
});

// The module's one router: the pose socket too.
poseRoutes.route("/", poseSocketRoutes);
