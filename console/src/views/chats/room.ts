/**
 * One open chat thread: its messages (by seq), the outbox of sends not yet acknowledged, who is
 * typing and how far the others have read, kept in step with the chat room socket
 * (`/api/v1/chats/{id}/ws`, through the client's `roomSocket`: bearer subprotocol, reconnects).
 *
 * Invariants: a message is shown once, keyed by its seq (an ack, a live event and a catch-up page
 * may all carry the same one). A send keeps its `client_message_id` until the room acknowledges
 * it; every (re)open resends the whole outbox in order with the same ids, and the room answers a
 * known id with the first message (`replayed`), so nothing is stored twice. The room does not
 * replay what a socket missed: each `ready` (first open and every reconnect) pages the history
 * back from the newest message until it meets the last seq already held.
 */
import { roomSocket } from "../../../../client/src/index";
import { api, type Schemas } from "../../api";

export type Message = Schemas["ChatMessage"];
export type ChatDetail = Schemas["ChatDetail"];

/** What the composer sends (the room's `message:send` data without the client id). */
export type Outgoing =
  | { type: "text"; content: string }
  | { type: "file"; media_id: string; content?: string }
  | { type: "voice"; media_id: string; voice_seconds: number };

export type Pending = {
  client_message_id: string;
  /** Null while its file is still uploading. */
  input: Outgoing | null;
  /** What the thread shows in place of the message until it is stored. */
  preview: string;
  state: "uploading" | "sending" | "failed";
  error?: string;
};

export type ThreadState = {
  messages: Message[];
  outbox: Pending[];
  /** Others typing now (user ids). */
  typing: string[];
  /** The highest seq another participant has read (read receipts of one's own messages). */
  othersReadSeq: number;
  connected: boolean;
  /** Cursor of older history (`before_seq`), null when the first message is loaded. */
  olderBefore: number | null;
  error: string | null;
};

const TYPING_SHOWN_MS = 6_000;
const PAGE = 50;

/** A client message id the room accepts (8–64 of `[A-Za-z0-9._:-]`). */
export const newClientId = () => `c-${crypto.randomUUID()}`;

export class ChatLink {
  private readonly bySeq = new Map<number, Message>();
  private readonly outbox = new Map<string, Pending>();
  private readonly typingUntil = new Map<string, number>();
  private othersReadSeq = 0;
  private sentReadSeq = 0;
  private olderBefore: number | null;
  private error: string | null = null;
  private catchingUp: Promise<void> | null = null;
  private typingTimer: ReturnType<typeof setInterval>;
  private readonly socket: ReturnType<typeof roomSocket>;

  constructor(
    readonly chatId: string,
    readonly me: string,
    first: ChatDetail,
    private readonly changed: (state: ThreadState) => void,
  ) {
    this.olderBefore = first.next_before_seq;
    this.merge(first.messages);
    this.socket = roomSocket(api, location.origin, `/api/v1/chats/${chatId}/ws`, {
      // A chat stays open for hours: keep trying (at most every 5 s) instead of giving up.
      socket: { minReconnectionDelay: 200, maxReconnectionDelay: 5_000, maxRetries: Infinity },
    });
    this.socket.addEventListener("open", () => this.flush());
    this.socket.addEventListener("close", () => this.emit());
    this.socket.addEventListener("message", (m) => this.receive(String(m.data)));
    this.typingTimer = setInterval(() => this.expireTyping(), 1_000);
  }

  close() {
    clearInterval(this.typingTimer);
    this.socket.close(1000, "left the thread");
  }

  /** Queues a message and sends it at once if the socket is open (else on the next open). */
  send(input: Outgoing, preview: string, clientId = newClientId()) {
    this.outbox.set(clientId, { client_message_id: clientId, input, preview, state: "sending" });
    this.sendOne(clientId);
    this.emit();
    return clientId;
  }

  /** A message whose file is uploading: shown at once, sent by `ready` once uploaded. */
  hold(preview: string): string {
    const clientId = newClientId();
    this.outbox.set(clientId, {
      client_message_id: clientId,
      input: null,
      preview,
      state: "uploading",
    });
    this.emit();
    return clientId;
  }

  ready(clientId: string, input: Outgoing) {
    const p = this.outbox.get(clientId);
    if (!p) return;
    this.outbox.set(clientId, { ...p, input, state: "sending", error: undefined });
    this.sendOne(clientId);
    this.emit();
  }

  fail(clientId: string, error: string) {
    const p = this.outbox.get(clientId);
    if (p) this.outbox.set(clientId, { ...p, state: "failed", error });
    this.emit();
  }

  /** Sends a failed message again, with its first client id. */
  retry(clientId: string) {
    const p = this.outbox.get(clientId);
    if (!p?.input) return;
    this.outbox.set(clientId, { ...p, state: "sending", error: undefined });
    this.sendOne(clientId);
    this.emit();
  }

  discard(clientId: string) {
    this.outbox.delete(clientId);
    this.emit();
  }

  typing(isTyping: boolean) {
    this.raw({ event: "typing", data: { is_typing: isTyping } });
  }

