/**
 * `#/chats/{id}`: one chat's thread. History pages back on request; live messages, typing and
 * read receipts come over the chat room socket (room.ts); sends wait in an outbox ("Sending…")
 * until the room acknowledges them, and survive a dropped socket without doubling.
 */
import { CallButton } from "../../components/CallButton";
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api, session } from "../../api";
import { errorText } from "../../ui";
import { Loading, useLoad } from "../../view";
import { Attachment, FILE_TYPES, uploadToChat, VoiceRecorder } from "./attachments";
import { ChatLink, type ChatDetail, type Message, type Pending, type ThreadState } from "./room";

/** How long after the last keystroke "typing" is withdrawn. */
const TYPING_IDLE_MS = 4_000;

export function ThreadView(props: { chatId: string }) {
  const detail = useLoad(
    () =>
      api.GET("/api/v1/chats/{id}", {
        params: { path: { id: props.chatId }, query: { limit: 50 } },
      }),
    [props.chatId],
  );
  if (detail.status === 404)
    return (
      <p class="error" role="alert">
        That chat is not there, or you are not in it. <a href="#/chats">Your chats</a>
      </p>
    );
  return <Loading loaded={detail}>{(d) => <Thread detail={d} />}</Loading>;
}

const roleLabel = (role: string) => role.charAt(0).toUpperCase() + role.slice(1);

function Thread(props: { detail: ChatDetail }) {
  const { detail } = props;
  const me = session.user!.id;
  const [link, setLink] = useState<ChatLink | null>(null);
  const [state, setState] = useState<ThreadState | null>(null);
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const logRef = useRef<HTMLOListElement | null>(null);
  const typingRef = useRef<{ on: boolean; timer?: ReturnType<typeof setTimeout> }>({ on: false });

  useEffect(() => {
    const l = new ChatLink(detail.id, me, detail, setState);
    setLink(l);
    setState(l.state());
    return () => l.close();
  }, [detail.id]);

  // The reader sees the thread: move the read cursor (sent again once the socket is back).
  useEffect(() => {
    if (link && state?.connected && document.visibilityState === "visible") link.markRead();
  }, [link, state?.messages.length, state?.connected]);

  useEffect(() => {
    if (!link) return;
    const seen = () => document.visibilityState === "visible" && link.markRead();
    document.addEventListener("visibilitychange", seen);
    return () => document.removeEventListener("visibilitychange", seen);
  }, [link]);

  // Keep the newest message in view as messages arrive.
  const count = (state?.messages.length ?? 0) + (state?.outbox.length ?? 0);
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);

  if (!link || !state) return <p aria-busy="true">Connecting…</p>;

  const names = new Map(detail.participants.map((p) => [p.user_id, roleLabel(p.role)]));
  const who = (id: string) => (id === me ? "You" : (names.get(id) ?? "Someone"));
  // Staff ring the patient; a patient rings the first clinician in the chat (the API decides who
  // may be rung, and the button shows its refusal). Family members are never rung from here.
  const mine = detail.participants.find((p) => p.user_id === me)?.role;
  const callee = detail.participants.find(
    (p) =>
      p.user_id !== me &&
      p.role !== "family" &&
      (mine === "patient" ? p.role !== "patient" : p.role === "patient"),
  );

  function typed(value: string) {
    setDraft(value);
    const t = typingRef.current;
    if (!t.on && value.trim()) {
      t.on = true;
      link!.typing(true);
    }
    clearTimeout(t.timer);
    t.timer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    const t = typingRef.current;
    clearTimeout(t.timer);
    if (t.on) link!.typing(false);
    t.on = false;
  }

  function submit(event: Event) {
    event.preventDefault();
    const content = draft.trim();
    if (!content) {
      setProblem("Write a message first.");
      return;
    }
    setProblem(null);
    link!.send({ type: "text", content }, content);
    setDraft("");
    stopTyping();
  }

  async function attach(event: Event) {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const caption = draft.trim() || file.name;
    const id = link!.hold(`File: ${caption}`);
    setDraft("");
    try {
      const mediaId = await uploadToChat(detail.id, file, "chat_file");
      link!.ready(id, { type: "file", media_id: mediaId, content: caption });
    } catch (e) {
      link!.fail(id, errorText(e));
    }
  }

  async function voice(audio: Blob, seconds: number) {
    const id = link!.hold(`Voice message (${seconds} s)`);
    try {
      const mediaId = await uploadToChat(detail.id, audio, "voice_message");
      link!.ready(id, { type: "voice", media_id: mediaId, voice_seconds: seconds });
    } catch (e) {
      link!.fail(id, errorText(e));
    }
  }

  const typingNow = state.typing.map(who);

  return (
    <section class="thread" aria-labelledby="thread-title">
      <header class="thread-head">
        <h2 id="thread-title">{detail.name}</h2>
        <span class={state.connected ? "link ok" : "link"} id="thread-link">
          {state.connected ? "Connected" : "Reconnecting…"}
        </span>
        {callee ? <CallButton userId={callee.user_id} name={roleLabel(callee.role)} /> : null}
        <a href="#/chats">All chats</a>
      </header>
      {state.olderBefore !== null ? (
        <p>
          <button
            type="button"
            id="older"
            onClick={() => link.loadOlder().catch((e) => setProblem(errorText(e)))}
          >
            Load older messages
          </button>
        </p>
      ) : null}
      <ol class="chat-log" id="chat-log" role="log" aria-label="Messages" ref={logRef}>
        {state.messages.map((m) => (
          <MessageItem
            message={m}
            who={who(m.sender.id)}
            mine={m.sender.id === me}
            read={m.seq <= state.othersReadSeq}
          />
        ))}
        {state.outbox.map((p) => (
          <PendingItem pending={p} link={link} />
        ))}
      </ol>
      <p class="typing" id="typing" aria-live="polite">
        {typingNow.length
          ? `${typingNow.join(", ")} ${typingNow.length > 1 ? "are" : "is"} typing…`
          : ""}
      </p>
      {state.error ? (
        <p class="error" role="alert">
          {state.error}
        </p>
      ) : null}
      <form class="composer" onSubmit={submit}>
        <p class="field">
          <label for="chat-draft">Message</label>
          <textarea
            id="chat-draft"
            rows={2}
            value={draft}
            aria-describedby={problem ? "chat-draft-error" : undefined}
            onInput={(e: Event) => typed((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e: KeyboardEvent) => {
              if (e.key === "Enter" && !e.shiftKey) submit(e);
            }}
          />
          {problem ? (
            <span class="field-error" id="chat-draft-error" role="alert">
              {problem}
            </span>
          ) : null}
        </p>
        <p class="composer-actions">
          <button type="submit" id="send">
            Send
          </button>
          <label class="file-pick">
            Attach a file (image or PDF)
            <input type="file" id="chat-file" accept={FILE_TYPES} onChange={attach} />
          </label>
          <VoiceRecorder onRecorded={voice} />
        </p>
      </form>
    </section>
  );
}

