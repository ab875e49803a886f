/**
 * The patient's vital signs: a small line chart drawn here from the API's list (blood pressure and
 * heart rate over time) and the same readings as a table, which is the chart's text alternative
 * (the SVG names itself and points to the table). Lines differ by marker shape and dash as well as
 * colour, so they stay apart in greyscale.
 */
import type { Schemas } from "../../api";
import { day } from "./format";

type Vital = Schemas["Vital"];

const W = 640;
const H = 200;
const PAD = { l: 40, r: 12, t: 10, b: 26 };

const SERIES = [
  { key: "systolic_bp", label: "Systolic BP (mmHg)", cls: "sys" },
  { key: "diastolic_bp", label: "Diastolic BP (mmHg)", cls: "dia" },
  { key: "heart_rate", label: "Heart rate (beats/min)", cls: "hr" },
] as const;

const COLUMNS: { key: keyof Vital; label: string }[] = [
  { key: "systolic_bp", label: "Systolic" },
  { key: "diastolic_bp", label: "Diastolic" },
  { key: "heart_rate", label: "Heart rate" },
  { key: "oxygen_saturation", label: "SpO₂ %" },
  { key: "temperature", label: "Temp °C" },
  { key: "weight", label: "Weight kg" },
];

function Marker(props: { cls: string; x: number; y: number }) {
  const { x, y } = props;
  if (props.cls === "dia")
    return <rect class="marker" x={x - 3.5} y={y - 3.5} width={7} height={7} />;
  if (props.cls === "hr")
    return <polygon class="marker" points={`${x},${y - 5} ${x + 5},${y + 4} ${x - 5},${y + 4}`} />;
  return <circle class="marker" cx={x} cy={y} r={4} />;
}

export function VitalsChart(props: { vitals: Vital[] }) {
  // The API lists newest first; the chart reads left (oldest) to right.
  const rows = [...props.vitals].sort((a, b) => a.recorded_date.localeCompare(b.recorded_date));
  if (!rows.length) return <p id="vitals-empty">No vital signs recorded yet.</p>;
  const values = rows
    .flatMap((v) => SERIES.map((s) => v[s.key]))
    .filter((n): n is number => n != null);
  const lo = values.length ? Math.floor((Math.min(...values) - 10) / 10) * 10 : 0;
  const hi = values.length ? Math.ceil((Math.max(...values) + 10) / 10) * 10 : 100;
  const t0 = Date.parse(rows[0]!.recorded_date);
  const span = Math.max(1, Date.parse(rows.at(-1)!.recorded_date) - t0);
  const x = (iso: string) =>
    rows.length === 1
      ? (PAD.l + W - PAD.r) / 2
      : PAD.l + ((Date.parse(iso) - t0) / span) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - (v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const step = hi - lo > 100 ? 40 : 20;
  const grid: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) grid.push(v);
  return (
    <figure class="vitals">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        class="chart vitals-chart"
        id="vitals-chart"
        role="img"
        aria-labelledby="vitals-chart-title vitals-chart-desc"
      >
        <title id="vitals-chart-title">Blood pressure and heart rate over time</title>
        <desc id="vitals-chart-desc">
          {`${rows.length} readings from ${day(rows[0]!.recorded_date)} to ${day(rows.at(-1)!.recorded_date)}; every value is in the table below.`}
        </desc>
        {grid.map((v) => (
          <>
            <line class="grid" x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} />
            <text class="axis" x={4} y={y(v) + 4}>
              {String(v)}
            </text>
          </>
        ))}
        <text class="axis" x={PAD.l} y={H - 6}>
          {day(rows[0]!.recorded_date)}
        </text>
        <text class="axis" x={W - PAD.r} y={H - 6} text-anchor="end">
          {day(rows.at(-1)!.recorded_date)}
        </text>
        {SERIES.map((s) => {
          const pts = rows
            .filter((v) => v[s.key] != null)
            .map((v) => ({ x: x(v.recorded_date), y: y(v[s.key]!) }));
          return (
            <g class={`series ${s.cls}`} data-series={s.key}>
              <polyline points={pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")} />
              {pts.map((p) => (
                <Marker cls={s.cls} x={p.x} y={p.y} />
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="legend" aria-hidden="true">
          {SERIES.map((s) => (
            <li class={s.cls}>
              <svg viewBox="0 0 24 12" class="key">
                <line x1={0} x2={24} y1={6} y2={6} />
                <Marker cls={s.cls} x={12} y={6} />
              </svg>
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <div class="table-scroll">
        <table id="vitals-table">
          <caption>Vital signs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              {COLUMNS.map((c) => (
                <th scope="col">{c.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.vitals.map((v) => (
              <tr>
                <th scope="row">{day(v.recorded_date)}</th>
                {COLUMNS.map((c) => (
                  <td>{v[c.key] == null ? "—" : String(v[c.key])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
