// `npm run bench`: starts the API and a bare Worker on the real runtime, seeds a realistic clinic
// through the API, measures the schedule and search endpoints against the bare Worker and /ping
// with the same load shape, prints a Markdown table and writes bench/results/latest.json, then
// runs the extra suites of bench/suites.mjs. See bench/README.md.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { config, ROOT } from "./config.mjs";
import { benchWeek, searchSamples } from "./dataset.mjs";
import { Api } from "./http.mjs";
import { measure } from "./measure.mjs";
import { judge, markdown, writeResults } from "./report.mjs";
import { reuseDataset, savedDataset, seedClinic } from "./seed.mjs";
import {
  copyApiData,
  ensureDevVars,
  killApiNow,
  logTail,
  RATE_LIMITS_OFF,
  resetBenchState,
  startApi,
  startBare,
} from "./server.mjs";
import { SUITES } from "./suites.mjs";

const startedAt = new Date();
const deadline = startedAt.getTime() + config.deadlineMs;
let server = null;
let bare = null;
let bareD1 = null;
/** The API client of the run; its base follows the API across restarts (the physio's session refreshes through it). */
let api = null;

/** Starts the API (startApi's options) as `server`, the client pointed at it. */
async function serve(options) {
  server = await startApi(options);
  if (api) api.base = server.base;
  return server;
}

