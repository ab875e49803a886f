/**
 * End-to-end harness: the real `npm start` (wrangler dev --local: the API Worker and the pose
 * Worker on workerd, local D1/R2/Durable Objects/Queues) on a port of the caller's choosing with a
 * fresh persistence directory, and headless Debian Chromium driven by playwright-core.
 *
 * Each e2e file picks its own port (the machine is shared: engineers and CI runs must not collide)
 * and calls `startServer({ port })` in `beforeAll`, `stop()` in `afterAll`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const root = new URL("../..", import.meta.url).pathname;

export type Login = { role: string; email: string; name: string };

export type Server = {
  /** e.g. `http://127.0.0.1:8900` */
  base: string;
  /** The seeded demo clinic's logins (one per role) and their shared password. */
  logins: Login[];
  password: string;
  /** Stops wrangler and workerd (the whole process group) and removes the state directory. */
  stop(): Promise<void>;
};

/** Stops a detached child and everything it started (wrangler spawns workerd). */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `scripts/start.mjs` on `port` (inspector on `inspectorPort`, default port + 1) with a
 * fresh temporary persistence directory; resolves once /health answers and the demo clinic is
 * seeded. Rejects (after stopping the server) if that takes longer than `timeoutMs`.
 */
export async function startServer(options: {
  port: number;
  inspectorPort?: number;
  timeoutMs?: number;
}): Promise<Server> {
  const { port, inspectorPort = port + 1, timeoutMs = 150_000 } = options;
  const dir = mkdtempSync(join(tmpdir(), "rehab-e2e-"));
  const readyFile = join(dir, "ready.json");
  const log: string[] = [];
  const child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    detached: true, // its own process group, so stop() ends workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      INSPECTOR_PORT: String(inspectorPort),
      PERSIST_TO: join(dir, "state"),
      READY_FILE: readyFile,
      // One browser and its sockets from 127.0.0.1 make more than the general 100 a minute.
      RATE_LIMIT_IP_PER_MIN: "1000000",
      RATE_LIMIT_USER_PER_MIN: "1000000",
    },
  });
  // Keep the tail of the server's output for the error message if it never comes up.
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);

  const stop = async () => {
    await killGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        `npm start on port ${port} did not come up (exit ${child.exitCode}):\n${log.join("").slice(-4000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 50)); // the file is written in one call; let it land
  const ready = JSON.parse(readFileSync(readyFile, "utf8")) as {
    base: string;
    success: boolean;
    data?: { logins: Login[]; password: string };
    error?: unknown;
  };
  if (!ready.success || !ready.data) {
    await stop();
    throw new Error(`seeding the demo clinic failed: ${JSON.stringify(ready.error)}`);
  }
  return { base: ready.base, logins: ready.data.logins, password: ready.data.password, stop };
}

/**
 * Attaches to a server already started with READY_FILE (e.g. `PORT=8902 READY_FILE=/tmp/r.json
 * npm start`) instead of starting one: set E2E_READY_FILE while iterating on a test. stop() leaves
 * that server running.
 */
export function attachedServer(): Server | null {
  const file = process.env.E2E_READY_FILE;
  if (!file) return null;
  const ready = JSON.parse(readFileSync(file, "utf8"));
  return {
    base: ready.base,
    logins: ready.data.logins,
    password: ready.data.password,
    stop: async () => {},
  };
}

/** The seeded login of a role (e.g. "clinician", "patient"); throws if the seed has none. */
export function loginOf(server: Server, role: string): Login {
  const login = server.logins.find((l) => l.role === role);
  if (!login) throw new Error(`the demo clinic has no ${role} login`);
  return login;
}

export type Tokens = { access_token: string; refresh_token?: string; [k: string]: unknown };

/**
 * Signs in through the API (`POST /api/v1/auth/login`) and returns the token answer. Demo logins
 * have no MFA enrolled; an account that needs MFA makes this throw with the API's answer.
 */
export async function apiLogin(server: Server, email: string): Promise<Tokens> {
  const res = await fetch(`${server.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: server.password }),
  });
  const body = (await res.json()) as { success: boolean; data?: Tokens };
  if (!res.ok || !body.data?.access_token)
    throw new Error(`login of ${email} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

/** A JSON call to the API with a bearer token; returns status and the parsed envelope. */
export async function apiCall<T = unknown>(
  server: Server,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: { success: boolean; data: T; error?: unknown } }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Launches headless Debian Chromium. playwright-core gives each launch a fresh temporary profile
 * (user-data dir) and removes it on close; each `browser.newContext()` is a separate session.
 * `fakeVideo`: a .y4m file the fake camera plays (camera and microphone permission granted).
 */
export async function launchChromium(options: { fakeVideo?: string } = {}): Promise<{
  browser: Browser;
  close(): Promise<void>;
}> {
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
  ];
  if (options.fakeVideo)
    args.push(
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${options.fakeVideo}`,
    );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args,
    timeout: 60_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}

/**
 * Converts a video (default: the pose_1.mp4 fixture kept in test/pose/fixtures, so a bare clone
 * runs) to y4m in a temporary directory for
 * Chromium's fake camera; the result is never committed. Returns the file and a cleanup.
 */
export function fixtureY4m(source = join(root, "test/pose/fixtures/pose_1.mp4")): {
  file: string;
  cleanup(): void;
} {
  const fixtures = source;
  const dir = mkdtempSync(join(tmpdir(), "rehab-e2e-y4m-"));
  const file = join(dir, "pose_1.y4m");
  const result = spawnSync(
    "ffmpeg",
    ["-loglevel", "error", "-y", "-i", fixtures, "-pix_fmt", "yuv420p", file],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  if (result.status !== 0)
    throw new Error(`ffmpeg failed (${result.status}): ${result.stderr?.toString()}`);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where each run saves its screenshots (ignored by git). */
export const SCREENSHOTS = join(root, "test/e2e/screenshots");

/** Signs `email` in on the console's sign-in form; resolves once the header names the user. */
export async function signIn(page: Page, server: Server, email: string, timeout = 60_000) {
  await page.goto(`${server.base}/console`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#who").waitFor({ timeout });
}
