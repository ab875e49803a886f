// Starts the API on the real runtime for the benchmark: `wrangler dev --local` (workerd with local
// D1, R2, Durable Objects, Queues) on free ports of 127.0.0.1, with its own persistence directory
// so the developer's local data is never touched.
//
// The Worker is bundled once up front (`wrangler deploy --dry-run --outdir`) and served with
// `--no-bundle`: other people editing src/ while the benchmark runs cannot trigger a rebuild and
// reload in the middle of a measurement.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { config, ROOT } from "./config.mjs";

const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
// No config watching: an edit of wrangler.toml by someone else mid-run would reload the Worker in
// the middle of a measurement (wrangler dev watches its config files otherwise).
const ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CI: "1",
  NO_UPDATE_NOTIFIER: "1",
  WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
};
const path = (relative) => join(ROOT, relative);

/** The local secrets (.dev.vars), created like `npm start` does when missing; returns the seed token. */
export function ensureDevVars() {
  const file = path(".dev.vars");
  if (!existsSync(file)) {
    const secret = () => randomBytes(32).toString("base64url");
    const lines = [
      `JWT_SECRET=${secret()}`,
      `PHI_KEYS=k1:${secret()}`,
      "PHI_ACTIVE_KEY_ID=k1",
      `BLIND_INDEX_KEY=${secret()}`,
      `AUDIT_HMAC_KEY=${secret()}`,
      `PASSWORD_PEPPER=${secret()}`,
      `DEV_SEED_TOKEN=${secret()}`,
      "",
    ];
    writeFileSync(file, lines.join("\n"), { mode: 0o600 });
    console.log("Created .dev.vars with fresh local secrets.");
  }
  const token = /^DEV_SEED_TOKEN=(.*)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
  if (!token) throw new Error(".dev.vars has no DEV_SEED_TOKEN");
  return token;
}

/** Whether nobody listens on `port` of 127.0.0.1 right now. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A free port: the first free one from BENCH_PORT_BASE upwards (default 8810, ten ports, so runs
 * on a shared machine stay in their agreed range), else one the OS picks.
 */