// Never leave wrangler running: not on success, error, signal, or the overall deadline.
process.on("exit", killApiNow);
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping.`);
    process.exit(code);
  });
}
setTimeout(() => {
  console.error(`\nThe run took longer than ${config.deadlineMs / 60_000} minutes: aborted.`);
  process.exit(2);
}, config.deadlineMs).unref();

/** The measured endpoints, built from the seeded data. */
function targets(data, bareBase, d1Base) {
  const week = benchWeek();
  const q = (params) => new URLSearchParams(params).toString();
  // The physiotherapist's first appointment in that week: the conflict check finds it.
  const inWeek = data.plan.find(
    (a) =>
      a.clinician === 0 &&
      a.scheduled_start >= week.start.toISOString() &&
      a.scheduled_start < week.end.toISOString(),
  );
  const probeStart = new Date(
    inWeek ? inWeek.scheduled_start : week.start.getTime() + 9 * 3600_000,
  );
  const search = searchSamples(data.summary.patients);
  return [
    { name: "bare Worker (floor)", base: bareBase, path: "/", auth: false, role: "bare" },
    { name: "GET /ping (baseline)", path: "/ping", auth: false, role: "baseline" },
    { name: "GET /health (D1+R2, reference)", path: "/health", auth: false, role: "reference" },
    // The floor of any D1 read here: a bare Worker doing one `select 1` (and one queue send, as
    // an audited read does), no framework or auth (bench/bare/d1.mjs).
    { name: "bare Worker: one D1 query", base: d1Base, path: "/", auth: false, role: "reference" },
    {
      name: "bare Worker: D1 query + queue send",
      base: d1Base,
      path: "/queue",
      auth: false,
      role: "reference",
    },
    {
      name: "calendar week",
      key: "week",
      path: `/api/v1/appointments?${q({ start_date: week.start.toISOString(), end_date: week.end.toISOString(), page_size: 100 })}`,
    },
    {
      name: "conflict check",
      key: "conflicts",
      path: `/api/v1/appointments/conflicts?${q({
        scheduled_start: probeStart.toISOString(),
        scheduled_end: new Date(probeStart.getTime() + 45 * 60_000).toISOString(),
        clinician_id: data.physio.user.id,
      })}`,
    },
    {
      name: "patient search (last name)",
      key: "name",
      path: `/api/v1/patients?${q({ search: search.lastName })}`,
    },
    {
      name: "patient search (MRN)",
      key: "mrn",
      path: `/api/v1/patients?${q({ search: search.mrn })}`,
    },
  ].flatMap((t) => (t.key && d1Base ? [replayedFloor(t, d1Base, "main"), t] : [t]));
}

/**
 * The floor of read `t` (issue 21): bench/bare/d1.mjs replaying the D1 batches and the queue send
 * the API made for it (recorded from `plan`'s checkout), on a copy of the same data.
 */
function replayedFloor(t, base, plan) {
  return {
    name: `${t.name}: replayed floor`,
    base,
    path: `/replay/${plan}/${t.key}`,
    auth: false,
    role: "floor",
    floorOf: t.name,
  };
}

/** One request per target before measuring, to show what each one returns. */
async function probe(api, session, target) {
  if (target.role === "floor") {
    // A replayed floor: the rows of each statement it ran.
    const res = await fetch(target.base + target.path);
    const text = await res.text();
    if (!res.ok) throw new Error(`${target.name} answered ${res.status}: ${text.slice(0, 300)}`);
    const rows = JSON.parse(text).results.map((r) => (Array.isArray(r) ? r.length : 1));
    console.log(`  ${target.name}: ${res.status}, rows per statement ${rows.join(", ")}`);
    return { status: res.status, summary: `rows per statement ${rows.join(", ")}`, rows };
  }
  if (target.base) {
    // The floors: another Worker, not the API.
    const res = await fetch(target.base + target.path);
    console.log(`  ${target.name}: ${res.status}, ${JSON.stringify(await res.text())}`);
    return { status: res.status, summary: "fixed body" };
  }
  const { status, body } = await api.request("GET", target.path, {
    token: target.auth === false ? undefined : await session.token(),
  });
  const data = body?.data;
  const what = Array.isArray(data)
    ? `${data.length} items (total ${body.pagination?.total_items})`
    : data && "has_conflict" in data
      ? `has_conflict=${data.has_conflict}, ${data.conflicting_appointments.length} listed`
      : "ok";
  const line = `  ${target.name}: ${status}, ${status < 300 ? what : JSON.stringify(body?.error)}`;
  console.log(line);
  const items = Array.isArray(data) ? data.length : data?.conflicting_appointments?.length;
  return { status, summary: what, items };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

/**
 * Issue 21's floor of each read: the API now running (`server`, the capture build of
 * bench/capture-entry.mjs) answers each read once, then once more recorded; returns
 * `{ read key: steps }`, the D1 batches (SQL and bound params, in order) and queue sends of the
 * recorded request.
 */
async function captureReads(reads, data, label) {
  console.log(`Recording the reads' D1 statements (${label}):`);
  const plan = {};
  for (const t of reads) {
    const auth = { authorization: `Bearer ${await data.physio.token(300_000)}` };
    for (const headers of [auth, { ...auth, "x-bench-capture": "1" }]) {
      const res = await fetch(server.base + t.path, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${t.name} answered ${res.status} while recording`);
    }
    const record = await getJson(`${server.base}/__bench/captured`);
    if (!record?.steps?.length) throw new Error(`${t.name}: nothing recorded`);
    plan[t.key] = record.steps;
    const batches = record.steps.filter((s) => s.kind === "batch");
    const singles = record.steps.filter((s) =>
      ["first", "all", "raw", "run", "exec"].includes(s.kind),
    );
    const sends = record.steps.filter((s) => s.kind === "queue").length;
    const sizes = batches.map((b) => b.statements.length).join(" + ");
    console.log(
      `  ${t.name}: ${batches.length} batch(es) of ${sizes || 0} statements, ${singles.length} single queries, ${sends} queue send(s)`,
    );
  }
  return plan;
}

/** The SQL of a recorded plan, params left out (they hold times and ids of the moment). */
const sqlOf = (plan) =>
  JSON.stringify(
    Object.entries(plan).map(([read, steps]) => [
      read,
      steps.map((s) => (s.kind === "batch" ? s.statements.map((x) => x.sql) : (s.sql ?? s.kind))),
    ]),
  );

/**
 * The floor's copy must hold the API's rows: the row count of every table, the API's (taken
 * before the copy) against the floor's. Audit tables may have grown by the recorded requests'
 * entries, stored by the queue consumer after the count: a difference there is only reported.
 */
async function checkFloorData(apiCounts, floorBase) {
  const floor = await getJson(`${floorBase}/counts`);
  const tables = Object.keys(apiCounts);
  const differ = tables.filter((t) => apiCounts[t] !== floor[t]);
  const hard = differ.filter((t) => !t.startsWith("audit"));
  const rows = tables.reduce((sum, t) => sum + apiCounts[t], 0);
  if (hard.length > 0 || tables.length === 0) {
    const detail = hard.map((t) => `${t}: API ${apiCounts[t]}, floor ${floor[t]}`).join("; ");
    throw new Error(`The floor's copy of the API's data differs: ${detail || "no tables"}`);
  }
  console.log(
    `Floor data: ${tables.length} tables, ${rows} rows, equal to the API's${differ.length ? ` (except ${differ.map((t) => `${t}: ${apiCounts[t]} vs ${floor[t]}`).join(", ")})` : ""}.`,
  );
  return { tables: tables.length, rows, differ };
}

/** Each replayed floor returns the rows of the API's answer: its item count among its row counts. */
function checkReplayRows(list, probes) {
  for (const floor of list.filter((t) => t.role === "floor")) {
    const items = probes[floor.floorOf]?.items;
    const rows = probes[floor.name]?.rows ?? [];
    if (items !== undefined && !rows.includes(items)) {
      console.warn(
        `  WARNING: ${floor.floorOf} answered ${items} items, its replayed floor ${rows.join(", ")} rows.`,
      );
    }
  }
}

/** Issue 21's aims against a read's replayed floor. */
const FLOOR_AIMS = { throughput: 0.8, serialP50: 1.25 };

/**
 * Each read against its replayed floor measured just before it: `pairs` of `{ name, floor, read }`
 * (measure() results). Rows for the results file and a Markdown table with PASS/MISS.
 */
function versusReplayedFloor(pairs, title) {
  const share = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : null);
  const rows = pairs.map(({ name, floor, read }) => {
    const throughput = share(read.requests_per_s, floor.requests_per_s);
    const serialP50 = share(read.serial?.latency_ms.p50, floor.serial?.latency_ms.p50);
    const throughputOk = throughput !== null && throughput >= FLOOR_AIMS.throughput;
    const serialOk = serialP50 !== null && serialP50 <= FLOOR_AIMS.serialP50;
    return {
      name,
      floor: { req_s: floor.requests_per_s, serial_p50_ms: floor.serial?.latency_ms.p50 ?? null },
      read: { req_s: read.requests_per_s, serial_p50_ms: read.serial?.latency_ms.p50 ?? null },
      throughput_vs_floor: throughput,
      throughput_ok: throughputOk,
      serial_p50_vs_floor: serialP50,
      serial_p50_ok: serialOk,
      verdict: throughputOk && serialOk ? "PASS" : "MISS",
    };
  });
  const mark = (ok) => (ok ? "PASS" : "MISS");
  const lines = [
    `${title}: each read beside the same D1 batches + queue send replayed by a bare Worker on the same data, measured just before it. Aims (issue 21): req/s >= ${FLOOR_AIMS.throughput}x the floor's; 1-at-a-time p50 <= ${FLOOR_AIMS.serialP50}x the floor's.`,
    "",
    "| read | floor: req/s; 1-at-a-time p50 | read: req/s; 1-at-a-time p50 | req/s vs floor | p50 vs floor | verdict |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.floor.req_s}; ${r.floor.serial_p50_ms} ms | ${r.read.req_s}; ${r.read.serial_p50_ms} ms | ${r.throughput_vs_floor} ${mark(r.throughput_ok)} | ${r.serial_p50_vs_floor}x ${mark(r.serial_p50_ok)} | ${r.verdict} |`,
    ),
  ];
  return { rows, markdown: lines.join("\n") };
}

