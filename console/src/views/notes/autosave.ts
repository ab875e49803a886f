/**
 * Autosave of a draft's sections (`PATCH /clinical-notes/{id}/draft`). Typing is debounced; only
 * the sections changed since the last accepted save are sent. The API accepts one save per note
 * per 5 s and answers 429 with `retry_after_seconds`: the text stays in the editor and the save
 * is sent again when the API says. A network failure retries the same way. A 409 (the note was
 * finalized or changed elsewhere) stops autosaving but keeps the typed text on screen.
 *
 * Text not yet accepted also survives leaving the page (in memory, per note, for this tab) and
 * is put back into the editor, and saved, when the note is opened again.
 */
import { useCallback, useEffect, useRef, useState } from "hono/jsx/dom";
import { api, ApiError } from "../../api";
import { errorText } from "../../ui";
import { fieldErrors } from "../../view";
import type { NoteSummary } from "./data";

/** Pause in typing before a save is sent. */
const DEBOUNCE_MS = 1200;
const NETWORK_RETRY_S = 5;

export type SaveState =
  | { kind: "idle" }
  | { kind: "pending" }
  | { kind: "saving" }
  | { kind: "saved"; at: string }
  | { kind: "waiting"; seconds: number; why: "limit" | "network" }
  | { kind: "stopped"; message: string; fields: Record<string, string> };

/** Unsaved sections per note id, kept when the user navigates away before they were accepted. */
const unsaved = new Map<string, Record<string, string>>();

export function unsavedOf(noteId: string): Record<string, string> | undefined {
  return unsaved.get(noteId);
}

export function useAutosave(noteId: string, enabled: boolean, onSaved: (s: NoteSummary) => void) {
  const [state, setState] = useState<SaveState>({ kind: "idle" });
  const pending = useRef<Record<string, string>>({ ...(unsaved.get(noteId) ?? {}) });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inFlight = useRef<Promise<void> | null>(null);
  const live = useRef(enabled);
  live.current = enabled;
  const mounted = useRef(true);

  const remember = () => {
    if (Object.keys(pending.current).length) unsaved.set(noteId, { ...pending.current });
    else unsaved.delete(noteId);
  };

  const schedule = (ms: number) => {
    if (timer.current) clearTimeout(timer.current);
    // After the page is left, a refused save is not retried here: its text waits in `unsaved`.
    if (!mounted.current) return;
    timer.current = setTimeout(() => void flush(), ms);
  };

  const flush = async (): Promise<void> => {
    if (inFlight.current) return inFlight.current;
    const batch = { ...pending.current };
    if (!live.current || Object.keys(batch).length === 0) return;
    if (mounted.current) setState({ kind: "saving" });
    inFlight.current = (async () => {
      try {
        const saved = await api.PATCH("/api/v1/clinical-notes/{id}/draft", {
          params: { path: { id: noteId } },
          body: { sections: batch },
        });
        // Only what was sent and not typed over meanwhile counts as saved.
        for (const [k, v] of Object.entries(batch))
          if (pending.current[k] === v) delete pending.current[k];
        remember();
        if (!mounted.current) return;
        setState({ kind: "saved", at: saved.updated_at });
        onSaved(saved);
        if (Object.keys(pending.current).length) schedule(DEBOUNCE_MS);
      } catch (error) {
        const e = error instanceof ApiError ? error : null;
        if (!mounted.current) return;
        if (e?.status === 429) {
          const d = e.details as { retry_after_seconds?: number } | null;
          const seconds = Math.max(1, d?.retry_after_seconds ?? 5);
          setState({ kind: "waiting", seconds, why: "limit" });
          schedule(seconds * 1000);
        } else if (!e || e.status === 0 || e.status >= 500) {
          setState({ kind: "waiting", seconds: NETWORK_RETRY_S, why: "network" });
          schedule(NETWORK_RETRY_S * 1000);
        } else {
          setState({ kind: "stopped", message: errorText(error), fields: fieldErrors(error) });
        }
      } finally {
        inFlight.current = null;
      }
    })();
    return inFlight.current;
  };

  /** A section's new text: kept at once, saved after a pause in typing. */
  const edit = useCallback((section: string, text: string) => {
    pending.current[section] = text;
    remember();
    setState((s) => (s.kind === "stopped" ? s : { kind: "pending" }));
    schedule(DEBOUNCE_MS);
  }, []);

  /**
   * Stops autosaving (before finalize or a PUT of the same text) and waits for a save in flight,
   * so the next write sees the stored row it was based on. Returns the sections not yet saved.
   */
  const settle = useCallback(async () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    await inFlight.current?.catch(() => undefined);
    return { ...pending.current };
  }, []);

  /** The text is stored by another write (finalize, a version): nothing is pending any more. */
  const clear = useCallback(() => {
    pending.current = {};
    remember();
    setState({ kind: "idle" });
  }, []);

  useEffect(() => {
    mounted.current = true;
    // Text restored from an earlier visit is saved again.
    if (enabled && Object.keys(pending.current).length) schedule(300);
    const warn = (event: BeforeUnloadEvent) => {
      if (Object.keys(pending.current).length) event.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => {
      window.removeEventListener("beforeunload", warn);
      if (timer.current) clearTimeout(timer.current);
      mounted.current = false;
      // Leaving the page: one last try; the text stays in `unsaved` until a save is accepted.
      if (live.current && Object.keys(pending.current).length) void flush();
    };
  }, [noteId, enabled]);

  return { state, edit, settle, clear, hasPending: () => Object.keys(pending.current).length > 0 };
}

export function saveText(state: SaveState): string {
  switch (state.kind) {
    case "idle":
      return "";
    case "pending":
      return "Unsaved changes…";
    case "saving":
      return "Saving…";
    case "saved":
      return `Saved at ${new Date(state.at).toLocaleTimeString()}`;
    case "waiting":
      return state.why === "limit"
        ? `Drafts are saved at most every few seconds; your text is kept and will be saved in ${state.seconds} s.`
        : `Not saved yet (no connection); your text is kept and saving is retried in ${state.seconds} s.`;
    case "stopped":
      return `Not saved (${state.message}). Your text is kept in the editor.`;
  }
}
