// The benchmark's knobs, in one place. Every number can be overridden by an environment variable
// (e.g. `BENCH_PATIENTS=500 BENCH_APPOINTMENTS=1000 npm run bench` for a quick trial run).
import { fileURLToPath } from "node:url";

const int = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};

/** BENCH_QUICK=1: a small dataset and short runs, for iterating (about 3 minutes). */
const quick = process.env.BENCH_QUICK === "1";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const config = {
  /** Dataset, created through the API. */
  patients: int("BENCH_PATIENTS", quick ? 500 : 5000),
  appointments: int("BENCH_APPOINTMENTS", quick ? 1000 : 10_000),
  /** Weeks the appointments spread over, centred on now (the bench week is four weeks ahead, so
   * at least 12): e.g. BENCH_WEEKS=12 BENCH_APPOINTMENTS=1152 gives the week its 96 rows in a
   * tenth of the seeding time. */
  weeks: int("BENCH_WEEKS", 104),
  /** Clinicians invited on top of the demo clinic's physiotherapist and doctor (about 20 in all). */
  extraClinicians: int("BENCH_EXTRA_CLINICIANS", quick ? 2 : 18),
  quick,
  /** Requests in flight while seeding. */
  seedConcurrency: int("BENCH_SEED_CONCURRENCY", 8),

  /** Load shape, identical for every target. */
  warmupRequests: int("BENCH_WARMUP", quick ? 100 : 200),
  requests: int("BENCH_REQUESTS", quick ? 500 : 2000),
  concurrency: int("BENCH_CONCURRENCY", 16),
  /** Then, for reference only, this many requests one at a time (latency without queueing). */
  serialRequests: int("BENCH_SERIAL_REQUESTS", quick ? 100 : 300),

  /** Pause before each read and each replayed floor (issue 21): the API's audit consumer stores
   * the previous target's entries for a few seconds after it ends; without the pause that work
   * would land on whatever is measured next. */
  settleMs: int("BENCH_SETTLE_MS", 5000),

  /** The whole run is aborted after this long. */
  deadlineMs: int("BENCH_DEADLINE_MIN", 25) * 60_000,

  /** First port tried for the Workers and their inspectors (ten ports from here). */
  portBase: int("BENCH_PORT_BASE", 8810),

  /** Targets (issue 6): /ping at >= 0.9 of the bare Worker's throughput; each endpoint at >= 0.5
   * of /ping's throughput with 16 in flight and, one at a time, a p50 within 2x of /ping's. */
  minPingVsBare: 0.9,
  minThroughputRatio: 0.5,
  maxSerialP50Ratio: 2,
  localP95Ms: 15,
  seedP95Ms: 150,

  /** BENCH_REUSE=1: keep the state of the previous run and measure its data again (no seeding). */
  reuse: process.env.BENCH_REUSE === "1",
  /** Name of the results file (bench/results/<label>.json), e.g. BENCH_LABEL=before. */
  label: process.env.BENCH_LABEL || "latest",
  datasetFile: ".wrangler/bench-state/dataset.json",

  /** Local files, all under .wrangler/ (ignored by git), wiped at the start of each run. */
  stateDir: ".wrangler/bench-state",
  buildDir: ".wrangler/bench-build",
  logFile: ".wrangler/bench-wrangler.log",
  resultsFile: `bench/results/${process.env.BENCH_LABEL || "latest"}.json`,
};
