// Ingest benchmark of a 10-minute 30 fps session (18,000 BlazePose frames): the whole session
// through POST /api/v1/sessions/{id}/data on a running Worker (loopback), then completion on the
// queue, beside only JSON.parse of the same bodies in this process, in the same run; then the
// same frames as a second session through the binary body (application/vnd.rehab-edge.pose-chunk,
// src/modules/sessions/pose.wire.ts), same chunks, and once more in binary chunks of 1,800 frames
// (the verb's limit: 10 requests instead of 60).
//
//   node bench/sessions.mjs                      starts its own `wrangler dev` on 127.0.0.1:8850
//   BENCH_BASE=http://127.0.0.1:8787 node bench/sessions.mjs   uses a server already running
//
// Bounded: at most BENCH_SESSIONS_TIMEOUT_S seconds (default 300) before it gives up.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, openSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ROOT } from "./config.mjs";
import { Api } from "./http.mjs";
import { ensureDevVars, RATE_LIMITS_ON } from "./server.mjs";

const FRAMES = Number(process.env.BENCH_SESSION_FRAMES ?? 18_000);
const CHUNK = Number(process.env.BENCH_SESSION_CHUNK ?? 300);
/** The binary body's chunk at the verb's limit (MAX_FRAMES_PER_CHUNK): fewer, larger requests. */
const BIG_CHUNK = Number(process.env.BENCH_SESSION_BIG_CHUNK ?? 1800);
const PORT = 8850;
const INSPECTOR = 8851;
const STATE = ".wrangler/bench-sessions-state";
const deadline = Date.now() + Number(process.env.BENCH_SESSIONS_TIMEOUT_S ?? 300) * 1000;
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" };

/** A squatting figure, 33 landmarks, knee angle following a 3 s cycle (side view, portrait). */
function frames(n, t0 = 1_706_630_400_000) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = i / 30;
    const knee = 90 + 45 * (1 + Math.cos((2 * Math.PI * t) / 3));
    const rad = (knee * Math.PI) / 180;
    const pts = Array.from({ length: 33 }, () => [0.5, 0.2]);
    for (const [side, dx] of [
      [0, -0.01],
      [1, 0.01],
    ]) {
      const ankle = [0.5 + dx, 0.9];
      const kneeP = [ankle[0], 0.78];
      const hip = [kneeP[0] - 0.12 * Math.sin(rad), kneeP[1] + 0.12 * Math.cos(rad)];
      pts[27 + side] = ankle;
      pts[29 + side] = [ankle[0] - 0.02, 0.91];
      pts[31 + side] = [ankle[0] + 0.05, 0.91];
      pts[25 + side] = kneeP;
      pts[23 + side] = hip;
      pts[11 + side] = [hip[0], hip[1] - 0.15];
      pts[13 + side] = [hip[0], hip[1] - 0.08];
      pts[15 + side] = [hip[0], hip[1]];
    }
    const landmarks = pts.map(([x, y], j) => ({
      x: +(x + Math.sin(i + j) * 1e-4).toFixed(6),
      y: +y.toFixed(6),
      z: +(Math.cos(i * j) * 0.01).toFixed(6),
      visibility: 0.98,
    }));
    out.push({ timestamp: t0 + Math.round(t * 1000), landmarks });
  }
  return out;
}

