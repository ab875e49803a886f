/** The Worker's side of the chat rooms: reaching a chat's Durable Object. */
import { getServerByName } from "partyserver";
import type { Bindings } from "../../env";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import type { RequestMeta } from "../../realtime/identity";
import { identityOf } from "../../realtime/socket";

export const chatRoom = (env: Pick<Bindings, "ChatRoom">, chatId: string) =>
  getServerByName(env.ChatRoom, chatId);

export const metaOf = (ctx: RequestContext): RequestMeta => ({
  requestId: ctx.requestId,
  ip: ctx.ip,
  userAgent: ctx.userAgent,
});

export const streamCallerOf = (ctx: RequestContext) => identityOf(callerOf(ctx));

/** Closes a user's sockets on the chat (removed), or everyone's (`null`: chat deleted). */
export async function closeChatSockets(
  env: Pick<Bindings, "ChatRoom">,
  chatId: string,
  userId: string | null,
) {
  return (await chatRoom(env, chatId)).closeSockets(userId);
}