async function main() {
  console.log(
    `rehab-edge benchmark, ${startedAt.toISOString()}; the run aborts after ${config.deadlineMs / 60_000} min.`,
  );
  const seedToken = ensureDevVars();
  const datasetFile = join(ROOT, config.datasetFile);
  if (config.reuse && !existsSync(datasetFile)) {
    throw new Error(`BENCH_REUSE=1 needs ${config.datasetFile} from an earlier full run`);
  }
  resetBenchState({ keepData: config.reuse });
  // First the capture build (bench/capture-entry.mjs: records a request's D1 statements when asked,
  // else passes through), to seed and record the reads; the measured API is the plain bundle.
  console.log("Starting the API (bundle, migrations, wrangler dev --local)...");
  await serve({ capture: true });
  console.log(`API up on ${server.base} (wrangler pid ${server.pid}).`);
  bare = await startBare();
  console.log(`Bare Worker up on ${bare.base} (wrangler pid ${bare.pid}).`);
  api = new Api(server.base);

  let data;
  if (config.reuse) {
    data = await reuseDataset(api, JSON.parse(readFileSync(datasetFile, "utf8")));
  } else {
    data = await seedClinic(api, { seedToken, config, deadline });
    writeFileSync(datasetFile, JSON.stringify(savedDataset(data)));
  }

  // Issue 21: the reads' floors replay the API's own batches on a copy of its data. Record them,
  // count the API's rows (after the recorded reads' audit entries are stored), stop the API, copy
  // its D1 state to the floor's, and start the plain API and the floor on their own copies.
  const reads = targets(data, bare.base, null).filter((t) => t.key);
  const plans = { main: await captureReads(reads, data, "this checkout") };
  await sleep(3000);
  const apiCounts = await getJson(`${server.base}/__bench/counts`);
  await server.stop();
  let compareRoot = process.env.BENCH_COMPARE_ROOT;
  let compareSameSql = null;
  if (compareRoot) {
    // The other checkout may run other SQL: record its reads too, on the same data. If that
    // fails, this checkout is still measured (without the compare phase).
    try {
      await serve({ root: compareRoot, capture: true });
      plans.compare = await captureReads(reads, data, compareRoot);
      compareSameSql = sqlOf(plans.compare) === sqlOf(plans.main);
      console.log(
        `  ${compareRoot} runs ${compareSameSql ? "the same" : "other"} SQL for the four reads; its floors replay its own.`,
      );
    } catch (error) {
      console.error(`Recording ${compareRoot} failed; its phase is skipped: ${error.message}`);
      console.error(logTail(10));
      compareRoot = null;
    }
    await server.stop();
  }
  await sleep(500);
  copyApiData();
  await serve({ rebuild: false });
  console.log(`API restarted from the plain bundle (wrangler pid ${server.pid}).`);
  bareD1 = await startBare({ d1: true, replay: plans });
  console.log(`Bare D1 Worker up on ${bareD1.base} (wrangler pid ${bareD1.pid}).`);
  const floorData = await checkFloorData(apiCounts, bareD1.base);

  const load = {
    warmup: config.warmupRequests,
    requests: config.requests,
    concurrency: config.concurrency,
    serialRequests: config.serialRequests,
  };
  const list = targets(data, bare.base, bareD1.base);
  console.log("What each target returns:");
  const probes = {};
  for (const t of list) probes[t.name] = await probe(api, data.physio, t);
  checkReplayRows(list, probes);

  console.log(
    `Measuring: ${load.requests} requests per target after ${load.warmup} warm-up, ${load.concurrency} in flight.`,
  );
  const results = [];
  for (const t of list) {
    if (Date.now() > deadline) throw new Error("Deadline reached before measuring everything");
    const headers = async () =>
      t.auth === false ? {} : { authorization: `Bearer ${await data.physio.token(300_000)}` };
    const base = t.base ?? server.base;
    // Issue 21's pairs start on a quiet machine (config.settleMs).
    if (t.role === "floor" || t.role === undefined) await sleep(config.settleMs);
    const r = await measure({ name: t.name, base, path: t.path, headers, load });
    results.push({ role: t.role ?? "target", ...r });
    const l = r.latency_ms;
    const one = r.serial
      ? `; one at a time: p50 ${r.serial.latency_ms.p50}, p95 ${r.serial.latency_ms.p95} ms`
      : "";
    console.log(
      `  ${t.name}: ${r.requests_per_s} req/s, p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, errors ${r.errors}${one}`,
    );
  }

  // Issue 21: each read against its replayed floor, measured just before it (the list's order).
  const mainVsFloor = versusReplayedFloor(
    list
      .filter((t) => t.role === "floor")
      .map((f) => ({
        name: f.floorOf,
        floor: results.find((r) => r.name === f.name),
        read: results.find((r) => r.name === f.floorOf),
      })),
    "Reads vs their replayed floor, main phase",
  );
  console.log(`\n${mainVsFloor.markdown}`);

  // Issue 21: D1 read replication. Every API request already runs in a D1 session; a client that
  // sends the bookmark of its last answer starts its session there. The D1 + queue floor without
  // a session and in a session at a bookmark, then each read (after its replayed floor) without
  // and with a bookmark, back to back so they see the same machine load. BENCH_COMPARE_ROOT
  // (another checkout, e.g. the code before a change) then serves the same data and is measured
  // the same way, beside floors replaying its own batches.
  const replication = [
    await measureReplication(data, list, load, results, "this checkout", "main"),
  ];
  console.log(`\n${replication[0].markdown}\n\n${replication[0].floorMarkdown}`);
  if (compareRoot) {
    const label = process.env.BENCH_COMPARE_LABEL || compareRoot;
    await server.stop();
    await serve({ root: compareRoot, rebuild: false });
    console.log(`API restarted from ${compareRoot} (${label}).`);
    replication.push(await measureReplication(data, list, load, results, label, "compare"));
    console.log(`\n${replication[1].markdown}\n\n${replication[1].floorMarkdown}`);
  }

  // Issue 19's phase (BENCH_CHECKS=0 skips it): the reads without the general rate limits.
  const checksVsFloor =
    process.env.BENCH_CHECKS === "0"
      ? { rows: null, markdown: "(rate-limit phase skipped: BENCH_CHECKS=0)" }
      : await measureWithoutLimits(data, list, load, results);
  console.log(`\n${checksVsFloor.markdown}`);

  const compatibility = bare.compatibility;
  await Promise.all([server.stop(), bare.stop(), bareD1.stop()]);
  server = null;
  bare = null;
  bareD1 = null;

  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const judged = judge(results, config);
  const table = markdown(judged, {
    config,
    dataset: data.summary,
    load,
    startedAt: startedAt.toISOString(),
    seconds,
    compatibility,
  });
  const file = writeResults(config.resultsFile, {
    generated_at: startedAt.toISOString(),
    duration_s: Math.round(seconds),
    machine: {
      node: process.version,
      platform: process.platform,
      cpus: cpus().length,
      loadavg: loadavg(),
    },
    load,
    dataset: { ...data.summary, bench_week: benchWeek() },
    compatibility,
    probes,
    targets: judged,
    markdown: table,
    checks_vs_floor: checksVsFloor.rows,
    read_replication: Object.fromEntries(replication.map((r) => [r.label, r.rows])),
    // Issue 21's floor of each read: the same D1 batches + queue send on the same data.
    reads_vs_replayed_floor: {
      aims: {
        throughput_vs_floor: `>= ${FLOOR_AIMS.throughput}`,
        serial_p50_vs_floor: `<= ${FLOOR_AIMS.serialP50}`,
      },
      floor_data: floorData,
      compare_same_sql: compareSameSql,
      statements: plans,
      main: mainVsFloor.rows,
      ...Object.fromEntries(replication.map((r) => [`read_replication: ${r.label}`, r.floorRows])),
    },
  });
  const replicationTables = replication
    .map((r) => `${r.markdown}\n\n${r.floorMarkdown}`)
    .join("\n\n");
  console.log(
    `\n${table}\n\n${mainVsFloor.markdown}\n\n${replicationTables}\n\n${checksVsFloor.markdown}\n`,
  );
  console.log(`Results: ${file}. Whole run: ${Math.round(seconds)} s.`);
  if (process.env.BENCH_PROFILE !== "0") runProfile();
  // BENCH_SUITES=0 skips the extra suites (e.g. to measure only the request path).
  if (process.env.BENCH_SUITES !== "0" && runSuites() > 0) process.exitCode = 1;
}

