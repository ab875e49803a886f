/** Small DOM helpers: elements without innerHTML (no markup injection), status messages. */
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** Creates an element; `on*` attributes become listeners, text children become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children)
    if (c) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

/** Replaces the main area's content and moves focus there (screen readers hear the change). */
export function render(...nodes: Node[]): HTMLElement {
  const main = document.getElementById("main")!;
  // A hand-built page whose data arrived after the user moved on to a component page must not
  // cover it (view.tsx marks #main while a component page is mounted).
  if (main.dataset.page === "component") return main;
  main.replaceChildren(...nodes);
  main.focus();
  return main;
}

/** The polite live region at the top: errors and progress, read out by screen readers. */
export function status(message: string, kind: "info" | "error" | "ok" = "info") {
  const el = document.getElementById("status")!;
  el.textContent = message;
  el.className = kind;
}

export function errorText(error: unknown): string {
  const e = error as { message?: string; fields?: { field: string; message: string }[] };
  const fields = e.fields?.length
    ? ` (${e.fields.map((f) => `${f.field}: ${f.message}`).join("; ")})`
    : "";
  return `${e.message ?? String(error)}${fields}`;
}

export const fmt = {
  date: (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—"),
  deg: (n: number | null | undefined) =>
    n == null || !Number.isFinite(n) ? "—" : `${n.toFixed(0)}°`,
};
