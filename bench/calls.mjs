// Call signalling benchmark: `node bench/calls.mjs`. Starts `npm start` (scripts/start.mjs) on
// loopback port 8874 with a fresh state directory and the demo clinic, rings a call from the
// physio to a patient, answers it, opens both participants' sockets on the call room, then times:
// - relay: an `offer` from A relayed to B, whose `answer` is relayed back to A (two hops);
// - echo: `ping` → `pong` on the same room (one hop, the room's floor);
// both sequentially (one in flight), and the relay also with 20 in flight. Prints p50/p99 in ms.
// Bounded: each phase stops after its count or 20 s; the server is stopped at the end.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PORT = Number(process.env.BENCH_CALLS_PORT ?? 8874);
const COUNT = Number(process.env.BENCH_CALLS_COUNT ?? 2000);
const PHASE_MS = 20_000;
const SDP = "v=0\r\n" + "a=candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host\r\n".repeat(20);

const dir = mkdtempSync(join(tmpdir(), "rehab-bench-calls-"));
const ready = join(dir, "ready.json");
const server = spawn(process.execPath, [join(ROOT, "scripts/start.mjs")], {
  cwd: ROOT,
  detached: true,
  stdio: "ignore",
  env: {
    ...process.env,
    PORT: String(PORT),
    INSPECTOR_PORT: String(PORT + 1),
    PERSIST_TO: join(dir, "state"),
    READY_FILE: ready,
  },
});
const stop = () => {
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    // gone
  }
  rmSync(dir, { recursive: true, force: true });
};

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs) =>
  `n=${xs.length} p50=${pct(xs, 50).toFixed(3)} ms p99=${pct(xs, 99).toFixed(3)} ms`;

async function main() {
  const deadline = Date.now() + 180_000;
  while (!existsSync(ready)) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error("server did not start");
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 50));
  const { base, data } = JSON.parse(readFileSync(ready, "utf8"));
  const login = async (role) => {
    const email = data.logins.find((l) => l.role === role).email;
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: data.password }),
    });
    return (await res.json()).data;
  };
  const [a, b] = [await login("physiotherapist"), await login("patient")];
  const post = async (path, token, body) =>
    (
      await fetch(`${base}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body && JSON.stringify(body),
      })
    ).json();
  const call = (
    await post("/api/v1/calls/initiate", a.access_token, {
      recipient_id: b.user.id,
      call_type: "video",
    })
  ).data;
  await post(`/api/v1/calls/${call.id}/answer`, b.access_token);

  const open = (token) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base.replace("http", "ws")}/parties/call/${call.id}`, [
        "rehab.v1",
        `bearer.${token}`,
      ]);
      ws.once("message", () => resolve(ws)); // ready
      ws.once("error", reject);
    });
  const wsA = await open(a.access_token);
  const wsB = await open(b.access_token);
  // B answers every offer back to A.
  wsB.on("message", (m) => {
    const e = JSON.parse(String(m));
    if (e.event === "offer") {
      wsB.send(JSON.stringify({ event: "answer", data: { to: a.user.id, sdp: e.data.sdp } }));
    }
  });

  const waiters = new Map();
  wsA.on("message", (m) => {
    const e = JSON.parse(String(m));
    const key =
      e.event === "answer" ? e.data.sdp.slice(0, 24) : e.event === "pong" ? e.data.id : null;
    const w = key && waiters.get(key);
    if (w) {
      waiters.delete(key);
      w();
    }
  });
  const roundTrip = (key, payload) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      waiters.set(key, () => resolve(performance.now() - t0));
      wsA.send(JSON.stringify(payload));
    });
  const relay = (i) => {
    const tag = `v=${String(i).padStart(20, "0")}\r\n`;
    return roundTrip(tag.slice(0, 24), { event: "offer", data: { to: b.user.id, sdp: tag + SDP } });
  };
  const echo = (i) => roundTrip(`p${i}`, { event: "ping", data: { id: `p${i}` } });

  for (let i = 0; i < 100; i++) await relay(-i - 1); // warm-up
  const phase = async (fn, inFlight) => {
    const times = [];
    const end = Date.now() + PHASE_MS;
    let next = 0;
    const lane = async () => {
      while (next < COUNT && Date.now() < end) times.push(await fn(next++ + inFlight * 1e6));
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return times;
  };
  const echoTimes = await phase(echo, 1);
  const relayTimes = await phase(relay, 1);
  const relay20 = await phase(relay, 20);
  console.log(`call room echo (ping→pong, 1 in flight):        ${fmt(echoTimes)}`);
  console.log(`call room relay (offer→answer, 1 in flight):    ${fmt(relayTimes)}`);
  console.log(`call room relay (offer→answer, 20 in flight):   ${fmt(relay20)}`);
  wsA.close();
  wsB.close();
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(stop);
