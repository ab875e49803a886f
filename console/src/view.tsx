/**
 * The console's view layer: pages are TSX components on Hono's DOM renderer (`hono/jsx/dom`), one
 * root in `#main` at a time. The older pages build DOM by hand (`ui.ts`); both kinds coexist, and
 * `main.ts` unmounts the current root before any page renders, so a component's effects (sockets,
 * timers) always clean up when the user navigates away.
 */
import { createRoot, type Root } from "hono/jsx/dom/client";
import { useCallback, useEffect, useState } from "hono/jsx/dom";
import type { Child } from "hono/jsx";
import { ApiError } from "./api";
import { errorText } from "./ui";

let current: Root | null = null;
/** Components embedded in hand-built pages (`island`), unmounted with the page. */
let islands: Root[] = [];

/** Renders `node` as the page in `#main` (replacing whatever is there) and moves focus there. */
export function mount(node: Child): void {
  unmount();
  const main = document.getElementById("main")!;
  const host = document.createElement("div");
  main.replaceChildren(host);
  main.dataset.page = "component";
  current = createRoot(host);
  current.render(node);
  main.focus();
}

/** Ends the current component page: its effects' cleanups run (sockets close, timers stop). */
export function unmount(): void {
  current?.unmount();
  current = null;
  delete document.getElementById("main")?.dataset.page;
  for (const root of islands) root.unmount();
  islands = [];
}

/**
 * A component inside a hand-built page (ui.ts `h`/`render`): returns its host element to place
 * in the page. It is unmounted with the page on the next navigation.
 */
export function island(node: Child, tag: "div" | "section" = "div"): HTMLElement {
  const host = document.createElement(tag);
  const root = createRoot(host);
  root.render(node);
  islands.push(root);
  return host;
}

export type Loaded<T> = {
  data: T | undefined;
  error: string | null;
  /** The HTTP status of the failed load (404: not there or not yours), null otherwise. */
  status: number | null;
  loading: boolean;
  /** Loads again (after a write, or the user's Refresh). */
  reload: () => void;
};

/**
 * Loads data for a component and re-loads when `deps` change. An answer that arrives after a newer
 * request started is dropped, so a slow response never overwrites a fresher one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{
    data?: T;
    error: string | null;
    status: number | null;
    loading: boolean;
  }>({ error: null, status: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, status: null, loading: false }),
      (error) =>
        live &&
        setState((s) => ({
          ...s,
          error: errorText(error),
          status: error instanceof ApiError ? error.status : null,
          loading: false,
        })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, data: state.data, reload };
}

/** A labelled form field; `error` (the API's message for this field) is announced and linked. */
export function Field(props: {
  id: string;
  label: string;
  error?: string | null;
  children: Child;
}) {
  const errorId = `${props.id}-error`;
  return (
    <p class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.error ? (
        <span class="field-error" id={errorId} role="alert">
          {props.error}
        </span>
      ) : null}
    </p>
  );
}

/** The field errors of an API 422, keyed by field name (`body.start_time` → `start_time`). */
export function fieldErrors(error: unknown): Record<string, string> {
  const fields = (error as { fields?: { field: string; message: string }[] }).fields ?? [];
  const out: Record<string, string> = {};
  for (const f of fields) out[f.field.replace(/^(body|query|param)\./, "")] = f.message;
  return out;
}

/** Loading and error states of a `useLoad`, then `children(data)` once it is there. */
export function Loading<T>(props: { loaded: Loaded<T>; children: (data: T) => Child }) {
  const { data, error, loading } = props.loaded;
  if (error)
    return (
      <p class="error" role="alert">
        {error}{" "}
        <button type="button" onClick={props.loaded.reload}>
          Try again
        </button>
      </p>
    );
  if (data === undefined) return <p aria-busy="true">{loading ? "Loading…" : ""}</p>;
  return <>{props.children(data)}</>;
}