/**
 * Issue 19: the read path's cost of the session and rate-limit checks. The API again on the
 * same data with the general rate limits off (the session check, idle limit included, cannot
 * be turned off: it is the existing query with one more column compared), each read measured
 * right after the D1 floor so both see the same machine load.
 */
async function measureWithoutLimits(data, list, load, results) {
  await server.stop();
  await serve({ vars: RATE_LIMITS_OFF });
  console.log(`API restarted with the general rate limits off (wrangler pid ${server.pid}).`);
  const floor = list.find((t) => t.name === "bare Worker: one D1 query");
  const reads = list.filter((t) => t.role === undefined);
  const withoutLimits = [];
  for (const t of [floor, ...reads]) {
    if (Date.now() > deadline) throw new Error("Deadline reached before measuring everything");
    const headers = async () =>
      t.auth === false ? {} : { authorization: `Bearer ${await data.physio.token(300_000)}` };
    const r = await measure({
      name: `${t.name} (rate limits off)`,
      base: t.base ?? server.base,
      path: t.path,
      headers,
      load,
    });
    withoutLimits.push({ role: "reference", ...r });
    results.push({ role: "reference", ...r });
    console.log(`  ${r.name}: ${r.requests_per_s} req/s, p50 ${r.latency_ms.p50} ms`);
  }
  return checksTable(results, withoutLimits);
}

