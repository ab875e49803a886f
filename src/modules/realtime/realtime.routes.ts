/** `GET /ws`: the signed-in user's event stream (WebSocket), documented with its events. */
import { bearerToken } from "../../middleware/auth";
import { ErrorSchema } from "../../lib/envelope";
import { createRouter, defineRoute } from "../../lib/openapi";
import { WsQuery } from "./realtime.schemas";
import { connectUserStream } from "./realtime.service";

const description = `Upgrade to a WebSocket carrying the caller's own events. Authenticate with
\`?token=<access token>\` (browsers cannot set headers on a WebSocket) or \`Authorization: Bearer\`;
the token and its session are checked before the upgrade, so a logged-out session cannot connect.

Every frame is JSON \`{ "event": string, "data": object }\`.

Server to client: \`ready\` (\`{ user_id }\`, once connected), \`pong\` (\`{ id }\`), \`error\`
(\`{ code: "VALIDATION_ERROR", message, details: [{ field, message }] }\`; the socket stays open),
and the events of seed 002 §3: \`message:received\`, \`message:read\`, \`user:typing\`,
\`call:initiated\`, \`call:answered\`, \`call:ended\`, \`notification:new\`.

Client to server: \`ping\` (\`{ id? }\`). Chat messages and typing go to the chat's room.
A socket whose session ends (logout, revocation, expiry) is closed with code 4001, within a
minute at most.`;

const route = defineRoute({
  method: "get",
  path: "/ws",
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
  const token = c.req.valid("query").token ?? bearerToken(c.req.header("authorization"));
  return connectUserStream(c.var.ctx, c.req.raw, token);
});
