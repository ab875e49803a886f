// Chat fan-out under load: one chat room on the real runtime with 50 listening sockets, a sender
// posting messages through the room's socket, and for every message the time until each of the 50
// listeners has it (`message:received`). The same clients do the same against a bare echo Durable
// Object that sends every message to every socket of its room (bench/bare/echo.mjs, `/fanout/`),
// in the same run: the difference is what the chat room adds (validation, encryption, the D1
// write before the acknowledgement, the participants' user streams). Loopback only, bounded.
//
// The demo clinic has three staff accounts, so the 50 listeners are sockets of those members
// (an Internal Staff chat), not 50 distinct people: the room's socket fan-out is 50 wide, the
// user-stream publishes per message are one per member.
//
//   node bench/chat.mjs            (CHAT_LISTENERS=50 CHAT_MESSAGES=200 CHAT_IN_FLIGHT=8 by default)
//
// CHAT_VARIANTS=1 adds issue 21's comparison of the two chat designs, same clients, same run:
// the bench-only prototype of "the room's own SQLite is the log of record, copied to D1 behind
// it" (bench/bare/chat-log.mjs, `/chat-log/`), the same prototype room writing each batch to D1
// before its acks instead (`/chat-d1/`: the storage choice alone, without the product room's
// other work), and the echo, the chat room and both prototype rooms again at
// CHAT_IN_FLIGHT_HIGH (32) in flight: whether the gap is latency-bound (the closed loop of 8) or
// throughput-bound. CHAT_ROUNDS=2 runs that whole sequence twice, each row read against its own
// round's echo (a shared host drifts within a run).
// CHAT_PROFILE=1: a CPU profile of the API's isolate while the chat room row runs (the API then
// starts without the assets Worker in front, so wrangler's inspector shows its isolate).
import WebSocket from "ws";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { config, ROOT } from "./config.mjs";
import { startProfile } from "./live-profile.mjs";
import { Api, Session } from "./http.mjs";
import {
  ensureDevVars,
  killApiNow,
  resetBenchState,
  startApi,
  startChatLog,
  startEcho,
} from "./server.mjs";

const LISTENERS = Number(process.env.CHAT_LISTENERS ?? 50);
const MESSAGES = Number(process.env.CHAT_MESSAGES ?? 200);
const IN_FLIGHT = Number(process.env.CHAT_IN_FLIGHT ?? 8);
const VARIANTS = process.env.CHAT_VARIANTS === "1";
/** CHAT_PROFILE=1: a CPU profile of the API's isolate while the chat room row runs. */
const PROFILE = process.env.CHAT_PROFILE === "1";
const IN_FLIGHT_HIGH = Number(process.env.CHAT_IN_FLIGHT_HIGH ?? 32);
/** With CHAT_VARIANTS: the whole sequence this many times, each row read against its round's echo. */
const ROUNDS = VARIANTS ? Number(process.env.CHAT_ROUNDS ?? 1) : 1;

process.on("exit", killApiNow);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));
const hardStop = setTimeout(
  () => {
    console.error("chat bench: over its time limit, stopping.");
    process.exit(1);
  },
  (VARIANTS ? 10 : 5) * 60_000,
);
hardStop.unref();

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Opens a socket; with `greeting`, resolves once the server's first message arrived. */
function open(url, protocols, greeting = false) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    if (greeting) ws.once("message", () => resolve(ws));
    else ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade answered ${res.statusCode}`)),
    );
  });
}

/**
 * Sends MESSAGES messages with at most `inFlight` not yet fully fanned out; `frame(id)` builds a
 * message, `received(data)` returns the id a listener's message carries (or null). Resolves to
 * the per-listener latencies, the whole-fan-out latencies and the throughput.
 */
async function drive({ sender, listeners, frame, received, inFlight }) {
  const perListener = [];
  const whole = [];
  const pending = new Map(); // id -> { at, left }
  let next = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stalled at ${done}/${MESSAGES}`)), 120_000);
    const sendNext = () => {
      while (next < MESSAGES && pending.size < inFlight) {
        const id = `b${next++}-${Math.random().toString(36).slice(2, 8)}`;
        pending.set(id, { at: process.hrtime.bigint(), left: listeners.length });
        sender.send(frame(id));
      }
    };
    const handlers = [];
    for (const ws of listeners) {
      const onMessage = (raw) => {
        const id = received(raw.toString());
        const entry = id && pending.get(id);
        if (!entry) return;
        const ms = Number(process.hrtime.bigint() - entry.at) / 1e6;
        perListener.push(ms);
        if (--entry.left > 0) return;
        whole.push(ms);
        pending.delete(id);
        if (++done === MESSAGES) {
          clearTimeout(timer);
          // The sockets are driven again at another level: this run's handlers go.
          for (const [socket, handler] of handlers) socket.off("message", handler);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          resolve({ perListener, whole, perSecond: MESSAGES / seconds });
        } else sendNext();
      };
      ws.on("message", onMessage);
      handlers.push([ws, onMessage]);
    }
    sendNext();
  });
}