/** The bookmark a GET of `url` answers (the API's, or the bare Worker's session path). */
async function bookmarkOf(url, headers = {}) {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  const bookmark = res.headers.get("x-d1-bookmark");
  if (!bookmark) throw new Error(`${url} answered no x-d1-bookmark (status ${res.status})`);
  return bookmark;
}

/**
 * Issue 21: the reads of the API now running (`server`) without and with a bookmark sent
 * (`x-d1-bookmark`: the session starts there), beside the D1 + queue floor without and with a
 * session at a bookmark (bench/bare/d1.mjs `/session`). Adds its results to `results`.
 */
async function measureReplication(data, list, load, results, label, replayPlan) {
  const floor = list.find((t) => t.name === "bare Worker: D1 query + queue send");
  const reads = list.filter((t) => t.role === undefined);
  const auth = async () => ({ authorization: `Bearer ${await data.physio.token(300_000)}` });
  const floorBookmark = await bookmarkOf(`${floor.base}/session`);
  const apiBookmark = await bookmarkOf(server.base + reads[0].path, await auth());
  console.log(
    `Read replication (${label}): bookmarks ${floorBookmark} (floor), ${apiBookmark} (API).`,
  );
  // Each read right after its replayed floor (the batches `replayPlan`'s checkout runs, no bookmark).
  const plan = [
    { name: floor.name, base: floor.base, path: floor.path, headers: async () => ({}) },
    {
      name: `${floor.name}, in a session at a bookmark`,
      base: floor.base,
      path: "/session",
      headers: async () => ({ "x-d1-bookmark": floorBookmark }),
    },
    ...reads.flatMap((t) => [
      { ...replayedFloor(t, floor.base, replayPlan), headers: async () => ({}) },
      { name: t.name, base: server.base, path: t.path, headers: auth },
      {
        name: `${t.name}, with a bookmark`,
        base: server.base,
        path: t.path,
        headers: async () => ({ ...(await auth()), "x-d1-bookmark": apiBookmark }),
      },
    ]),
  ];
  const measured = [];
  for (const t of plan) {
    if (Date.now() > deadline) throw new Error("Deadline reached before measuring everything");
    await sleep(config.settleMs);
    const r = await measure({ name: t.name, base: t.base, path: t.path, headers: t.headers, load });
    r.name = `${r.name} (${label})`;
    measured.push(r);
    results.push({ role: t.role ?? "reference", ...r });
    console.log(`  ${r.name}: ${r.requests_per_s} req/s, p50 ${r.latency_ms.p50} ms`);
  }
  const share = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : null);
  const floorRow = measured[0];
  const vs = (r) => ({
    req_s: r.requests_per_s,
    vs_floor: share(r.requests_per_s, floorRow.requests_per_s),
    serial_p50_ms: r.serial?.latency_ms.p50 ?? null,
    serial_p50_vs_floor: share(r.serial?.latency_ms.p50, floorRow.serial?.latency_ms.p50),
  });
  const rows = [
    {
      name: "D1 query + queue send (floor)",
      without: vs(measured[0]),
      with_bookmark: vs(measured[1]),
      bookmark_vs_without: share(measured[1].requests_per_s, measured[0].requests_per_s),
    },
  ];
  const pairs = [];
  reads.forEach((t, i) => {
    const [replayed, without, withBookmark] = measured.slice(2 + i * 3, 5 + i * 3);
    rows.push({
      name: t.name,
      without: vs(without),
      with_bookmark: vs(withBookmark),
      bookmark_vs_without: share(withBookmark.requests_per_s, without.requests_per_s),
      replayed_floor: vs(replayed),
    });
    pairs.push({ name: t.name, floor: replayed, read: without });
  });
  const cell = (v) =>
    `${v.req_s}; ${v.vs_floor}; ${v.serial_p50_ms} ms (${v.serial_p50_vs_floor}x)`;
  const lines = [
    `Read replication, ${label} (req/s; vs the D1 + queue floor without a bookmark; 1-at-a-time p50 (vs the floor's)):`,
    "",
    "| read | no bookmark | bookmark sent | req/s, bookmark / none |",
    "| --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${cell(r.without)} | ${cell(r.with_bookmark)} | ${r.bookmark_vs_without} |`,
    ),
  ];
  const versus = versusReplayedFloor(
    pairs,
    `Reads vs their replayed floor, read replication phase, ${label} (no bookmark; floors replay the batches of ${replayPlan === "main" ? "this checkout" : label})`,
  );
  return {
    label,
    rows,
    markdown: lines.join("\n"),
    floorRows: versus.rows,
    floorMarkdown: versus.markdown,
  };
}

