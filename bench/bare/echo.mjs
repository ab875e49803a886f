// The socket floor: a Durable Object that sends every WebSocket message straight back, on the same
// runtime as the API (compatibility date and flags copied by bench/server.mjs). A realtime room's
// round trip is read against this echo's, measured in the same run with the same clients.
import { DurableObject } from "cloudflare:workers";

// Under `/fanout/{room}` it sends every message to every socket of the room instead: the floor for
// a chat room's fan-out.
export class Echo extends DurableObject {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    const fanout = new URL(request.url).pathname.startsWith("/fanout/");
    this.ctx.acceptWebSocket(server, fanout ? ["fanout"] : []);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(socket, message) {
    if (this.ctx.getTags(socket).includes("fanout")) {
      for (const peer of this.ctx.getWebSockets()) peer.send(message);
    } else {
      socket.send(message);
    }
  }
}

export default {
  fetch(request, env) {
    const room = new URL(request.url).pathname.split("/").pop() || "echo";
    if (request.headers.get("upgrade") !== "websocket") return new Response("ok");
    return env.Echo.get(env.Echo.idFromName(room)).fetch(request);
  },
};