function summary(run) {
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const one = sorted(run.perListener);
  const all = sorted(run.whole);
  return {
    messages_per_s: +run.perSecond.toFixed(1),
    deliveries_per_s: +(run.perSecond * LISTENERS).toFixed(0),
    listener_p50_ms: +percentile(one, 50).toFixed(2),
    listener_p99_ms: +percentile(one, 99).toFixed(2),
    all_p50_ms: +percentile(all, 50).toFixed(2),
    all_p99_ms: +percentile(all, 99).toFixed(2),
  };
}

/** Polls the prototype room until its log is copied to D1; answers the status and the wait. */
async function drained(base, room) {
  const started = Date.now();
  for (;;) {
    const status = await (await fetch(`${base}/chat-log/${room}`)).json();
    if (status.pending === 0 || Date.now() - started > 30_000) {
      return { ...status, drained_after_ms: Date.now() - started };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main() {
  const seedToken = ensureDevVars();
  resetBenchState();
  console.log(
    `chat bench: ${MESSAGES} messages to ${LISTENERS} listening sockets, ${IN_FLIGHT} in flight, beside a fan-out echo` +
      (VARIANTS ? `; with the log-of-record prototype, and ${IN_FLIGHT_HIGH} in flight` : ""),
  );
  // Without the assets Worker in front, wrangler's inspector shows the API's isolate (the profile).
  const [api, echo] = [await startApi({ assets: !PROFILE }), await startEcho()];
  const prototype = VARIANTS ? await startChatLog() : null;
  const client = new Api(api.base);
  const seeded = await client.call("POST", "/api/v1/dev/seed", {
    headers: { "x-seed-token": seedToken },
  });
  const staffRoles = ["admin", "physiotherapist", "doctor"];
  const staff = await Promise.all(
    staffRoles.map((role) => {
      const login = seeded.logins.find((l) => l.role === role);
      return Session.login(client, login.email, seeded.password);
    }),
  );
  const members = await Promise.all(staff.map((s) => s.call("GET", "/api/v1/users/me")));
  const chat = await staff[0].call("POST", "/api/v1/chats", {
    body: {
      name: "Bench fan-out",
      type: "Internal Staff",
      participant_ids: members.slice(1).map((m) => m.id),
    },
  });
  const tokens = await Promise.all(staff.map((s) => s.token()));
  const wsBase = api.base.replace("http", "ws");
  const roomUrl = `${wsBase}/api/v1/chats/${chat.id}/ws`;
  const listeners = [];
  for (let i = 0; i < LISTENERS; i++) {
    listeners.push(await open(roomUrl, ["rehab.v1", `bearer.${tokens[i % tokens.length]}`], true));
  }
  const sender = await open(roomUrl, ["rehab.v1", `bearer.${tokens[0]}`], true);
  const echoUrl = `${echo.base.replace("http", "ws")}/fanout/bench`;
  const echoListeners = await Promise.all(listeners.map(() => open(echoUrl)));
  const echoSender = await open(echoUrl);

  // The chat wire format (message:send in, message:received out), shared by the real room and
  // the prototype rooms.
  const chatFrame = (id) =>
    JSON.stringify({
      event: "message:send",
      data: { type: "text", content: `fan-out ${id}`, client_message_id: id },
    });
  const chatReceived = (text) => {
    const e = JSON.parse(text);
    return e.event === "message:received" ? e.data.content.slice("fan-out ".length) : null;
  };
  const targets = {
    echo: {
      sender: echoSender,
      listeners: echoListeners,
      frame: (id) => JSON.stringify({ event: "message:send", data: { client_message_id: id } }),
      received: (text) => JSON.parse(text).data?.client_message_id ?? null,
    },
    chat: { sender, listeners, frame: chatFrame, received: chatReceived },
  };
  const rooms = VARIANTS ? ["chat-log", "chat-d1"] : [];
  for (const mode of rooms) {
    const url = `${prototype.base.replace("http", "ws")}/${mode}/bench`;
    const users = members.map((m) => m.id);
    const ls = [];
    for (let i = 0; i < LISTENERS; i++) {
      ls.push(await open(`${url}?user=${users[i % users.length]}`, undefined, true));
    }
    targets[mode] = {
      sender: await open(`${url}?user=${users[0]}`, undefined, true),
      listeners: ls,
      frame: chatFrame,
      received: chatReceived,
    };
  }
  console.log(
    "sockets open; the echo first, then the chat room" + (VARIANTS ? ", then the prototype" : ""),
  );

  // In order: what each row is, its target, its in-flight level.
  const plan = [
    ["fan-out echo Durable Object (floor)", "echo", IN_FLIGHT],
    ["chat room (guarded D1 write before the ack)", "chat", IN_FLIGHT],
  ];
  if (VARIANTS) {
    plan.push(
      ["prototype: room SQLite log of record, D1 behind", "chat-log", IN_FLIGHT],
      ["prototype: same room, D1 batch before the ack", "chat-d1", IN_FLIGHT],
      [`fan-out echo, ${IN_FLIGHT_HIGH} in flight`, "echo", IN_FLIGHT_HIGH],
      [`chat room, ${IN_FLIGHT_HIGH} in flight`, "chat", IN_FLIGHT_HIGH],
      [`prototype: log of record, ${IN_FLIGHT_HIGH} in flight`, "chat-log", IN_FLIGHT_HIGH],
      [`prototype: D1 before the ack, ${IN_FLIGHT_HIGH} in flight`, "chat-d1", IN_FLIGHT_HIGH],
    );
  }
  const rows = [];
  const copies = [];
  let profile = null;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [label, target, inFlight] of plan) {
      const name = ROUNDS > 1 ? `round ${round}: ${label}` : label;
      // CHAT_PROFILE=1: the first chat room row runs under the CPU profiler.
      const profiler =
        PROFILE && target === "chat" && !profile
          ? await startProfile(api.inspectorPort, join(ROOT, config.buildDir, "index.js"))
          : null;
      const run = await drive({ ...targets[target], inFlight });
      if (profiler) profile = await profiler.stop();
      const row = { name, target, in_flight: inFlight, round, ...summary(run) };
      if (target === "chat-log") {
        // Every acknowledged message must reach D1 behind the room, once, with its seq.
        const status = await drained(prototype.base, "bench");
        copies.push({ round, in_flight: inFlight, ...status });
        row.copied_to_d1_ms = status.drained_after_ms;
      }
      rows.push(row);
    }
  }
  if (VARIANTS) {
    const d1Status = await (await fetch(`${prototype.base}/chat-d1/bench`)).json();
    copies.push({ mode: "chat-d1", ...d1Status });
  }
  for (const target of Object.values(targets)) {
    for (const ws of [...target.listeners, target.sender]) ws.close();
  }

  const echoAt = (inFlight, round) =>
    rows.find((r) => r.target === "echo" && r.in_flight === inFlight && r.round === round)
      ?.messages_per_s;
  for (const row of rows) {
    if (row.target !== "echo")
      row.vs_echo = +(row.messages_per_s / echoAt(row.in_flight, row.round)).toFixed(2);
  }
  const [echoRow, chatRow] = rows;
  const result = {
    listeners: LISTENERS,
    messages: MESSAGES,
    in_flight: IN_FLIGHT,
    echo: echoRow,
    chat: chatRow,
    throughput_vs_echo: chatRow.vs_echo,
    pass: chatRow.vs_echo >= 0.8,
    ...(VARIANTS && { variants: rows, copies }),
  };

  console.log(
    "\n| room | in flight | messages/s | deliveries/s | one listener p50 / p99 ms | all 50 p50 / p99 ms | vs echo |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.in_flight} | ${r.messages_per_s} | ${r.deliveries_per_s} | ${r.listener_p50_ms} / ${r.listener_p99_ms} | ${r.all_p50_ms} / ${r.all_p99_ms} | ${r.vs_echo ?? ""} |`,
    );
  }
  for (const c of copies) console.log(`copy to D1: ${JSON.stringify(c)}`);
  if (profile) {
    result.profile = profile;
    console.log(
      `\nCPU profile of the API isolate during the chat room row (${profile.total_ms} ms):`,
    );
    for (const m of profile.modules) console.log(`  ${m.share}%  ${m.name}`);
    console.log("Top functions:");
    for (const f of profile.functions) console.log(`  ${f.share}%  ${f.name}`);
  }
  console.log(
    `\nchat throughput ${result.throughput_vs_echo} of the echo's (aim ≥ 0.8): ${result.pass ? "MET" : "MISSED"}`,
  );
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, VARIANTS ? "chat-variants.json" : "chat.json"),
    JSON.stringify(result, null, 2),
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