/**
 * Each read's throughput and one-at-a-time p50 relative to the D1 floor measured beside it: with
 * the checks (the main run) and without the general rate limits (the restarted API).
 */
function checksTable(results, withoutLimits) {
  const floorOf = (list) => list.find((r) => r.name.startsWith("bare Worker: one D1 query"));
  const on = floorOf(results);
  const off = floorOf(withoutLimits);
  const rows = withoutLimits
    .filter((r) => r !== off)
    .map((r) => {
      const name = r.name.replace(" (rate limits off)", "");
      const main = results.find((x) => x.name === name);
      const share = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : null);
      return {
        name,
        with_checks: {
          vs_floor: share(main.requests_per_s, on.requests_per_s),
          serial_p50_vs_floor: share(main.serial?.latency_ms.p50, on.serial?.latency_ms.p50),
        },
        rate_limits_off: {
          vs_floor: share(r.requests_per_s, off.requests_per_s),
          serial_p50_vs_floor: share(r.serial?.latency_ms.p50, off.serial?.latency_ms.p50),
        },
      };
    });
  const lines = [
    "| read (ratio to the D1 floor: req/s; 1-at-a-time p50) | general rate limits off | with the checks |",
    "| --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.rate_limits_off.vs_floor}; ${r.rate_limits_off.serial_p50_vs_floor}x | ${r.with_checks.vs_floor}; ${r.with_checks.serial_p50_vs_floor}x |`,
    ),
    `| D1 floor (req/s) | ${off.requests_per_s} | ${on.requests_per_s} |`,
  ];
  return { rows, markdown: lines.join("\n") };
}