function MessageItem(props: { message: Message; who: string; mine: boolean; read: boolean }) {
  const { message: m } = props;
  return (
    <li
      class={props.mine ? "msg mine" : "msg"}
      data-seq={m.seq}
      data-client-id={m.client_message_id ?? ""}
    >
      <span class="who">{props.who}</span>
      {m.deleted_at ? (
        <p class="body deleted">Message deleted</p>
      ) : (
        <>
          {m.content ? <p class="body">{m.content}</p> : null}
          {m.type === "file" || m.type === "voice" ? <Attachment message={m} /> : null}
          {m.transcription ? <p class="transcript">Transcript: {m.transcription}</p> : null}
        </>
      )}
      <span class="meta">
        <time dateTime={m.created_at}>
          {new Date(m.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
        </time>
        {m.edited_at ? " · edited" : ""}
        {props.mine ? <span class="receipt">{props.read ? " · Read" : " · Sent"}</span> : null}
      </span>
    </li>
  );
}

function PendingItem(props: { pending: Pending; link: ChatLink }) {
  const { pending: p, link } = props;
  return (
    <li class="msg mine pending" data-client-id={p.client_message_id} data-state={p.state}>
      <span class="who">You</span>
      <p class="body">{p.preview}</p>
      <span class="meta">
        {p.state === "uploading" ? "Uploading…" : p.state === "sending" ? "Sending…" : null}
        {p.state === "failed" ? (
          <>
            <span role="alert">Not sent: {p.error}</span>{" "}
            {p.input ? (
              <button type="button" onClick={() => link.retry(p.client_message_id)}>
                Retry
              </button>
            ) : null}{" "}
            <button type="button" onClick={() => link.discard(p.client_message_id)}>
              Discard
            </button>
          </>
        ) : null}
      </span>
    </li>
  );
}
