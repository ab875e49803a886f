/**
 * The progress chart a clinician pastes into a report: one panel per exercise, range of motion of
 * the primary joint (degrees, left axis, solid) and quality (percent, right axis, dashed) per
 * session over time, repetitions printed under each point. Plain SVG, no scripts, no fonts to
 * fetch; text is escaped. It carries no name: the report it goes into identifies the patient.
 */
type Point = {
  date: string;
  range_of_motion: number | null;
  quality_score: number | null;
  rep_count: number | null;
};
type Series = { exercise_name: string; primary_joint: string; series: Point[] };

const W = 820;
const PANEL_H = 260;
const M = { top: 40, right: 60, bottom: 50, left: 60 };

const esc = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

function panel(s: Series, offsetY: number) {
  const plotW = W - M.left - M.right;
  const plotH = PANEL_H - M.top - M.bottom;
  const times = s.series.map((p) => new Date(p.date).getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number) => M.left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW);
  const roms = s.series.map((p) => p.range_of_motion).filter((v): v is number => v !== null);
  const romMax = Math.max(30, Math.ceil((Math.max(0, ...roms) + 10) / 30) * 30);
  const yRom = (v: number) => offsetY + M.top + plotH - (v / romMax) * plotH;
  const yQ = (v: number) => offsetY + M.top + plotH - v * plotH;
  const out: string[] = [];
  out.push(
    `<text x="${M.left}" y="${offsetY + 24}" font-size="15" font-weight="bold">${esc(s.exercise_name)} — range of motion (${esc(s.primary_joint)}) and quality</text>`,
  );
  for (let i = 0; i <= 4; i++) {
    const v = (romMax / 4) * i;
    const y = yRom(v);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${M.left - 8}" y="${y + 4}" font-size="11" text-anchor="end">${fmt(v)}°</text>`,
    );
    out.push(
      `<text x="${W - M.right + 8}" y="${y + 4}" font-size="11">${(i * 25).toString()}%</text>`,
    );
  }
  const base = offsetY + M.top + plotH;
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${base}" y2="${base}" stroke="#374151"/>`);
  const romPts = s.series.flatMap((p, i) =>
    p.range_of_motion === null ? [] : [`${x(times[i]!)},${yRom(p.range_of_motion)}`],
  );
  const qPts = s.series.flatMap((p, i) =>
    p.quality_score === null ? [] : [`${x(times[i]!)},${yQ(p.quality_score)}`],
  );
  if (romPts.length)
    out.push(
      `<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${romPts.join(" ")}"/>`,
    );
  if (qPts.length)
    out.push(
      `<polyline fill="none" stroke="#16a34a" stroke-width="2" stroke-dasharray="6 4" points="${qPts.join(" ")}"/>`,
    );
  s.series.forEach((p, i) => {
    const px = x(times[i]!);
    if (p.range_of_motion !== null) {
      out.push(
        `<circle cx="${px}" cy="${yRom(p.range_of_motion)}" r="3.5" fill="#2563eb"><title>${fmt(p.range_of_motion)}°</title></circle>`,
      );
    }
    if (p.rep_count !== null) {
      out.push(
        `<text x="${px}" y="${base + 16}" font-size="10" text-anchor="middle">${p.rep_count} reps</text>`,
      );
    }
  });
  const label = (t: number) => new Date(t).toISOString().slice(0, 10);
  out.push(`<text x="${M.left}" y="${base + 34}" font-size="11">${label(t0)}</text>`);
  if (t1 !== t0)
    out.push(
      `<text x="${W - M.right}" y="${base + 34}" font-size="11" text-anchor="end">${label(t1)}</text>`,
    );
  return out.join("\n");
}

/** The chart for a patient's progress (as `patientProgress` returns it). */
export function progressSvg(progress: { exercises: Series[] }) {
  const panels = progress.exercises.filter((s) => s.series.length > 0);
  const height = Math.max(1, panels.length) * PANEL_H + 30;
  const body = panels.length
    ? panels.map((s, i) => panel(s, i * PANEL_H)).join("\n")
    : `<text x="${W / 2}" y="${PANEL_H / 2}" font-size="14" text-anchor="middle">No analysed sessions yet</text>`;
  const legendY = height - 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="Exercise progress">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    body,
    `<line x1="${M.left}" x2="${M.left + 24}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="#2563eb" stroke-width="2"/>`,
    `<text x="${M.left + 30}" y="${legendY}" font-size="11">Range of motion (°)</text>`,
    `<line x1="${M.left + 170}" x2="${M.left + 194}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="#16a34a" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<text x="${M.left + 200}" y="${legendY}" font-size="11">Quality (%)</text>`,
    `</svg>`,
  ].join("\n");
}