/** bench/profile.mjs on the data just measured (skip with BENCH_PROFILE=0); never fails the run. */
function runProfile() {
  const left = deadline - Date.now();
  if (left < 120_000) return console.error("Profile: skipped, the deadline is near.");
  console.log("\nProfiling the week view (bench/profile.mjs):");
  const run = spawnSync(process.execPath, [join(ROOT, "bench/profile.mjs")], {
    cwd: ROOT,
    stdio: "inherit",
    timeout: left,
    killSignal: "SIGTERM",
  });
  if (run.status !== 0) console.error(`Profile failed (exit ${run.status ?? run.signal}).`);
}

/** Runs each script of bench/suites.mjs in turn, bounded by the overall deadline; returns failures. */
function runSuites() {
  let failed = 0;
  for (const suite of SUITES) {
    const left = deadline - Date.now();
    if (left < 30_000) {
      console.error(`Suite ${suite}: skipped, the deadline is near.`);
      failed++;
      continue;
    }
    console.log(`\nSuite ${suite}:`);
    const run = spawnSync(process.execPath, [join(ROOT, suite)], {
      cwd: ROOT,
      stdio: "inherit",
      timeout: left,
      killSignal: "SIGTERM",
    });
    if (run.status !== 0) {
      console.error(`Suite ${suite} failed (exit ${run.status ?? run.signal}).`);
      failed++;
    }
  }
  return failed;
}

main().catch(async (error) => {
  console.error(`\nBenchmark failed: ${error.stack ?? error}`);
  if (server || bare) console.error(`Last lines of ${config.logFile}:\n${logTail(20)}`);
  await Promise.all([server?.stop(), bare?.stop()]);
  server = null;
  bare = null;
  process.exit(1);
});
