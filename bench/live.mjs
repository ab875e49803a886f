// Live exercise feedback under load: 50 patients' devices stream a squat at 30 frames a second to
// their sessions' live rooms (`/parties/live-session/{id}`) on the real runtime, one frame per
// message, and every frame's round trip (send → its `feedback`) is recorded. The same clients do
// the same against a bare echo Durable Object in the same run: the difference is what the room
// adds per frame (validation, analysis, fan-out, batched storage), since workerd's clocks do not
// advance during a request and server-side timers cannot measure it. Loopback only, bounded.
//
//   node bench/live.mjs            (LIVE_SESSIONS=50 LIVE_SECONDS=30 LIVE_FPS=30 by default)
import WebSocket from "ws";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { config, ROOT } from "./config.mjs";
import { Api, Session } from "./http.mjs";
import { ensureDevVars, killApiNow, resetBenchState, startApi, startEcho } from "./server.mjs";
import { startProfile } from "./live-profile.mjs";
import { measureFrameCost } from "./live-frame-cost.mjs";

const SESSIONS = Number(process.env.LIVE_SESSIONS ?? 50);
const SECONDS = Number(process.env.LIVE_SECONDS ?? 30);
const FPS = Number(process.env.LIVE_FPS ?? 30);
const PORTRAIT = { width: 720, height: 1280 };
const TARGET_P99_MS = 1000 / FPS / 10;
/** LIVE_PROFILE=1: a CPU profile of the API's isolate while the live rooms are driven. */
const PROFILE = process.env.LIVE_PROFILE === "1";

process.on("exit", killApiNow);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));
const hardStop = setTimeout(() => {
  console.error("live bench: over 6 minutes, stopping.");
  process.exit(1);
}, 6 * 60_000);
hardStop.unref();

/** A side-view squatter in BlazePose's 33 landmarks (normalised to a portrait frame). */
function squatFrame(timestamp) {
  const phase = (timestamp / 3000) * 2 * Math.PI;
  const knee = 130 - 45 * Math.cos(phase); // 175° standing … 85° at the bottom
  const rad = ((180 - knee) * Math.PI) / 180;
  const thigh = 0.18;
  const shank = 0.17;
  const ankle = [0.5, 0.85];
  const kneeAt = [ankle[0] + shank * Math.sin(rad / 2), ankle[1] - shank * Math.cos(rad / 2)];
  const hip = [kneeAt[0] - thigh * Math.sin(rad / 2), kneeAt[1] - thigh * Math.cos(rad / 2)];
  const shoulder = [hip[0] + 0.05 * Math.sin(rad / 2), hip[1] - 0.25];
  const at = (i) => {
    if (i <= 10) return [shoulder[0], shoulder[1] - 0.08];
    if (i <= 22) return i % 2 ? [shoulder[0], shoulder[1] + 0.1] : [shoulder[0], shoulder[1] + 0.1];
    if (i <= 24) return hip;
    if (i <= 26) return kneeAt;
    if (i <= 28) return ankle;
    return [ankle[0] + (i >= 31 ? 0.06 : -0.02), ankle[1] + 0.02];
  };
  const landmarks = Array.from({ length: 33 }, (_, i) => {
    const [x, y] = i === 11 || i === 12 ? shoulder : at(i);
    // Portrait frame: x is a fraction of the (narrower) width.
    return {
      x: 0.5 + (x - 0.5) * (PORTRAIT.height / PORTRAIT.width) * 0.5,
      y,
      z: 0,
      visibility: 0.99,
    };
  });
  return { timestamp, landmarks };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    frames: sorted.length,
    p50_ms: +percentile(sorted, 50).toFixed(3),
    p95_ms: +percentile(sorted, 95).toFixed(3),
    p99_ms: +percentile(sorted, 99).toFixed(3),
    max_ms: +(sorted.at(-1) ?? NaN).toFixed(3),
  };
}

