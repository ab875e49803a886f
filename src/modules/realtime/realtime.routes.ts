/** `GET /ws`: the signed-in user's event stream (WebSocket), documented with its events. */
import { ErrorSchema } from "../../lib/envelope";
import { createRouter, defineRoute } from "../../lib/openapi";
import { WsQuery } from "./realtime.schemas";
import { connectUserStream } from "./realtime.service";
import { socketToken } from "../../realtime/socket";

const description = `Upgrade to a WebSocket carrying the caller's own events. Authenticate with
the subprotocols \`rehab.v1, bearer.<access token>\` (kept out of URLs and logs; the server
selects \`rehab.v1\`), \`?token=<access token>\` or \`Authorization: Bearer\`; the token and its
session are checked before the upgrade, so a logged-out session cannot connect.

Every frame is JSON \`{ "event": string, "data": object, "seq"?: number }\`.

Replay: every published event except \`user:typing\` carries a per-user \`seq\` and is kept at
least 24 hours. Connect with \`?since=<last seq processed>\` to receive the missed events in
order, then \`replayed\` (\`{ since, count, latest_seq }\`), then live events. When the gap
cannot be filled the server sends \`resync_required\` (\`{ since, reason: "too_old" | "ahead" |
"too_many", oldest_seq, latest_seq }\`): refetch over HTTP, then continue from \`latest_seq\`.
With \`?device_id=<id>\`, the client sends \`ack\` (\`{ seq }\`) after processing events and the
server keeps that device's cursor (answering \`acked\`); a reconnect with the device id and no
\`since\` resumes from the cursor.

Server to client: \`ready\` (\`{ user_id, device_id, cursor, latest_seq }\`), \`pong\` (\`{ id }\`),
\`acked\` (\`{ device_id, seq }\`), \`replayed\`, \`resync_required\`, \`error\`
(\`{ code: "VALIDATION_ERROR", message, details: [{ field, message }] }\`; the socket stays open),
and the events of seed 002 §3: \`message:received\`, \`message:read\`, \`user:typing\`,
\`call:initiated\`, \`call:answered\`, \`call:ended\`, \`notification:new\`.

Client to server: \`ping\` (\`{ id? }\`), \`ack\` (\`{ seq }\`). Chat messages and typing go to the chat's room.
A socket whose session ends (logout, revocation, expiry) is closed with code 4001, within a
minute at most.`;

const route = defineRoute({
  method: "get",
  path: "/ws",
  auth: "socket",
  tags: ["realtime"],
  summary:
    "User event stream (WebSocket): ready, pong, error, message:*, user:typing, call:*, notification:new",
  description,
  request: { query: WsQuery },
  responses: {
    101: { description: "Switching Protocols: the WebSocket is open and sends `ready`" },
    426: {
      description: "Not a WebSocket upgrade request",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

export const realtimeRoutes = createRouter();

realtimeRoutes.openapi(route, (c) => {
  const token = socketToken(c.req.raw, c.req.valid("query").token);
  return connectUserStream(c.var.ctx, c.req.raw, token);
});
