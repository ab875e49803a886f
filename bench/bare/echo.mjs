// The socket floor: a Durable Object that sends every WebSocket message straight back, on the same
// runtime as the API (compatibility date and flags copied by bench/server.mjs). A realtime room's
// round trip is read against this echo's, measured in the same run with the same clients.
import { DurableObject } from "cloudflare:workers";

export class Echo extends DurableObject {
  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(socket, message) {
    socket.send(message);
  }
}

export default {
  fetch(request, env) {
    const room = new URL(request.url).pathname.split("/").pop() || "echo";
    if (request.headers.get("upgrade") !== "websocket") return new Response("ok");
    return env.Echo.get(env.Echo.idFromName(room)).fetch(request);
  },
};
