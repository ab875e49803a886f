/**
 * Files and voice in a chat: uploaded through the API's signed upload URL (owner: the chat), and
 * opened through a short-lived signed download link fetched by script and shown from a blob URL,
 * so neither the bearer token nor the signed link ever sits in the page's markup or history.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api } from "../../api";
import { errorText } from "../../ui";
import type { Message } from "./room";

/** The types the `chat_file` purpose allows (media.purposes.ts). */
export const FILE_TYPES = "image/jpeg,image/png,image/webp,application/pdf";

/** Uploads a file or recording for this chat; resolves to the media id a message may carry. */
export async function uploadToChat(
  chatId: string,
  blob: Blob,
  purpose: "chat_file" | "voice_message",
): Promise<string> {
  // A recorder's type carries its codec (`audio/webm;codecs=opus`): the API wants the bare type.
  const contentType = blob.type.split(";")[0]!.trim();
  const issued = await api.POST("/api/v1/upload/generate-url", {
    body: {
      purpose,
      content_type: contentType,
      size_bytes: blob.size,
      owner: { kind: "chat", id: chatId },
    },
  });
  await api.upload(issued.upload_url, blob, issued.headers);
  return issued.media_id;
}

/** A file or voice message's content: loaded when the reader asks, shown from a blob URL. */
export function Attachment(props: { message: Message }) {
  const { message } = props;
  const [shown, setShown] = useState<{ url: string; type: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => () => shown && URL.revokeObjectURL(shown.url), [shown]);

  async function open() {
    if (!message.media_id) return;
    setBusy(true);
    setError(null);
    try {
      const link = await api.GET("/api/v1/media/{id}/download-url", {
        params: { path: { id: message.media_id } },
      });
      const response = await fetch(new URL(link.url, location.origin));
      if (!response.ok)
        throw new Error(`The file could not be downloaded (HTTP ${response.status})`);
      const blob = await response.blob();
      setShown({ url: URL.createObjectURL(blob), type: link.media.content_type });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  if (!message.media_id) return null;
  const voice = message.type === "voice";
  if (!shown)
    return (
      <span class="attachment">
        <button type="button" onClick={open} disabled={busy} aria-busy={busy}>
          {voice ? `Play voice message (${message.voice_seconds ?? "?"} s)` : "Open attachment"}
        </button>
        {error ? (
          <span class="field-error" role="alert">
            {error}
          </span>
        ) : null}
      </span>
    );
  if (shown.type.startsWith("audio/"))
    return (
      <span class="attachment">
        Voice message ({message.voice_seconds ?? "?"} s)
        <audio controls autoplay src={shown.url} aria-label="Voice message" />
      </span>
    );
  if (shown.type.startsWith("image/"))
    return (
      <a class="attachment" href={shown.url} download={`attachment-${message.seq}`}>
        <img src={shown.url} alt={message.content ?? "Image attachment"} class="chat-image" />
      </a>
    );
  return (
    <a class="attachment" href={shown.url} download={`attachment-${message.seq}.pdf`}>
      Download PDF
    </a>
  );
}

/** Records a voice message with the microphone (MediaRecorder); `onRecorded` gets the audio. */
export function VoiceRecorder(props: {
  disabled?: boolean;
  onRecorded: (audio: Blob, seconds: number) => void;
}) {
  const [recording, setRecording] = useState<{ recorder: MediaRecorder; started: number } | null>(
    null,
  );
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const streamRef = useRef<MediaStream | null>(null);

  useEffect(() => {
    if (!recording) return;
    const timer = setInterval(
      () => setElapsed(Math.round((Date.now() - recording.started) / 1000)),
      500,
    );
    return () => clearInterval(timer);
  }, [recording]);
  // Leaving the thread mid-recording releases the microphone.
  useEffect(() => () => streamRef.current?.getTracks().forEach((t) => t.stop()), []);

  async function start() {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      streamRef.current = stream;
      const mimeType = MediaRecorder.isTypeSupported("audio/webm") ? "audio/webm" : "";
      const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
      const chunks: Blob[] = [];
      const started = Date.now();
      recorder.addEventListener("dataavailable", (e) => e.data.size && chunks.push(e.data));
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((t) => t.stop());
        streamRef.current = null;
        const seconds = Math.min(900, Math.max(1, Math.round((Date.now() - started) / 1000)));
        props.onRecorded(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }), seconds);
      });
      recorder.start();
      setElapsed(0);
      setRecording({ recorder, started });
    } catch (e) {
      setError(`The microphone could not be used: ${errorText(e)}`);
    }
  }

  function stop() {
    recording?.recorder.stop();
    setRecording(null);
  }

  return (
    <span class="voice">
      {recording ? (
        <button type="button" onClick={stop} class="recording">
          Stop and send voice ({elapsed} s)
        </button>
      ) : (
        <button type="button" onClick={start} disabled={props.disabled}>
          Record voice message
        </button>
      )}
      {error ? (
        <span class="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
