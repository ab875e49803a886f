/**
 * An SVG line chart of one joint angle over time with the target band, repetitions as shaded
 * spans and form issues as markers; every mark is a keyboard-reachable button that seeks the video.
 */
export type Mark = { kind: "rep" | "issue"; start: number; end: number; label: string };

const NS = "http://www.w3.org/2000/svg";
const W = 640;
const H = 220;
const PAD = { l: 36, r: 8, t: 8, b: 22 };

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text) e.textContent = text;
  return e;
}

export function angleChart(
  points: { t: number; v: number }[],
  marks: Mark[],
  target: { min: number; max: number } | null,
  seek: (ms: number) => void,
  title: string,
): SVGSVGElement {
  const svg = el("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "chart",
    id: "angle-chart",
    role: "group",
    "aria-label": title,
  }) as SVGSVGElement;
  svg.append(el("title", {}, title));
  const tMax = Math.max(1, ...points.map((p) => p.t), ...marks.map((m) => m.end));
  const x = (t: number) => PAD.l + (t / tMax) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - v / 180) * (H - PAD.t - PAD.b);
  for (const v of [0, 45, 90, 135, 180]) {
    svg.append(el("line", { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(el("text", { x: 2, y: y(v) + 4, class: "axis" }, `${v}°`));
  }
  svg.append(
    el(
      "text",
      { x: W - PAD.r, y: H - 4, class: "axis", "text-anchor": "end" },
      `${(tMax / 1000).toFixed(1)} s`,
    ),
  );
  if (target)
    svg.append(
      el("rect", {
        x: PAD.l,
        width: W - PAD.l - PAD.r,
        y: y(target.max),
        height: Math.max(1, y(target.min) - y(target.max)),
        class: "target",
      }),
    );
  const addMark = (m: Mark, shape: SVGElement) => {
    const g = el("g", {
      tabindex: 0,
      role: "button",
      class: `mark ${m.kind}`,
      "aria-label": `${m.label} at ${(m.start / 1000).toFixed(1)} seconds`,
    });
    g.append(el("title", {}, m.label), shape);
    g.addEventListener("click", () => seek(m.start));
    g.addEventListener("keydown", (e) => {
      const k = (e as KeyboardEvent).key;
      if (k === "Enter" || k === " ") {
        e.preventDefault();
        seek(m.start);
      }
    });
    svg.append(g);
  };
  for (const m of marks.filter((m) => m.kind === "rep"))
    addMark(
      m,
      el("rect", {
        x: x(m.start),
        width: Math.max(2, x(m.end) - x(m.start)),
        y: PAD.t,
        height: H - PAD.t - PAD.b,
      }),
    );
  if (points.length)
    svg.append(
      el("polyline", {
        points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" "),
        class: "line",
      }),
    );
  for (const m of marks.filter((m) => m.kind === "issue"))
    addMark(m, el("circle", { cx: x(m.start), cy: PAD.t + 8, r: 6 }));
  return svg;
}
