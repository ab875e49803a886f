// Where a week-view request's time goes: starts the API on the data of the last `npm run bench`
// (BENCH_REUSE semantics: nothing is seeded), records a CPU profile of the Worker's isolate
// through workerd's inspector (the `--inspector-port` of wrangler dev) while the calendar week is
// requested one at a time, and sums the sampled time by the module each function comes from
// (the bundle's `// path` markers). Time the isolate spends idle is waiting: for D1 (a separate
// isolate), the queue send, and the network; bench/timed-entry.mjs times the D1 and queue waits
// inside the Worker. Run: `node bench/profile.mjs` after a full bench
// (`BENCH_PROFILE_TARGET=ping` profiles GET /ping instead of the calendar week).
// (`ws`, not Node's built-in WebSocket: wrangler's inspector proxy refuses its handshake.)
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { config, ROOT } from "./config.mjs";
import { benchWeek } from "./dataset.mjs";
import { Api } from "./http.mjs";
import { writeResults } from "./report.mjs";
import { reuseDataset } from "./seed.mjs";
import { killApiNow, resetBenchState, startApi } from "./server.mjs";

const REQUESTS = Number(process.env.BENCH_PROFILE_REQUESTS ?? 300);

/** Module path (from the bundle's markers) to the step of the request it belongs to. */
const STEPS = [
  [/^node_modules\/jose\//, "token check (jose HS256 verify; cached per isolate)"],
  [/^node_modules\/drizzle-orm\//, "D1 query building and row mapping (drizzle)"],
  [/^node_modules\/(zod|@hono\/zod-openapi|@asteasolutions)/, "validation (zod)"],
  [/^node_modules\/hono\//, "routing, context and response (hono)"],
  [/^src\/lib\/crypto\//, "PHI decryption (AES-GCM calls)"],
  [/^src\/lib\/audit/, "audit entry (HMAC, queue send)"],
  [/^src\/middleware\//, "platform middleware and auth"],
  [/^src\/lib\/(db|envelope|ids|encoding)/, "request DB, envelope, ids, encoding"],
  [/^src\/modules\/appointments\//, "appointments verb (filters, presenting rows)"],
  [/^src\/policy\//, "policy"],
  [/^src\//, "other application code"],
  [/^node_modules\//, "other libraries"],
];

function moduleMap(bundle) {
  const markers = [];
  readFileSync(bundle, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const m = /^\/\/ ((?:node_modules|src|party)\/\S+)$/.exec(line);
      if (m) markers.push([i, m[1]]);
    });
  return (line) => {
    let lo = 0;
    let hi = markers.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (markers[mid][0] <= line) {
        found = markers[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function stepOf(node, moduleAt) {
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === "(idle)") return "idle: waiting for D1, the queue, the network";
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)" || functionName === "(root)")
    return "runtime (native, unattributed)";
  if (!url) {
    if (/stringify/i.test(functionName)) return "JSON serialisation";
    return `builtins (${functionName || "anonymous"})`.slice(0, 60);
  }
  // The bundle is served as timed.mjs (bench/timed-entry.mjs appended: same lines as index.js).
  if (!url.endsWith("index.js") && !url.endsWith("timed.mjs"))
    return "runtime glue (workerd / wrangler)";
  const path = moduleAt(lineNumber) ?? "";
  for (const [pattern, step] of STEPS) if (pattern.test(path)) return step;
  return "other application code";
}

async function inspector(port) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  // The API's isolate, not the assets-only Worker's (both run in the same wrangler dev).
  const isApi = (t) => /rehab-edge/.test(`${t.title} ${t.url}`) && !/assets/.test(`${t.title}`);
  const target =
    list.find((t) => t.webSocketDebuggerUrl && isApi(t)) ??
    list.find((t) => t.webSocketDebuggerUrl) ??
    list[0];
  console.log(
    `Inspector targets: ${list.map((t) => t.title).join(", ")}; profiling ${target.title}.`,
  );
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let next = 1;
  const pending = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, (msg) =>
        msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result),
      );
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** What to profile: BENCH_PROFILE_TARGET=week (default) or ping. */
const TARGET = process.env.BENCH_PROFILE_TARGET ?? "week";

const mean = (values) =>
  Math.round((values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1)) * 100) / 100;

async function main() {
  const datasetFile = join(ROOT, config.datasetFile);
  if (!existsSync(datasetFile))
    throw new Error(`No ${config.datasetFile}: run npm run bench first`);
  resetBenchState({ keepData: true });
  const server = await startApi({ timed: true, assets: false });
  try {
    const api = new Api(server.base);
    const data = await reuseDataset(api, JSON.parse(readFileSync(datasetFile, "utf8")));
    const week = benchWeek();
    const q = new URLSearchParams({
      start_date: week.start.toISOString(),
      end_date: week.end.toISOString(),
      page_size: "100",
    });
    const url =
      TARGET === "ping" ? `${server.base}/ping` : `${server.base}/api/v1/appointments?${q}`;
    const headers = { authorization: `Bearer ${await data.physio.token(600_000)}` };
    for (let i = 0; i < 50; i++) await (await fetch(url, { headers })).arrayBuffer(); // warm-up

    const { send, close } = await inspector(server.inspectorPort);
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 100 });
    await send("Profiler.start");
    const started = performance.now();
    let rows = 0;
    const io = { d1: [], queue: [], d1_calls: [] };
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetch(url, { headers });
      const body = await res.json();
      rows = Array.isArray(body.data) ? body.data.length : 0;
      // The I/O waits inside the Worker, timed by bench/timed-entry.mjs.
      for (const part of (res.headers.get("x-bench-io") ?? "").split(";")) {
        const [key, value] = part.split("=");
        if (key in io) io[key].push(Number(value));
      }
    }
    const wallMs = performance.now() - started;
    const { profile } = await send("Profiler.stop");
    close();

    const moduleAt = moduleMap(join(ROOT, config.buildDir, "index.js"));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const totals = new Map();
    profile.samples.forEach((id, i) => {
      const step = stepOf(byId.get(id), moduleAt);
      totals.set(step, (totals.get(step) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
    // The hottest functions by self time, with the module each comes from.
    const functions = new Map();
    profile.samples.forEach((id, i) => {
      const { functionName, url, lineNumber } = byId.get(id).callFrame;
      if (!url) return;
      const key = `${functionName || "(anonymous)"} ${moduleAt(lineNumber) ?? url}:${lineNumber}`;
      functions.set(key, (functions.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
    const hottest = [...functions.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([fn, ms]) => ({ fn, ms_per_request: Math.round((ms / REQUESTS) * 1000) / 1000 }));
    const profiled = [...totals.values()].reduce((a, b) => a + b, 0);
    const steps = [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([step, ms]) => ({
        step,
        ms_per_request: Math.round((ms / REQUESTS) * 1000) / 1000,
        share: Math.round((ms / profiled) * 1000) / 10,
      }));
    const result = {
      target: TARGET,
      requests: REQUESTS,
      rows_per_request: rows,
      wall_ms_per_request: Math.round((wallMs / REQUESTS) * 100) / 100,
      io_wait_ms_per_request: {
        d1: mean(io.d1),
        queue: mean(io.queue),
        d1_calls: mean(io.d1_calls),
      },
      steps,
      hottest,
    };
    writeResults(`bench/results/profile-${TARGET}.json`, result);
    console.log(
      `${TARGET} (${rows} rows), ${REQUESTS} requests one at a time: ${result.wall_ms_per_request} ms each from the client;` +
        ` inside the Worker, waiting for D1 ${result.io_wait_ms_per_request.d1} ms` +
        ` (${result.io_wait_ms_per_request.d1_calls} calls), for the queue ${result.io_wait_ms_per_request.queue} ms.`,
    );
    console.log("| step | ms per request | share of the isolate's time |\n| --- | ---: | ---: |");
    for (const s of steps)
      console.log(`| ${s.step} | ${s.ms_per_request.toFixed(3)} | ${s.share}% |`);
    console.log("\nHottest functions (self time, ms per request):");
    for (const h of hottest) console.log(`  ${h.ms_per_request.toFixed(3)}  ${h.fn}`);
  } finally {
    await server.stop();
  }
}

process.on("exit", killApiNow);
main().catch((error) => {
  console.error(`Profile failed: ${error.stack ?? error}`);
  killApiNow();
  process.exit(1);
});
