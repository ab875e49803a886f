/**
 * The RPCs each room implements (the room classes in party/ declare `implements`), so the contract
 * between the Worker's modules and the rooms reads in one place, without importing party/. The
 * modules reach a room through `getServerByName(env.<Room>, name)`; env.ts types the namespaces.
 * Every room holding sockets about a person answers `revalidate` (access re-derived, close 4003)
 * and `endSession` (a session ended, close 4001); both return how many sockets closed.
 */
import type { Message, SendMessageInput } from "../modules/chats/chats.schemas";
import type { CallChange, RingTimer } from "./call-room.schemas";
import type { ChatRoomOut } from "./chat-room.schemas";
import type { RequestMeta, StreamCaller } from "./identity";
import type { UserEvent } from "./user-stream.schemas";

/** The rooms a session's socket can be in besides its user stream (tracked to close them). */
export type RoomKind = "chat" | "live" | "call" | "pose";
export type TrackedRoom = { kind: RoomKind; name: string };

/** What every room with sockets answers. */
export interface SocketRoomRpc {
  /** Re-derives access of `userId`'s sockets (`null`: all); closes the refused with 4003. */
  revalidate(userId: string | null): Promise<number>;
  /** Closes the sockets opened under a session that ended, with 4001. */
  endSession(sessionId: string): Promise<number>;
}

/** A user's stream (`/ws`, one room per user). */
export interface UserStreamRpc {
  /** Pushes an event to every open socket of the user (kept for replay unless ephemeral). */
  publish(event: UserEvent): Promise<number>;
  /** Several events in this order, in one call. */
  publishMany(events: UserEvent[]): Promise<number>;
  /** Remembers that a session has a socket in another room, so ending it closes that too. */
  trackRoom(sessionId: string, room: TrackedRoom): Promise<void>;
  /** Closes the sockets of these sessions (`null`: all), here and in the rooms they joined. */
  endSessions(sessionIds: string[] | null): Promise<number>;
  /** Asks every room the user joined to re-derive their access (a relation ended). */
  revalidateRooms(): Promise<number>;
  endSession(sessionId: string): Promise<number>;
  /** Sockets open now, and the last moment one was (the notifications' offline fallback). */
  presence(): Promise<{ connected: number; lastSeenAt: string | null }>;
}

/** A chat event the room fans out to its sockets and to the participants' streams. */
export type ChatRoomEvent = ChatRoomOut & {
  event: "message:received" | "message:updated" | "message:deleted" | "message:read";
};

/** A chat's room: the serialised writer of its messages and their fan-out. */
export interface ChatRoomRpc extends SocketRoomRpc {
  /** Stores a message after every earlier one; a known `client_message_id` returns the first. */
  post(
    caller: StreamCaller,
    input: SendMessageInput,
    meta: RequestMeta,
    checkSession?: boolean,
    inboundSms?: boolean,
  ): Promise<{ message: Message; replayed: boolean }>;
  /** Sends chat events to the room's sockets and, in order, to the recipients' streams. */
  publish(recipients: string[], ...events: ChatRoomEvent[]): void;
  /** Closes a user's sockets on the chat (removed), or everyone's (`null`: chat deleted). */
  closeSockets(userId: string | null): Promise<number>;
}

/** A call's signalling room. */
export interface CallRoomRpc extends SocketRoomRpc {
  /** Arms the ring timer (the call was created). */
  ring(timer: RingTimer): Promise<void>;
  /** A state change D1 holds: told to every participant; a final one closes the sockets. */
  changed(change: CallChange): Promise<void>;
  /** Recording started or stopped. */
  recording(state: { recording: boolean; by: string }): Promise<void>;
}

/** An exercise session's live room. */
export interface LiveSessionRpc extends SocketRoomRpc {
  /** Stores the frames still pending (tests and the alarm). */
  flush(): Promise<void>;
}

/** A user's live pose inference room, per model. */
export type PoseStreamRpc = SocketRoomRpc;