async function startServer() {
  mkdirSync(join(ROOT, ".wrangler"), { recursive: true });
  const logFd = openSync(join(ROOT, ".wrangler/bench-sessions.log"), "w");
  rmSync(join(ROOT, STATE), { recursive: true, force: true });
  const apply = spawnSync(
    process.execPath,
    [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE],
    { cwd: ROOT, env: ENV, stdio: "ignore" },
  );
  if (apply.status !== 0) throw new Error("migrations failed");
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(PORT),
      "--inspector-port",
      String(INSPECTOR),
      "--persist-to",
      STATE,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
      // Three sessions of 60 chunks pass the per-IP limit: the checks run, nothing is refused.
      ...Object.entries(RATE_LIMITS_ON).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ],
    { cwd: ROOT, env: ENV, stdio: ["ignore", logFd, logFd], detached: true },
  );
  const base = `http://127.0.0.1:${PORT}`;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/ping`)).ok) break;
    } catch {
      // Not up yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { base, stop: () => process.kill(-child.pid, "SIGTERM") };
}

const WIRE_TYPE = "application/vnd.rehab-edge.pose-chunk";

/**
 * The binary body of the same frames (layout in pose.wire.ts): 16-byte header (version 1, flag 2
 * frame size), f64 timestamps, f32 landmarks (x, y, z, visibility).
 */
function wireBody(frames, size) {
  const n = frames.length;
  const out = new Uint8Array(16 + n * 8 + n * 132 * 4);
  const view = new DataView(out.buffer);
  view.setUint8(0, 1);
  view.setUint8(1, 2);
  view.setUint32(4, n, true);
  view.setUint16(12, size.width, true);
  view.setUint16(14, size.height, true);
  const ts = new Float64Array(out.buffer, 16, n);
  const lm = new Float32Array(out.buffer, 16 + n * 8, n * 132);
  frames.forEach((f, i) => {
    ts[i] = f.timestamp;
    f.landmarks.forEach((l, j) => lm.set([l.x, l.y, l.z, l.visibility], i * 132 + j * 4));
  });
  return out;
}

/** POSTs one chunk; a dropped connection is retried (chunks are idempotent: a retry answers 200). */
async function postChunk(base, path, token, body, index, type = "application/json") {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(base + path, {
        method: "POST",
        headers: { "content-type": type, authorization: `Bearer ${token}` },
        body,
      });
      const text = await res.text();
      if (res.status !== 201 && res.status !== 200) {
        throw new Error(`chunk ${index} answered ${res.status}: ${text.slice(0, 300)}`);
      }
      return { retries: attempt - 1, replayed: res.status === 200 };
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("chunk ")) throw error;
      if (attempt >= 4) throw new Error(`chunk ${index}: ${error?.cause?.code ?? error}`);
    }
  }
}

async function main() {
  // Frames and bodies first: building 18,000 frames takes seconds, and an idle keep-alive
  // connection opened before that is closed by the server (the EPIPE of earlier runs).
  const all = frames(FRAMES);
  const bodies = [];
  for (let i = 0; i < all.length; i += CHUNK)
    bodies.push(JSON.stringify({ frames: all.slice(i, i + CHUNK) }));
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  const wireBodies = [];
  for (let i = 0; i < all.length; i += CHUNK)
    wireBodies.push(wireBody(all.slice(i, i + CHUNK), { width: 720, height: 1280 }));
  const wireBytes = wireBodies.reduce((n, b) => n + b.length, 0);
  const bigBodies = [];
  for (let i = 0; i < all.length; i += BIG_CHUNK)
    bigBodies.push(wireBody(all.slice(i, i + BIG_CHUNK), { width: 720, height: 1280 }));
  const own = !process.env.BENCH_BASE;
  if (own) ensureDevVars();
  const server = own ? await startServer() : { base: process.env.BENCH_BASE, stop: () => {} };
  try {
    const api = new Api(server.base);
    const email = `bench.sessions.${Date.now()}@example.test`;
    const password = "correct horse battery staple";
    await api.call("POST", "/api/v1/auth/register", {
      body: { email, password, name: "Bench Admin", workspace_name: "Bench Sessions Clinic" },
    });
    const login = await api.call("POST", "/api/v1/auth/login", { body: { email, password } });
    const token = login.access_token;
    const patient = await api.call("POST", "/api/v1/patients", {
      token,
      body: {
        mrn: `BENCH-${Date.now()}`,
        first_name: "Bench",
        last_name: "Patient",
        date_of_birth: "1980-01-01",
      },
    });
    const session = await api.call("POST", "/api/v1/sessions", {
      token,
      body: {
        patient_id: patient.id,
        exercise_type: "squat",
        frame_size: { width: 720, height: 1280 },
      },
    });

    let t = performance.now();
    for (const body of bodies) JSON.parse(body);
    const parseMs = performance.now() - t;

    const path = `/api/v1/sessions/${session.session_id}/data`;
    // The transport floor: the same bodies with `frames` renamed are refused (422) right after
    // the Worker has received and parsed them, so this is HTTP + auth + JSON.parse per chunk.
    const floorMs = [];
    for (const body of bodies.slice(0, 10)) {
      let t0 = performance.now();
      let res;
      // A keep-alive connection idle through the parse above may be closed (EPIPE): retry.
      for (let attempt = 1; !res; attempt++) {
        try {
          t0 = performance.now();
          res = await fetch(server.base + path, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: body.replace('{"frames":', '{"framez":'),
          });
        } catch (error) {
          if (attempt >= 4) throw error;
        }
      }
      await res.text();
      if (res.status !== 422) throw new Error(`floor request answered ${res.status}`);
      floorMs.push(performance.now() - t0);
    }
    /** One session through the API: ingest every body, complete, wait for the analysis. */
    async function run(sessionId, list, type) {
      const path = `/api/v1/sessions/${sessionId}/data`;
      const chunkMs = [];
      let retries = 0;
      let t = performance.now();
      for (const [i, body] of list.entries()) {
        const t0 = performance.now();
        retries += (await postChunk(server.base, path, token, body, i, type)).retries;
        chunkMs.push(performance.now() - t0);
        if (Date.now() > deadline) throw new Error("deadline passed during ingest");
      }
      const ingestMs = performance.now() - t;
      t = performance.now();
      const done = await api.request("POST", `/api/v1/sessions/${sessionId}/complete`, { token });
      const answered = done.status;
      let status = done.body?.data?.status;
      while (status === "processing" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const detail = await api.call("GET", `/api/v1/sessions/${sessionId}`, { token });
        status = detail.session.status;
      }
      const analysisMs = performance.now() - t;
      const detail = await api.call("GET", `/api/v1/sessions/${sessionId}`, { token });
      return { chunkMs, retries, ingestMs, analysisMs, answered, status, detail };
    }
    const jsonRun = await run(session.session_id, bodies, "application/json");
    const second = await api.call("POST", "/api/v1/sessions", {
      token,
      body: {
        patient_id: patient.id,
        exercise_type: "squat",
        frame_size: { width: 720, height: 1280 },
      },
    });
    const wireRun = await run(second.session_id, wireBodies, WIRE_TYPE);
    // The full pass (the completion before the analysis advanced with the chunks): the same
    // JSON bodies with the first chunk sent last, so the saved state cannot be used and
    // completion reads every chunk back (on the queue, as every long session did before).
    const third = await api.call("POST", "/api/v1/sessions", {
      token,
      body: {
        patient_id: patient.id,
        exercise_type: "squat",
        frame_size: { width: 720, height: 1280 },
      },
    });
    const fullRun = await run(
      third.session_id,
      [...bodies.slice(1), bodies[0]],
      "application/json",
    );
    // The binary body at its largest chunk: the same frames in 10 requests instead of 60.
    const fourth = await api.call("POST", "/api/v1/sessions", {
      token,
      body: {
        patient_id: patient.id,
        exercise_type: "squat",
        frame_size: { width: 720, height: 1280 },
      },
    });
    const bigRun = await run(fourth.session_id, bigBodies, WIRE_TYPE);
    const { chunkMs, retries, ingestMs, analysisMs, status, detail } = jsonRun;

    const fps = (ms) => Math.round(FRAMES / (ms / 1000));
    const p50 = (ms) => Math.round(ms.slice().sort((a, b) => a - b)[Math.floor(ms.length / 2)]);
    const sorted = chunkMs.slice().sort((a, b) => a - b);
    console.log(
      JSON.stringify(
        {
          frames: FRAMES,
          chunks: bodies.length,
          body_mb: +(bytes / 1e6).toFixed(1),
          json_parse_ms: Math.round(parseMs),
          json_parse_fps: fps(parseMs),
          ingest_ms: Math.round(ingestMs),
          ingest_fps: fps(ingestMs),
          chunk_p50_ms: p50(chunkMs),
          chunk_max_ms: Math.round(sorted.at(-1)),
          transport_floor_p50_ms: Math.round(floorMs.sort((a, b) => a - b)[5]),
          retried_chunks: retries,
          complete_to_review_pending_ms: Math.round(analysisMs),
          whole_session_ms: Math.round(ingestMs + analysisMs),
          whole_session_vs_parse: +((ingestMs + analysisMs) / parseMs).toFixed(1),
          complete_answer: jsonRun.answered,
          final_status: status,
          frame_count: detail.pose_data?.frame_count,
          rep_count: detail.pose_data?.rep_count,
          binary_body_mb: +(wireBytes / 1e6).toFixed(1),
          binary_ingest_ms: Math.round(wireRun.ingestMs),
          binary_ingest_fps: fps(wireRun.ingestMs),
          binary_chunk_p50_ms: p50(wireRun.chunkMs),
          binary_complete_to_review_pending_ms: Math.round(wireRun.analysisMs),
          binary_complete_answer: wireRun.answered,
          binary_whole_session_ms: Math.round(wireRun.ingestMs + wireRun.analysisMs),
          binary_whole_session_vs_parse: +(
            (wireRun.ingestMs + wireRun.analysisMs) /
            parseMs
          ).toFixed(1),
          binary_final_status: wireRun.status,
          binary_rep_count: wireRun.detail.pose_data?.rep_count,
          binary_big_chunk_frames: BIG_CHUNK,
          binary_big_chunks: bigBodies.length,
          binary_big_ingest_ms: Math.round(bigRun.ingestMs),
          binary_big_chunk_p50_ms: p50(bigRun.chunkMs),
          binary_big_complete_to_review_pending_ms: Math.round(bigRun.analysisMs),
          binary_big_complete_answer: bigRun.answered,
          binary_big_whole_session_vs_parse: +(
            (bigRun.ingestMs + bigRun.analysisMs) /
            parseMs
          ).toFixed(1),
          binary_big_rep_count: bigRun.detail.pose_data?.rep_count,
          full_pass_complete_to_review_pending_ms: Math.round(fullRun.analysisMs),
          full_pass_complete_answer: fullRun.answered,
          full_pass_final_status: fullRun.status,
          full_pass_rep_count: fullRun.detail.pose_data?.rep_count,
          same_analysis:
            fullRun.detail.pose_data?.rep_count === detail.pose_data?.rep_count &&
            JSON.stringify(wireRun.detail.pose_data?.angle_ranges) ===
              JSON.stringify(detail.pose_data?.angle_ranges) &&
            wireRun.detail.pose_data?.rep_count === detail.pose_data?.rep_count &&
            bigRun.detail.pose_data?.rep_count === detail.pose_data?.rep_count &&
            JSON.stringify(bigRun.detail.pose_data?.angle_ranges) ===
              JSON.stringify(detail.pose_data?.angle_ranges),
          load_average: +loadavg()[0].toFixed(1),
        },
        null,
        2,
      ),
    );
    if (
      [status, wireRun.status, fullRun.status, bigRun.status].some((s) => s !== "review_pending")
    ) {
      process.exitCode = 1;
    }
  } finally {
    server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
