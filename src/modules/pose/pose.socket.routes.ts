/** `GET /parties/pose/{model}`: live pose inference over a WebSocket (seed 003), documented. */
import { ErrorSchema } from "../../lib/envelope";
import { createRouter, defineRoute, z } from "../../lib/openapi";
import { socketToken } from "../../realtime/socket";
import { ModelId } from "./pose.schemas";
import { connectPoseStream } from "./pose.socket";

const description = `Upgrade to a WebSocket for live pose inference with \`model\` = \`blazepose-lite\`
(33 MediaPipe landmarks) or \`movenet-lightning\` (MoveNet: COCO's 17 keypoints, 2D). Authenticate with
\`?token=<access token>\`, \`Authorization: Bearer\`, or by offering the subprotocols
\`["pose", "bearer.<access token>"]\` (the server answers \`pose\`).

Client to server, one JSON frame per message (at most 1,000,000 bytes):
\`{ "image": "<base64 JPEG/PNG/WebP>", "id"? }\`, or \`{ "landmarks": [33 points], "width"?, "height"?, "id"? }\`
to score the posture of landmarks estimated on the device.

Server to client: \`{ "event": "ready", model, max_frame_bytes }\` once;
\`{ "event": "pose", id, keypoints, keypoint_format, keypoint_names, world_landmarks, posture_score, posture, model, inference_ms, dropped }\`
per frame answered (\`keypoint_format\` \`blazepose-33\` or \`coco-17\`, \`keypoint_names\` in order); \`{ "event": "error", id, code, message, details?, dropped }\` for a bad frame
(the socket stays open). One frame is estimated at a time: frames arriving meanwhile are dropped,
and \`dropped\` in the next answer says how many. An unknown model answers \`UNKNOWN_MODEL\` and
closes with 4404; a model that cannot be loaded answers \`SERVICE_UNAVAILABLE\` per frame.`;

const route = defineRoute({
  method: "get",
  path: "/parties/pose/{model}",
  auth: "socket",
  tags: ["pose"],
  summary: "Live pose inference (WebSocket): image frames in, keypoints and posture score out",
  description,
  request: {
    params: z.object({ model: ModelId.openapi({ param: { name: "model", in: "path" } }) }),
    query: z.object({
      token: z
        .string()
        .max(4096)
        .optional()
        .openapi({ param: { name: "token", in: "query" }, description: "The access token" }),
    }),
  },
  responses: {
    101: { description: "Switching Protocols: the WebSocket is open and sends `ready`" },
    426: {
      description: "Not a WebSocket upgrade request",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

export const poseSocketRoutes = createRouter();

poseSocketRoutes.openapi(route, (c) => {
  const token = socketToken(c.req.raw, c.req.valid("query").token);
  return connectPoseStream(c.var.ctx, c.req.raw, c.req.valid("param").model, token);
});
