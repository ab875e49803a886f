/**
 * Files and voice messages of a chat, through the media module: a participant uploads with
 * `owner: { kind: "chat", id }` and purpose `chat_file` or `voice_message`, then sends a message
 * naming the `media_id`; every participant downloads it through `GET /media/{id}/download-url`.
 *
 * Invariants: the owner check is the chat's own access rule (`accessChat`: active participant,
 * same workspace, family only with the chat scope), so a removed participant or an outsider gets
 * the 404 of an unknown chat for reads and uploads alike. A message may only name media uploaded
 * by its sender, to this chat, for the purpose of its type, and fully uploaded.
 */
import { and, eq } from "drizzle-orm";
import { mediaObjects } from "../../db/schema/media";
import { ValidationError } from "../../lib/errors";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import type { MediaAccessMode } from "../media/media.owners";
import { accessChat } from "./chats.access";
import type { SendMessageInput } from "./chats.schemas";

/** The `chat` media owner (listed in media.owners.ts): the chat's own access rule. */
export async function chatMediaOwner(ctx: RequestContext, chatId: string, mode: MediaAccessMode) {
  const { chat } = await accessChat(ctx, chatId, mode === "write" ? "media.created" : "media.read");
  return { patientId: chat.patientId };
}

export const PURPOSE_OF = { file: "chat_file", voice: "voice_message" } as const;

/** The read (for the commit's batch) of the media a message names. */
export const mediaForMessage = (ctx: RequestContext, workspaceId: string, mediaId: string) =>
  ctx.db.orm
    .select({
      purpose: mediaObjects.purpose,
      ownerKind: mediaObjects.ownerKind,
      ownerId: mediaObjects.ownerId,
      status: mediaObjects.status,
      createdBy: mediaObjects.createdBy,
    })
    .from(mediaObjects)
    .where(and(eq(mediaObjects.id, mediaId), eq(mediaObjects.workspaceId, workspaceId)))
    .limit(1);

type MediaRow = Awaited<ReturnType<typeof mediaForMessage>>[number];

/** Throws 422 naming `media_id` unless the media fits the message (see the invariants). */
export function checkMessageMedia(
  row: MediaRow | undefined,
  expected: { chatId: string; senderId: string; type: keyof typeof PURPOSE_OF },
) {
  const purpose = PURPOSE_OF[expected.type];
  const fits =
    row &&
    row.ownerKind === "chat" &&
    row.ownerId === expected.chatId &&
    row.createdBy === expected.senderId &&
    row.purpose === purpose &&
    row.status === "uploaded";
  if (!fits) {
    throw new ValidationError([
      { field: "media_id", message: `An uploaded ${purpose} of yours in this chat` },
    ]);
  }
}

/**
 * Checks the media a file or voice message names (nothing for text). Runs in the Worker before
 * the room is called (an error crossing the room's RPC boundary loses its class) and again in the
 * room, which socket sends reach directly.
 */
export async function assertMessageMedia(
  ctx: RequestContext,
  chatId: string,
  input: SendMessageInput,
) {
  if (input.type === "text") return;
  const caller = callerOf(ctx);
  const [media] = await ctx.db.read([mediaForMessage(ctx, caller.workspaceId, input.media_id)]);
  checkMessageMedia(media[0], { chatId, senderId: caller.userId, type: input.type });
}