/** Opens a socket; with `greeting`, resolves once the server's first message (`ready`) arrived. */
function open(url, protocols, greeting = false) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    // The room greets at once: listen before the socket opens, or the greeting may be missed.
    if (greeting) ws.once("message", () => resolve(ws));
    else ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade answered ${res.statusCode}`)),
    );
  });
}

/**
 * Streams FPS frames a second for SECONDS on each socket; `isReply(message)` picks the message
 * that answers a frame and returns its timestamp. Resolves to every round trip in ms.
 */
async function drive(sockets, isReply) {
  const rtts = [];
  const lost = { count: 0 };
  const start = Date.now() + 200;
  await Promise.all(
    sockets.map(
      (ws, s) =>
        new Promise((resolve) => {
          const sent = new Map();
          ws.on("message", (data) => {
            const t = isReply(JSON.parse(data.toString()));
            if (t === null || !sent.has(t)) return;
            rtts.push(Number(process.hrtime.bigint() - sent.get(t)) / 1e6);
            sent.delete(t);
          });
          const total = Math.round(SECONDS * FPS);
          let i = 0;
          // Stagger the 50 devices across one frame interval, as real phones would be.
          const offset = (s / sockets.length) * (1000 / FPS);
          const tick = () => {
            if (i >= total) {
              // Late answers still count (a loaded host queues them); unanswered after 10 s is lost.
              const giveUp = Date.now() + 10_000;
              const settle = () => {
                if (sent.size > 0 && Date.now() < giveUp) return void setTimeout(settle, 100);
                lost.count += sent.size;
                resolve();
              };
              settle();
              return;
            }
            const frame = squatFrame(1000 + Math.round((i * 1000) / FPS));
            sent.set(frame.timestamp, process.hrtime.bigint());
            ws.send(JSON.stringify({ type: "frames", frames: [frame], frame_size: PORTRAIT }));
            i++;
            setTimeout(tick, Math.max(0, start + offset + (i * 1000) / FPS - Date.now()));
          };
          setTimeout(tick, Math.max(0, start + offset - Date.now()));
        }),
    ),
  );
  return { rtts, lost: lost.count };
}

async function main() {
  const seedToken = ensureDevVars();
  resetBenchState();
  console.log(
    `live bench: ${SESSIONS} sessions × ${FPS} fps × ${SECONDS} s, beside an echo Durable Object`,
  );
  // Without the assets Worker in front, wrangler's inspector shows the API's isolate (the profile).
  const [api, echo] = [await startApi({ assets: !PROFILE }), await startEcho()];
  const client = new Api(api.base);
  const seeded = await client.call("POST", "/api/v1/dev/seed", {
    headers: { "x-seed-token": seedToken },
  });
  const patients = await Promise.all(
    seeded.logins
      .filter((l) => l.role === "patient")
      .map((l) => Session.login(client, l.email, seeded.password)),
  );
  const profiles = await Promise.all(
    patients.map((p) => p.call("GET", "/api/v1/patients/profile")),
  );
  const sessions = [];
  for (let i = 0; i < SESSIONS; i++) {
    const who = i % patients.length;
    const created = await patients[who].call("POST", "/api/v1/sessions", {
      body: { patient_id: profiles[who].id, exercise_type: "squat", frame_size: PORTRAIT },
    });
    sessions.push({ id: created.session_id, token: await patients[who].token() });
  }

  console.log(`${sessions.length} sessions created; opening sockets`);
  const wsBase = api.base.replace("http", "ws");
  const live = await Promise.all(
    sessions.map((s) =>
      open(`${wsBase}/parties/live-session/${s.id}`, ["rehab.v1", `bearer.${s.token}`], true),
    ),
  );
  const echoes = await Promise.all(
    sessions.map((s) => open(`${echo.base.replace("http", "ws")}/echo/${s.id}`)),
  );

  console.log("sockets open; streaming to the echo, then to the live rooms");
  const echoRun = await drive(echoes, (m) => (m.type === "frames" ? m.frames[0].timestamp : null));
  const profiler = PROFILE
    ? await startProfile(api.inspectorPort, join(ROOT, config.buildDir, "index.js"))
    : null;
  const liveRun = await drive(live, (m) => (m.type === "feedback" ? m.timestamp : null));
  const profile = await profiler?.stop();
  for (const ws of [...live, ...echoes]) ws.close();

  await Promise.all([api.stop(), echo.stop()]);
  // With the runtimes stopped, so the Node timing has the machine's cores to itself.
  const serverPerFrame = await measureFrameCost({
    outDir: join(ROOT, config.buildDir),
    makeFrame: squatFrame,
    frameSize: PORTRAIT,
    fps: FPS,
  });

  const result = {
    sessions: SESSIONS,
    fps: FPS,
    seconds: SECONDS,
    echo: { ...summary(echoRun.rtts), unanswered: echoRun.lost },
    live: { ...summary(liveRun.rtts), unanswered: liveRun.lost },
    server_per_frame: serverPerFrame,
  };
  result.room_added_p50_ms = +(result.live.p50_ms - result.echo.p50_ms).toFixed(3);
  result.live_p99_vs_echo = +(result.live.p99_ms / result.echo.p99_ms).toFixed(2);
  result.target_p99_ms = +TARGET_P99_MS.toFixed(2);
  result.pass = result.live.p99_ms < TARGET_P99_MS && liveRun.lost === 0;

  console.log("\n| socket | frames | p50 ms | p95 ms | p99 ms | max ms | unanswered |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, r] of [
    ["echo Durable Object (floor)", result.echo],
    ["live-session room", result.live],
  ]) {
    console.log(
      `| ${name} | ${r.frames} | ${r.p50_ms} | ${r.p95_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.unanswered} |`,
    );
  }
  console.log(
    `\nRoom adds ${result.room_added_p50_ms} ms per frame at p50; live p99 ${result.live.p99_ms} ms ` +
      `(${result.live_p99_vs_echo}× the echo's) against the ${result.target_p99_ms} ms aim: ${result.pass ? "PASS" : "MISS"}`,
  );
  const cost = result.server_per_frame;
  console.log(
    `Server time per frame (the room's per-frame module in Node, ${cost.frames} frames): ` +
      `p50 ${cost.p50_us} µs, p99 ${cost.p99_us} µs, mean ${cost.mean_us} µs ` +
      `(one core: ${cost.frames_per_second_one_core} frames/s; the bench sends ${SESSIONS * FPS}/s)`,
  );
  if (profile) {
    result.profile = profile;
    // Busy (not idle) isolate time over frames answered: the room's cost inside workerd,
    // in wall time of a sampled, shared machine (an upper bound).
    const idle = profile.modules.find((m) => m.name === "(idle)")?.ms ?? 0;
    result.isolate_busy_ms_per_frame = +((profile.total_ms - idle) / result.live.frames).toFixed(3);
    console.log(
      `\nCPU profile of the API isolate while the rooms ran (${profile.total_ms} ms; busy ` +
        `${result.isolate_busy_ms_per_frame} ms per answered frame):`,
    );
    for (const m of profile.modules) console.log(`  ${m.share}%  ${m.name}`);
    console.log("Top functions:");
    for (const f of profile.functions) console.log(`  ${f.share}%  ${f.name}`);
  }
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/live.json"), JSON.stringify(result, null, 2));
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
