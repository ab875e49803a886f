/** `GET /parties/live-session/{session_id}`: the live exercise room (WebSocket), with its protocol. */
import { ErrorSchema } from "../../lib/envelope";
import { createRouter, defineRoute, z } from "../../lib/openapi";
import { socketToken } from "../../realtime/socket";
import { connectLiveSession } from "./live.service";

const description = `Upgrade to the live exercise room of one exercise session. Authenticate like
\`/ws\` (subprotocols \`rehab.v1, bearer.<access token>\`, \`?token=\` or \`Authorization: Bearer\`).
The patient joins as the **device** (the session must still take frames); the patient's care team
and admins join as **watchers**; family members cannot join.

Every message is JSON with a \`type\`. Client to server:
- \`frames\` (device): \`{ "type": "frames", "frames": [ { "timestamp", "landmarks": [33 × {type?, x, y, z, visibility}], "world_landmarks"? } ], "frame_size"?: { width, height } }\`,
  1–60 frames, validated like \`POST /sessions/{id}/data\`; timestamps in ms, rising.
- \`cue\` (watcher): \`{ "type": "cue", "message" }\`, delivered to the device at once.
- \`ping\`: \`{ "type": "ping", "id"? }\`.

Server to client:
- \`ready\`: \`{ mode, session_id, exercise: { slug, primary_joint, target_range }, rep_count, stored_through }\`.
- \`feedback\` (to everyone, for the last new frame of each \`frames\` message): \`{ timestamp,
  rep_count, partial_rep, phase, primary_angle, cues: [{ code, message, severity }], hold_seconds?,
  ignored? }\`. Frames at or before the newest accepted timestamp are resends and only counted in
  \`ignored\`.
- \`frames\` (to watchers, at most 10 per second): the newest frame's landmarks.
- \`stored\` (to the device): \`{ through, frames }\`: every frame up to \`through\` is stored; after a
  reconnect resend only later ones.
- \`cue\`: \`{ from: { user_id, role }, message, timestamp }\`.
- \`error\`: \`{ code, message, details? }\`; the socket stays open.

Frames are stored every 300 frames or 10 s (the first chunk sooner) as pose chunks of the session,
so a finished live session is analysed exactly like an uploaded one (\`POST /sessions/{id}/complete\`).`;

const Params = z.object({
  session_id: z.uuid().openapi({ param: { name: "session_id", in: "path" } }),
});
const Query = z.object({
  token: z
    .string()
    .max(4096)
    .optional()
    .openapi({ param: { name: "token", in: "query" }, description: "The access token" }),
});

const route = defineRoute({
  method: "get",
  path: "/parties/live-session/{session_id}",
  auth: "socket",
  tags: ["realtime"],
  summary:
    "Live exercise room (WebSocket): frames in; feedback, cues and stored acknowledgements out",
  description,
  request: { params: Params, query: Query },
  responses: {
    101: { description: "Switching Protocols: the socket is open and sends `ready`" },
    409: {
      description: "The session takes no more frames, or its exercise has no analysis",
      content: { "application/json": { schema: ErrorSchema } },
    },
    426: {
      description: "Not a WebSocket upgrade request",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

export const liveRoutes = createRouter();

liveRoutes.openapi(route, (c) => {
  const token = socketToken(c.req.raw, c.req.valid("query").token);
  return connectLiveSession(c.var.ctx, c.req.raw, c.req.valid("param").session_id, token);
});
