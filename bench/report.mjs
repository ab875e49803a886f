// Turns the measurements into ratios against the bare Worker and /ping of the same run, PASS/MISS
// marks against issue 6's targets, a Markdown table for the README, and bench/results/latest.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "./config.mjs";

const mark = (ok) => (ok ? "PASS" : "MISS");
const fixed = (n, digits = 1) => (n === null || n === undefined ? "n/a" : n.toFixed(digits));
const ratio = (a, b, digits = 3) => (b ? Math.round((a / b) * 10 ** digits) / 10 ** digits : null);

/**
 * Adds `vs_bare`, `vs_ping` and `checks` to each result. Roles: "bare" (the floor), "baseline"
 * (/ping, judged against the bare Worker), "reference" (shown, not judged), "target".
 */
export function judge(results, config) {
  const bare = results.find((r) => r.role === "bare");
  const ping = results.find((r) => r.role === "baseline");
  return results.map((r) => {
    const vsBare = bare && {
      throughput: ratio(r.requests_per_s, bare.requests_per_s),
      serial_p50: ratio(r.serial?.latency_ms.p50, bare.serial?.latency_ms.p50, 2),
    };
    const vsPing = ping && {
      throughput: ratio(r.requests_per_s, ping.requests_per_s),
      p95: ratio(r.latency_ms.p95, ping.latency_ms.p95, 2),
      serial_p50: ratio(r.serial?.latency_ms.p50, ping.serial?.latency_ms.p50, 2),
    };
    let checks = null;
    if (r.role === "baseline" && vsBare) {
      checks = {
        throughput: {
          target: `>= ${config.minPingVsBare} of bare`,
          ok: vsBare.throughput >= config.minPingVsBare,
        },
      };
    } else if (r.role === "target" && vsPing) {
      checks = {
        throughput: {
          target: `>= ${config.minThroughputRatio} of /ping`,
          ok: vsPing.throughput >= config.minThroughputRatio,
        },
        serial_p50: {
          target: `<= ${config.maxSerialP50Ratio}x /ping`,
          ok: vsPing.serial_p50 !== null && vsPing.serial_p50 <= config.maxSerialP50Ratio,
        },
        p95_local: {
          target: `< ${config.localP95Ms} ms`,
          ok: r.latency_ms.p95 < config.localP95Ms,
        },
      };
    }
    if (checks)
      checks.no_errors = { target: "0 non-2xx", ok: r.errors + (r.serial?.errors ?? 0) === 0 };
    return { ...r, vs_bare: vsBare ?? null, vs_ping: vsPing ?? null, checks };
  });
}

/** The Markdown block: what was run, then one row per target. */
export function markdown(judged, { config, dataset, load, startedAt, seconds, compatibility }) {
  const head = [
    `Benchmark of ${startedAt.slice(0, 10)} (\`npm run bench\`${config.quick ? ", BENCH_QUICK=1" : ""}, whole run ${Math.round(seconds)} s): \`wrangler dev --local\` (workerd, local D1),`,
    `beside a bare Worker (\`bench/bare/worker.mjs\`, same runtime, compatibility date ${compatibility?.date}, flags ${JSON.stringify(compatibility?.flags ?? [])}).`,
    `${dataset.patients} patients, ${dataset.appointments} appointments and ${dataset.clinicians} clinicians, all created through the API.`,
    `Per target ${load.requests} requests after ${load.warmup} warm-up with ${load.concurrency} in flight, then ${load.serialRequests} one at a time,`,
    `as the physiotherapist, on ${cpus().length} CPUs (load average ${loadavg()[0].toFixed(1)}, shared). PASS/MISS: /ping >= ${config.minPingVsBare} of bare;`,
    `targets >= ${config.minThroughputRatio} of /ping's req/s and, one at a time, p50 <= ${config.maxSerialP50Ratio}x /ping's.`,
    "",
  ];
  const columns = [
    ["target", "---"],
    [`req/s (${load.concurrency} in flight)`, "---:"],
    ["vs bare", "---:"],
    ["vs /ping", "---:"],
    ["p50 / p95 ms", "---:"],
    ["1 at a time p50 / p95 ms", "---:"],
    ["p50 vs /ping", "---:"],
    ["errors", "---:"],
  ];
  const line = (cells) => `| ${cells.join(" | ")} |`;
  const rows = [line(columns.map(([title]) => title)), line(columns.map(([, align]) => align))];
  for (const r of judged) {
    const { latency_ms: l, checks: c, vs_bare: vb, vs_ping: vp, serial } = r;
    const throughputVsPing =
      r.role === "target"
        ? `${fixed(vp?.throughput, 2)} ${mark(c.throughput.ok)}`
        : fixed(vp?.throughput, 2);
    const throughputVsBare =
      r.role === "baseline"
        ? `${fixed(vb?.throughput, 2)} ${mark(c.throughput.ok)}`
        : fixed(vb?.throughput, 2);
    const serialVsPing =
      r.role === "target"
        ? `${fixed(vp?.serial_p50, 2)}x ${mark(c.serial_p50.ok)}`
        : `${fixed(vp?.serial_p50, 2)}x`;
    rows.push(
      line([
        r.name,
        fixed(r.requests_per_s, 0),
        fixed(vb?.throughput, 2) === "n/a" ? "" : throughputVsBare,
        throughputVsPing,
        `${fixed(l.p50)} / ${fixed(l.p95)}`,
        serial ? `${fixed(serial.latency_ms.p50)} / ${fixed(serial.latency_ms.p95)}` : "",
        serialVsPing,
        String(r.errors + (serial?.errors ?? 0)),
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
