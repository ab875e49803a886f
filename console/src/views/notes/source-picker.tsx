/**
 * Where the scribe reads from: one of the patient's chats, a call with the patient (its stored
 * transcript), or pasted text. The same picker serves a new draft (`generate-note`, which reads a
 * chat or call itself) and suggestions for an open note (`generate-suggestions`, given segments
 * or a transcript).
 */
import { api } from "../../api";
import { Field, useLoad } from "../../view";
import { fmt } from "../../ui";
import {
  callQuotes,
  chatQuotes,
  loadPatientCalls,
  loadPatientChats,
  pastedSegments,
  quotesOfSegments,
  type Quotes,
} from "./data";

export type SourceChoice = {
  kind: "chat" | "call" | "text";
  chatId: string;
  callId: string;
  text: string;
};
export const NO_SOURCE: SourceChoice = { kind: "chat", chatId: "", callId: "", text: "" };

export function SourcePicker(props: {
  idPrefix: string;
  patientId: string;
  patientUserId: string | null;
  value: SourceChoice;
  onChange: (v: SourceChoice) => void;
  errors: Record<string, string>;
}) {
  const { value, idPrefix: p } = props;
  const chats = useLoad(() => loadPatientChats(props.patientId), [props.patientId]);
  const calls = useLoad(() => loadPatientCalls(props.patientUserId), [props.patientUserId]);
  const set = (patch: Partial<SourceChoice>) => props.onChange({ ...value, ...patch });
  const kinds: [SourceChoice["kind"], string][] = [
    ["chat", "A chat"],
    ["call", "A call transcript"],
    ["text", "Pasted text"],
  ];
  return (
    <fieldset class="source-picker">
      <legend>Source</legend>
      <div class="choices">
        {kinds.map(([kind, label]) => (
          <label class="choice">
            <input
              type="radio"
              name={`${p}-kind`}
              value={kind}
              checked={value.kind === kind}
              onChange={() => set({ kind })}
            />{" "}
            {label}
          </label>
        ))}
      </div>
      {value.kind === "chat" ? (
        <Field id={`${p}-chat`} label="Chat" error={props.errors.chat_id}>
          <select
            id={`${p}-chat`}
            value={value.chatId}
            onChange={(e) => set({ chatId: (e.target as HTMLSelectElement).value })}
          >
            <option value="">
              {chats.loading ? "Loading chats…" : chats.data?.length ? "Choose a chat" : "No chats"}
            </option>
            {(chats.data ?? []).map((c) => (
              <option value={c.id}>
                {c.name} ({c.type}, last message {fmt.date(c.last_message_time)})
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {value.kind === "call" ? (
        <Field id={`${p}-call`} label="Call" error={props.errors.call_id}>
          <select
            id={`${p}-call`}
            value={value.callId}
            onChange={(e) => set({ callId: (e.target as HTMLSelectElement).value })}
          >
            <option value="">
              {calls.loading ? "Loading calls…" : calls.data?.length ? "Choose a call" : "No calls"}
            </option>
            {(calls.data ?? []).map((c) => (
              <option value={c.call_id}>
                {c.type} call {fmt.date(c.created_at)} ({c.status}
                {c.has_recording ? ", recorded" : ""})
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {value.kind === "text" ? (
        <Field
          id={`${p}-text`}
          label="Text (one statement per line; “Name: …” marks the speaker)"
          error={props.errors.text ?? props.errors.segments}
        >
          <textarea
            id={`${p}-text`}
            rows={5}
            value={value.text}
            onInput={(e) => set({ text: (e.target as HTMLTextAreaElement).value })}
          />
        </Field>
      ) : null}
      {chats.error || calls.error ? (
        <p class="error" role="alert">
          {chats.error ?? calls.error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** A missing choice, named as the API would name the field. */
export function missingSource(v: SourceChoice): Record<string, string> | null {
  if (v.kind === "chat" && !v.chatId) return { chat_id: "Choose a chat" };
  if (v.kind === "call" && !v.callId) return { call_id: "Choose a call" };
  if (v.kind === "text" && !pastedSegments(v.text).length) return { text: "Paste some text" };
  return null;
}

/** The text behind the ids a sentence from this source cites (quoted next to it). */
export async function quotesOf(v: SourceChoice): Promise<Quotes> {
  if (v.kind === "chat") return chatQuotes(v.chatId);
  if (v.kind === "call") return callQuotes(v.callId);
  return quotesOfSegments(pastedSegments(v.text));
}

/** The source part of `POST /scribe/generate-note`: the server reads a chat or a call itself. */
export function noteSource(v: SourceChoice) {
  if (v.kind === "chat") return { chat_id: v.chatId };
  if (v.kind === "call") return { call_id: v.callId };
  return { segments: pastedSegments(v.text) };
}

/**
 * The source part of `POST /scribe/generate-suggestions`: a chat's messages as segments cited by
 * message id, a call's stored transcript by its id, or the pasted lines.
 */
export async function suggestionSource(
  v: SourceChoice,
): Promise<
  | { segments: { id: string; speaker: string | null; text: string }[] }
  | { source: { kind: "transcript"; transcript_id: string } }
  | { error: Record<string, string> }
> {
  if (v.kind === "text") return { segments: pastedSegments(v.text) };
  if (v.kind === "call") {
    const call = await api.GET("/api/v1/calls/{id}", { params: { path: { id: v.callId } } });
    if (!call.transcript_id)
      return {
        error: { call_id: "This call has no transcript yet (transcribe its recording first)" },
      };
    return { source: { kind: "transcript", transcript_id: call.transcript_id } };
  }
  const quotes = await chatQuotes(v.chatId);
  const segments = Object.entries(quotes).map(([id, q]) => ({
    id,
    speaker: q.speaker,
    text: q.text.slice(0, 20_000),
  }));
  if (!segments.length) return { error: { chat_id: "No messages with text in this chat" } };
  return { segments };
}
