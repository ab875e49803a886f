// Turns the measurements into ratios against the baseline of the same run, PASS/MISS marks, a
// Markdown table for the README, and bench/results/latest.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "./config.mjs";

const mark = (ok) => (ok ? "PASS" : "MISS");
const fixed = (n, digits = 1) => (n === null || n === undefined ? "n/a" : n.toFixed(digits));

/** Adds `vs_baseline` and `checks` to each result of role "target" (baseline and references get none). */
export function judge(results, config) {
  const baseline = results.find((r) => r.role === "baseline");
  return results.map((r) => {
    if (r.role !== "target") return { ...r, vs_baseline: null, checks: null };
    const throughputRatio = r.requests_per_s / baseline.requests_per_s;
    const p95Ratio = r.latency_ms.p95 / baseline.latency_ms.p95;
    return {
      ...r,
      vs_baseline: {
        throughput_ratio: Math.round(throughputRatio * 1000) / 1000,
        p95_ratio: Math.round(p95Ratio * 100) / 100,
      },
      checks: {
        throughput_ratio: {
          target: `>= ${config.minThroughputRatio}`,
          ok: throughputRatio >= config.minThroughputRatio,
        },
        p95_local: {
          target: `< ${config.localP95Ms} ms`,
          ok: r.latency_ms.p95 < config.localP95Ms,
        },
        p95_seed: { target: `< ${config.seedP95Ms} ms`, ok: r.latency_ms.p95 < config.seedP95Ms },
        no_errors: { target: "0 non-2xx", ok: r.errors === 0 },
      },
    };
  });
}

/** The Markdown block: what was run, then one row per target. */
export function markdown(judged, { config, dataset, load, startedAt, seconds }) {
  const head = [
    `Benchmark of ${startedAt.slice(0, 10)} (\`npm run bench\`, whole run ${Math.round(seconds)} s): \`wrangler dev --local\` (workerd, local D1);`,
    `${dataset.patients} patients, ${dataset.appointments} appointments and ${dataset.clinicians} clinicians, all created through the API.`,
    `Per target ${load.requests} requests after ${load.warmup} warm-up, ${load.concurrency} in flight, as the physiotherapist,`,
    `on ${cpus().length} CPUs (load average ${loadavg()[0].toFixed(1)}, shared). Ratios are to \`GET /ping\` in the same run;`,
    `PASS/MISS judge the ${load.concurrency}-in-flight numbers: throughput ratio >= ${config.minThroughputRatio},`,
    `p95 < ${config.localP95Ms} ms (local target), p95 < ${config.seedP95Ms} ms (seed 001).`,
    `The last column, for reference: p50/p95 of ${load.serialRequests} requests sent one at a time (no queueing).`,
    "",
  ];
  const columns = [
    ["target", "---"],
    ["req/s", "---:"],
    ["p50 ms", "---:"],
    ["p95 ms", "---:"],
    ["p99 ms", "---:"],
    ["errors", "---:"],
    ["req/s vs ping", "---:"],
    ["p95 vs ping", "---:"],
    [`p95 < ${config.localP95Ms} ms`, ":---:"],
    [`p95 < ${config.seedP95Ms} ms`, ":---:"],
    ["1 in flight: p50/p95 ms", "---:"],
  ];
  const line = (cells) => `| ${cells.join(" | ")} |`;
  const rows = [line(columns.map(([title]) => title)), line(columns.map(([, align]) => align))];
  for (const r of judged) {
    const { latency_ms: l, checks: c, vs_baseline: vs, serial } = r;
    rows.push(
      line([
        r.name,
        fixed(r.requests_per_s, 0),
        fixed(l.p50),
        fixed(l.p95),
        fixed(l.p99),
        String(r.errors + (serial?.errors ?? 0)),
        vs ? `${fixed(vs.throughput_ratio, 2)} ${mark(c.throughput_ratio.ok)}` : `(${r.role})`,
        vs ? `${fixed(vs.p95_ratio, 1)}x` : "",
        c ? mark(c.p95_local.ok) : "",
        c ? mark(c.p95_seed.ok) : "",
        serial ? `${fixed(serial.latency_ms.p50)} / ${fixed(serial.latency_ms.p95)}` : "",
      ]),
    );
  }
  return [...head, ...rows].join("\n");
}

export function writeResults(file, data) {
  const target = join(ROOT, file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(data, null, 2)}\n`);
  return target;
}