const taken = new Set();
async function freePort() {
  for (let port = config.portBase; port < config.portBase + 10; port++) {
    if (taken.has(port) || !(await portIsFree(port))) continue;
    taken.add(port);
    return port;
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a wrangler command to completion, its output appended to the bench log. */
function wranglerSync(args, what, cwd = ROOT) {
  const log = openSync(path(config.logFile), "a");
  try {
    const run = spawnSync(process.execPath, [WRANGLER, ...args], {
      cwd,
      env: ENV,
      stdio: ["ignore", log, log],
      timeout: 180_000,
    });
    if (run.status !== 0) {
      throw new Error(`${what} failed (exit ${run.status ?? run.signal}); see ${config.logFile}`);
    }
  } finally {
    closeSync(log);
  }
}

export function logTail(lines = 30) {
  try {
    return readFileSync(path(config.logFile), "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The running wrangler process groups, so exit paths can stop them even during start-up. */
const runningGroups = new Set();

/** Synchronous, for exit paths: SIGKILL every wrangler process group still running. */
export function killApiNow() {
  for (const group of runningGroups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  runningGroups.clear();
}

/**
 * Starts `wrangler dev --local --no-bundle` on `script` with `configFile` (plus the Workers of
 * `extraConfigs` in the same process, reachable over service bindings), waits until `probePath`
 * answers 2xx and returns `{ base, stop, pid }`. `stop` sends SIGTERM to the process group, then
 * SIGKILL after 5 seconds.
 */
async function startWorker({
  script,
  configFile,
  extraConfigs = [],
  stateDir,
  probePath,
  name,
  vars = {},
  cwd = ROOT,
}) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = openSync(path(config.logFile), "a");
  const args = [
    WRANGLER,
    "dev",
    script,
    "--config",
    configFile,
    ...extraConfigs.flatMap((file) => ["--config", file]),
    "--no-bundle",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    path(stateDir),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  // Its own process group, so stopping it also stops the workerd processes it starts.
  const child = spawn(process.execPath, args, {
    cwd,
    env: ENV,
    stdio: ["ignore", log, log],
    detached: true,
  });
  closeSync(log);
  runningGroups.add(child.pid);
  let exited = false;
  const exit = new Promise((resolve) => child.once("exit", resolve)).then(() => (exited = true));

  const stop = async () => {
    if (!runningGroups.has(child.pid)) return;
    if (!exited) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await Promise.race([exit, sleep(5000)]);
    }
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    runningGroups.delete(child.pid);
  };

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev (${name}) exited during start-up:\n${logTail()}`);
    try {
      const res = await fetch(base + probePath, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return { base, stop, pid: child.pid, inspectorPort };
    } catch {
      // Not listening yet.
    }
    await sleep(500);
  }
  await stop();
  throw new Error(`${name} did not answer ${probePath} within 120 s:\n${logTail()}`);
}

/**
 * Wipes the bench state and log; call once per run, before starting any Worker. `keepData` keeps
 * the API's D1/R2/Durable Object state (BENCH_REUSE=1: measure again on data seeded earlier).
 */
export function resetBenchState({ keepData = false } = {}) {
  const dirs = [
    `${config.stateDir}-bare`,
    `${config.stateDir}-bare-assets`,
    `${config.stateDir}-bare-shaped`,
    `${config.stateDir}-bare-d1`,
    `${config.stateDir}-echo`,
    `${config.stateDir}-chat-log`,
    config.buildDir,
    `${config.buildDir}-compare`,
  ];
  if (!keepData) dirs.push(config.stateDir);
  for (const dir of dirs) rmSync(path(dir), { recursive: true, force: true });
  mkdirSync(path(config.buildDir), { recursive: true });
  writeFileSync(path(config.logFile), "");
}

/**
 * The rate limits of the API under the bench (issue 19): one client makes thousands of requests a
 * minute, so every limit is set out of reach; the checks still run on every request (the DO gets
 * its reports as in production, every tenth hit). `RATE_LIMITS_OFF` turns the general ones off,
 * for the read path without them.
 */
const OUT_OF_REACH = "1000000000";
export const RATE_LIMITS_ON = Object.fromEntries(
  ["IP", "USER", "POSE", "CALLS", "SFU"].map((n) => [`RATE_LIMIT_${n}_PER_MIN`, OUT_OF_REACH]),
);
export const RATE_LIMITS_OFF = {
  ...RATE_LIMITS_ON,
  RATE_LIMIT_IP_PER_MIN: "0",
  RATE_LIMIT_USER_PER_MIN: "0",
};

/**
 * Writes `out`: the bundle with its default export renamed, then `entry` (a bench-only wrapper
 * such as bench/timed-entry.mjs) wrapping it as the default export (one module: wrangler's
 * --no-bundle would not pick up a second one). Returns `out`.
 */
function wrapBundle(bundle, out, entry, factory) {
  const code = readFileSync(bundle, "utf8");
  const exports = code.lastIndexOf("\nexport {");
  const local = /^\s*(\w+) as default,?$/m.exec(code.slice(exports));
  if (!local) throw new Error("The bundle has no `export { … as default }`");
  const stripped = code.slice(0, exports) + code.slice(exports).replace(local[0], "");
  const wrapper = readFileSync(path(entry), "utf8");
  writeFileSync(out, `${stripped}\n${wrapper}\nexport default ${factory}(${local[1]});\n`);
  return out;
}

/**
 * Bundles the Worker, applies the migrations, starts it beside the assets-only Worker (its ASSETS
 * service binding, assets/wrangler.toml: as deployed) and waits for /health. `vars` are passed
 * as `--var` (default: the rate limits out of reach). `root`: another checkout of the API (its
 * src/, wrangler.toml, migrations; BENCH_COMPARE_ROOT), served on this run's state and secrets.
 */
export async function startApi({
  timed = false,
  capture = false,
  assets = true,
  vars = RATE_LIMITS_ON,
  root = ROOT,
  rebuild = true,
} = {}) {
  const buildDir = path(root === ROOT ? config.buildDir : `${config.buildDir}-compare`);
  const bundle = join(buildDir, "index.js");
  if (root !== ROOT) copyFileSync(path(".dev.vars"), join(root, ".dev.vars"));
  // `rebuild: false`: the bundle of this root's last start, already migrated (a restart on the same data).
  const fresh = rebuild || !existsSync(bundle);
  if (fresh)
    wranglerSync(["deploy", "--dry-run", "--outdir", buildDir], "Bundling the Worker", root);
  if (!existsSync(bundle)) throw new Error(`Bundling produced no ${bundle}`);
  // `timed` (bench/profile.mjs): the bundle behind bench/timed-entry.mjs, which times D1 and queue
  // waits. `capture` (bench/run.mjs): behind bench/capture-entry.mjs, which records a request's D1
  // statements and queue sends for the reads' floor.
  const script = timed
    ? wrapBundle(bundle, join(buildDir, "timed.mjs"), "bench/timed-entry.mjs", "__benchTimedWorker")
    : capture
      ? wrapBundle(
          bundle,
          join(buildDir, "capture.mjs"),
          "bench/capture-entry.mjs",
          "__benchCaptureWorker",
        )
      : bundle;
  if (fresh) {
    wranglerSync(
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path(config.stateDir)],
      "Applying the D1 migrations",
      root,
    );
  }
  return startWorker({
    cwd: root,
    script,
    configFile: "wrangler.toml",
    // Without the assets Worker (`assets: false`), wrangler's inspector shows the API's isolate.
    extraConfigs: assets ? ["assets/wrangler.toml"] : [],
    stateDir: config.stateDir,
    probePath: "/health",
    name: "the API",
    vars,
  });
}

/** The id of the API's D1 database (wrangler.toml): local D1 names its SQLite file after it. */
function apiDatabaseId() {
  const main = readFileSync(path("wrangler.toml"), "utf8");
  const id = /^database_id\s*=\s*"([^"]+)"/m.exec(main)?.[1];
  if (!id) throw new Error("wrangler.toml has no database_id");
  return id;
}

/**
 * Copies the API's local D1 state (`v3/d1/miniflare-D1DatabaseObject/<hash>.sqlite`, -wal, -shm)
 * into the bare D1 Worker's state, where its `DATA` binding (same database id) opens it. Call with
 * the API and that Worker stopped: two workerd processes must not open one SQLite file.
 */
export function copyApiData() {
  const from = path(`${config.stateDir}/v3/d1`);
  const to = path(`${config.stateDir}-bare-d1/v3/d1`);
  if (!existsSync(from)) throw new Error(`No local D1 state in ${from}`);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(path(`${config.stateDir}-bare-d1/v3`), { recursive: true });
  cpSync(from, to, { recursive: true });
}

/** The compatibility date and flags of wrangler.toml, which the floors run with too. */
function compatibility() {
  const main = readFileSync(path("wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(main)?.[1];
  const flags = /^compatibility_flags\s*=\s*(\[[^\]]*\])/m.exec(main)?.[1] ?? "[]";
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return { date, flags };
}

/**
 * The socket floor: bench/bare/echo.mjs (a Durable Object echoing every message) on the same
 * runtime, compatibility date and flags as the API.
 */
export async function startEcho() {
  const { date, flags } = compatibility();
  const configFile = join(path(config.buildDir), "echo.wrangler.toml");
  const script = path("bench/bare/echo.mjs");
  writeFileSync(
    configFile,
    [
      'name = "rehab-edge-bench-echo"',
      `main = ${JSON.stringify(script)}`,
      `compatibility_date = "${date}"`,
      `compatibility_flags = ${flags}`,
      "[[durable_objects.bindings]]",
      'name = "Echo"',
      'class_name = "Echo"',
      "[[migrations]]",
      'tag = "v1"',
      'new_sqlite_classes = ["Echo"]',
      "",
    ].join("\n"),
  );
  return startWorker({
    script,
    configFile,
    stateDir: `${config.stateDir}-echo`,
    probePath: "/",
    name: "the echo Worker",
  });
}

/**
 * Issue 21's log-of-record prototype (bench/bare/chat-log.mjs, bench only): a chat room Durable
 * Object with its own SQLite log and a D1 database of its own behind it, on the same runtime,
 * compatibility date and flags as the API.
 */
export async function startChatLog() {
  const { date, flags } = compatibility();
  const configFile = join(path(config.buildDir), "chat-log.wrangler.toml");
  const script = path("bench/bare/chat-log.mjs");
  writeFileSync(
    configFile,
    [
      'name = "rehab-edge-bench-chat-log"',
      `main = ${JSON.stringify(script)}`,
      `compatibility_date = "${date}"`,
      `compatibility_flags = ${flags}`,
      "[[durable_objects.bindings]]",
      'name = "ChatLog"',
      'class_name = "ChatLog"',
      "[[migrations]]",
      'tag = "v1"',
      'new_sqlite_classes = ["ChatLog"]',
      "[[d1_databases]]",
      'binding = "DB"',
      'database_name = "bench-chat-log"',
      'database_id = "00000000-0000-0000-0000-000000000002"',
      "",
    ].join("\n"),
  );
  return startWorker({
    script,
    configFile,
    stateDir: `${config.stateDir}-chat-log`,
    probePath: "/",
    name: "the chat-log prototype Worker",
  });
}

/**
 * The floor: bench/bare/worker.mjs on the same runtime, with the API's compatibility date and
 * flags copied from wrangler.toml into a config of its own (no bindings).
 */
export async function startBare({
  assets = false,
  shaped = false,
  d1 = false,
  replay = null,
} = {}) {
  const { date, flags } = compatibility();
  const variant = assets ? "bare-assets" : shaped ? "bare-shaped" : d1 ? "bare-d1" : "bare";
  const configFile = join(path(config.buildDir), `${variant}.wrangler.toml`);
  // `shaped`: bench/bare/shaped.mjs, the same floor answering /ping's headers and body.
  // `d1`: bench/bare/d1.mjs, one D1 query (and, on /queue, one queue send) per request; with
  // `replay` ({ plan: { read: steps } }, from bench/capture-entry.mjs) also the API's own batches
  // on a copy of its database (`copyApiData` first): `/replay/<plan>/<read>`.
  const script = path(
    shaped ? "bench/bare/shaped.mjs" : d1 ? "bench/bare/d1.mjs" : "bench/bare/worker.mjs",
  );
  // `assets`: the same Worker behind the API's asset layer (an [assets] section with
  // run_worker_first, as wrangler.toml has), to measure what that layer alone costs.
  const assetsDir = join(path(config.buildDir), "bare-assets");
  if (assets) mkdirSync(assetsDir, { recursive: true });
  writeFileSync(
    configFile,
    [
      `name = "rehab-edge-bench-${variant}"`,
      `main = ${JSON.stringify(script)}`,
      `compatibility_date = "${date}"`,
      `compatibility_flags = ${flags}`,
      ...(assets
        ? [
            "[assets]",
            `directory = ${JSON.stringify(assetsDir)}`,
            'binding = "ASSETS"',
            "run_worker_first = true",
          ]
        : []),
      ...(d1
        ? [
            "[[d1_databases]]",
            'binding = "DB"',
            'database_name = "bench-floor"',
            'database_id = "00000000-0000-0000-0000-000000000001"',
            ...(replay
              ? [
                  "[[d1_databases]]",
                  'binding = "DATA"',
                  'database_name = "bench-floor-data"',
                  `database_id = "${apiDatabaseId()}"`,
                ]
              : []),
            "[[queues.producers]]",
            'binding = "JOBS"',
            'queue = "rehab-edge-bench-floor"',
            "[[queues.consumers]]",
            'queue = "rehab-edge-bench-floor"',
            "max_batch_size = 10",
            "max_batch_timeout = 1",
            ...(replay
              ? [
                  // The replayed audit sends go to a queue set up as the API's AUDIT queue.
                  "[[queues.producers]]",
                  'binding = "AUDIT"',
                  'queue = "rehab-edge-bench-floor-audit"',
                  "[[queues.consumers]]",
                  'queue = "rehab-edge-bench-floor-audit"',
                  "max_batch_size = 100",
                  "max_batch_timeout = 1",
                  "[vars]",
                  // A TOML basic string takes JSON's escapes as they are.
                  `REPLAY = ${JSON.stringify(JSON.stringify(replay))}`,
                ]
              : []),
          ]
        : []),
      "",
    ].join("\n"),
  );
  const bare = await startWorker({
    script,
    configFile,
    stateDir: `${config.stateDir}-${variant}`,
    probePath: "/",
    name: assets
      ? "the bare Worker behind [assets]"
      : shaped
        ? "the bare Worker with /ping's response"
        : d1
          ? "the bare D1 Worker"
          : "the bare Worker",
  });
  return { ...bare, compatibility: { date, flags: JSON.parse(flags) } };
}
