// `node bench/pose.mjs`: the pose Worker on the real runtime (wrangler dev --local, loopback, free
// ports), fed pose.jpg (1000×667), each model it serves side by side (BlazePose lite, MoveNet
// Lightning): the cold first call, then warm inference p50/p95 (client-side latency and the
// Worker's own inference_ms), the wasm heap once that model is loaded too, decoding the same image
// alone, workerd's resident memory, and the Worker's upload size (gzip). Bounded per model: at
// most POSE_BENCH_RUNS warm calls (default 30) or POSE_BENCH_SECONDS (default 60), whichever first.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = new URL("..", import.meta.url).pathname;
const IMAGE = readFileSync(join(ROOT, "test/pose/fixtures/pose.jpg"));
const RUNS = Number(process.env.POSE_BENCH_RUNS ?? 30);
const SECONDS = Number(process.env.POSE_BENCH_SECONDS ?? 60);
const { buildPoseWorker } = await import("../scripts/build-pose.mjs");

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (v) => `${v.toFixed(0)} ms`;
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

/** Resident memory of the workerd processes under our wrangler (Linux /proc). */
function workerdRss(rootPid) {
  const children = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
    } catch {
      // Gone meanwhile.
    }
  }
  let rss = 0;
  const walk = (pid) => {
    for (const child of children.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, "utf8").includes("workerd")) {
          rss +=
            Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child}/status`, "utf8"))[1]) * 1024;
        }
      } catch {
        // Gone meanwhile.
      }
      walk(child);
    }
  };
  walk(rootPid);
  return rss;
}

const dist = buildPoseWorker();
const uploadGzip = readdirSync(dist)
  .filter((f) => !f.endsWith(".map") && f !== "README.md")
  .reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f))).length, 0);

const port = await freePort();
const inspector = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = spawn(
  process.execPath,
  [
    join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "-c",
    "pose/wrangler.toml",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ],
  {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_UPDATE_NOTIFIER: "1" },
    stdio: "ignore",
    detached: true,
  },
);
const stop = () => {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
};
process.on("exit", stop);
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => process.exit(130));

const post = async (path) => {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, { method: "POST", body: IMAGE });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return { body, latency: performance.now() - started };
};

try {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/v1/models`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error("the pose Worker did not start within 120 s");
    await sleep(300);
  }
  const idleRss = workerdRss(child.pid);
  const served = (await (await fetch(`${base}/v1/models`)).json()).models;
  // POSE_BENCH_MODELS=movenet-lightning measures one model alone (its own wasm heap).
  const only = process.env.POSE_BENCH_MODELS?.split(",");
  const models = only ? served.filter((m) => only.includes(m)) : served;
  const rows = [];
  for (const model of models) {
    const path = `/v1/estimate?model=${model}`;
    const cold = await post(path);
    const latencies = [];
    const inference = [];
    const until = Date.now() + SECONDS * 1000;
    for (let i = 0; i < RUNS && Date.now() < until; i++) {
      const { body, latency } = await post(path);
      latencies.push(latency);
      inference.push(body.inference_ms);
    }
    const stats = await (await fetch(`${base}/v1/stats`)).json();
    rows.push({ model, format: cold.body.keypoint_format, cold, latencies, inference, stats });
  }
  const decodes = [];
  for (let i = 0; i < 10; i++) decodes.push((await post("/v1/decode")).body.decode_ms);
  const rss = workerdRss(child.pid);

  console.log(`pose Worker bench: pose.jpg 1000×667, models side by side (${models.join(", ")})`);
  console.log(
    "  model              keypoints     cold     warm p50/p95    inference p50/p95   wasm heap after",
  );
  for (const r of rows) {
    console.log(
      `  ${r.model.padEnd(18)} ${String(r.format).padEnd(12)} ${ms(r.cold.latency).padStart(8)}` +
        `   ${ms(pct(r.latencies, 50)).padStart(7)} / ${ms(pct(r.latencies, 95)).padEnd(7)}` +
        `   ${ms(pct(r.inference, 50)).padStart(7)} / ${ms(pct(r.inference, 95)).padEnd(7)}` +
        `   ${mb(r.stats.wasm_heap_bytes)} (${r.latencies.length} warm runs)`,
    );
  }
  console.log(`  decode alone (JPEG)  p50 ${ms(pct(decodes, 50))}  p95 ${ms(pct(decodes, 95))}`);
  const last = rows.at(-1).stats;
  console.log(`  tensors held         ${mb(last.tensor_bytes)} with the models above loaded`);
  console.log(`  workerd RSS          ${mb(idleRss)} idle → ${mb(rss)} after the runs`);
  console.log(`  upload size (gzip)   ${mb(uploadGzip)}`);
} finally {
  stop();
}
