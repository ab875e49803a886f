// Starts the API on the real runtime for the benchmark: `wrangler dev --local` (workerd with local
// D1, R2, Durable Objects, Queues) on free ports of 127.0.0.1, with its own persistence directory
// so the developer's local data is never touched.
//
// The Worker is bundled once up front (`wrangler deploy --dry-run --outdir`) and served with
// `--no-bundle`: other people editing src/ while the benchmark runs cannot trigger a rebuild and
// reload in the middle of a measurement.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { config, ROOT } from "./config.mjs";

const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_UPDATE_NOTIFIER: "1" };
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

/** A port nobody listens on right now (the OS picks it). */
function freePort() {
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
function wranglerSync(args, what) {
  const log = openSync(path(config.logFile), "a");
  try {
    const run = spawnSync(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
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

/** The running wrangler's process group, so exit paths can stop it even during start-up. */
let runningGroup = null;

/** Synchronous, for exit paths: SIGKILL the whole wrangler process group, if one runs. */
export function killApiNow() {
  if (runningGroup === null) return;
  try {
    process.kill(-runningGroup, "SIGKILL");
  } catch {
    // Already gone.
  }
  runningGroup = null;
}

/**
 * Wipes the bench state, bundles the Worker, applies the migrations, starts `wrangler dev` and
 * waits for /health. Returns `{ base, stop, pid }`.
 */
export async function startApi() {
  for (const dir of [config.stateDir, config.buildDir])
    rmSync(path(dir), { recursive: true, force: true });
  writeFileSync(path(config.logFile), "");

  const bundle = join(path(config.buildDir), "index.js");
  wranglerSync(["deploy", "--dry-run", "--outdir", path(config.buildDir)], "Bundling the Worker");
  if (!existsSync(bundle)) throw new Error(`Bundling produced no ${bundle}`);
  wranglerSync(
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path(config.stateDir)],
    "Applying the D1 migrations",
  );

  const port = await freePort();
  const inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = openSync(path(config.logFile), "a");
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      bundle,
      "--config",
      "wrangler.toml",
      "--no-bundle",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      path(config.stateDir),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    // Its own process group, so stopping it also stops the workerd processes it starts.
    { cwd: ROOT, env: ENV, stdio: ["ignore", log, log], detached: true },
  );
  closeSync(log);
  runningGroup = child.pid;
  let exited = false;
  const exit = new Promise((resolve) => child.once("exit", resolve)).then(() => (exited = true));

  /** Polite: SIGTERM to the group, then SIGKILL after 5 seconds. */
  const stop = async () => {
    if (runningGroup === null) return;
    if (!exited) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await Promise.race([exit, sleep(5000)]);
    }
    killApiNow();
  };

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited during start-up:\n${logTail()}`);
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return { base, stop, pid: child.pid };
    } catch {
      // Not listening yet.
    }
    await sleep(500);
  }
  await stop();
  throw new Error(`The API did not answer /health within 120 s:\n${logTail()}`);
}