  /** Marks the thread read up to its newest message from someone else (once per seq). */
  markRead() {
    let newest = 0;
    for (const m of this.bySeq.values())
      if (m.sender.id !== this.me && m.seq > newest) newest = m.seq;
    if (newest <= this.sentReadSeq) return;
    if (this.raw({ event: "read", data: { seq: newest } })) this.sentReadSeq = newest;
  }

  /** Loads the page of history before the oldest message held. */
  async loadOlder() {
    if (this.olderBefore === null) return;
    const page = await api.GET("/api/v1/chats/{id}", {
      params: { path: { id: this.chatId }, query: { limit: PAGE, before_seq: this.olderBefore } },
    });
    this.olderBefore = page.next_before_seq;
    this.merge(page.messages);
    this.emit();
  }

  state(): ThreadState {
    return {
      messages: [...this.bySeq.values()].sort((a, b) => a.seq - b.seq),
      outbox: [...this.outbox.values()],
      typing: [...this.typingUntil.keys()],
      othersReadSeq: this.othersReadSeq,
      connected: this.socket.readyState === WebSocket.OPEN,
      olderBefore: this.olderBefore,
      error: this.error,
    };
  }

  private emit() {
    this.changed(this.state());
  }

  private raw(frame: object): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false; // never queued twice: the outbox resends
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  private sendOne(clientId: string) {
    const p = this.outbox.get(clientId);
    if (!p?.input || p.state !== "sending") return;
    this.raw({ event: "message:send", data: { ...p.input, client_message_id: clientId } });
  }

  /** On every open: the outbox in order, with the same ids (the room drops repeats). */
  private flush() {
    for (const id of this.outbox.keys()) this.sendOne(id);
    this.emit();
  }

  private merge(messages: Message[]) {
    for (const m of messages) {
      this.bySeq.set(m.seq, m);
      // Stored meanwhile (its ack lost with a dropped socket): no longer pending.
      if (m.sender.id === this.me && m.client_message_id) this.outbox.delete(m.client_message_id);
      if (m.sender.id === this.me && m.is_read)
        this.othersReadSeq = Math.max(this.othersReadSeq, m.seq);
    }
  }

  private lastSeq(): number {
    let last = 0;
    for (const seq of this.bySeq.keys()) if (seq > last) last = seq;
    return last;
  }

  /**
   * Pages back from the newest message until `since` (default: the last seq held): what a dropped
   * socket missed.
   */
  private catchUp(since = this.lastSeq()): Promise<void> {
    this.catchingUp ??= (async () => {
      try {
        let before: number | undefined;
        for (;;) {
          const page = await api.GET("/api/v1/chats/{id}", {
            params: {
              path: { id: this.chatId },
              query: { limit: PAGE, ...(before !== undefined && { before_seq: before }) },
            },
          });
          this.merge(page.messages);
          const oldest = Math.min(...page.messages.map((m) => m.seq));
          if (!page.messages.length || oldest <= since + 1 || page.next_before_seq === null) break;
          before = page.next_before_seq;
        }
        this.error = null;
      } catch (error) {
        this.error = `Could not load missed messages: ${(error as Error).message}`;
      } finally {
        this.catchingUp = null;
      }
      this.emit();
    })();
    return this.catchingUp;
  }

  private receive(text: string) {
    let frame: { event: string; data: any };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const { event, data } = frame;
    if (event === "ready") {
      void this.catchUp();
    } else if (event === "message:ack") {
      this.outbox.delete(data.client_message_id);
      this.merge([data.message]);
    } else if (event === "message:received" || event === "message:updated") {
      // A seq beyond the next one means something went by unseen: fetch the gap.
      const last = this.lastSeq();
      if (event === "message:received" && data.seq > last + 1) void this.catchUp(last);
      this.merge([data as Message]);
      this.typingUntil.delete((data as Message).sender.id);
    } else if (event === "message:deleted") {
      // Only its place is sent: the message keeps its seq, without content.
      const held = this.bySeq.get(data.seq as number);
      if (held)
        this.bySeq.set(held.seq, {
          ...held,
          content: null,
          media_id: null,
          deleted_at: data.deleted_at,
        });
    } else if (event === "message:read") {
      if (data.read_by !== this.me)
        this.othersReadSeq = Math.max(this.othersReadSeq, data.last_read_seq as number);
    } else if (event === "user:typing") {
      if (data.user_id === this.me) return;
      if (data.is_typing) this.typingUntil.set(data.user_id, Date.now() + TYPING_SHOWN_MS);
      else this.typingUntil.delete(data.user_id);
    } else if (event === "error") {
      const id = data?.client_message_id as string | null;
      if (id && this.outbox.has(id)) this.fail(id, `${data.message} (${data.code})`);
      else this.error = `${data?.message ?? "The chat refused a message"}`;
    } else return;
    this.emit();
  }

  private expireTyping() {
    const now = Date.now();
    let gone = false;
    for (const [id, until] of this.typingUntil)
      if (until < now) gone = this.typingUntil.delete(id) || gone;
    if (gone) this.emit();
  }
}
