/**
 * Chats with real clients against `npm start`: partysocket (Node, `ws`) clients chat through a
 * chat room while their sockets are forced to reconnect mid-stream. The sender keeps an outbox of
 * unacknowledged messages and resends it in order on every (re)open with the same client ids; the
 * recipient's `/ws` stream always connects with `?since=<last seq>` (0 at first: without it, a
 * fresh connection may miss an event published while it is being accepted). Expected: every message stored
 * once, in the order sent, and the stream delivering each exactly once, in order.
 */
import { WebSocket as PartySocket } from "partysocket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: `ws` (a devDependency) ships no type declarations.
import WS from "ws";
import { apiCall, apiLogin, attachedServer, loginOf, startServer, type Server } from "./harness";

const MESSAGES = 300;
const RECONNECT_EVERY = 60;

let server: Server;
beforeAll(async () => {
  server = attachedServer() ?? (await startServer({ port: 8882, inspectorPort: 8883 }));
});
afterAll(async () => {
  await server?.stop();
});

const wsBase = () => server.base.replace(/^http/, "ws");
const socketOptions = { WebSocket: WS, minReconnectionDelay: 50, maxReconnectionDelay: 500 };

type Event = { event: string; data: any; seq?: number };

describe("chat with partysocket clients", () => {
  it("happy: hundreds of messages with forced reconnects: nothing lost, nothing doubled, order kept", async () => {
    const physio = await apiLogin(server, loginOf(server, "physiotherapist").email);
    const patientLogin = server.logins.find((l) => l.role === "patient")!;
    const patient = await apiLogin(server, patientLogin.email);
    const patientUserId = (patient as { user?: { id: string } }).user!.id;
    const profile = await apiCall<{ id: string }>(server, "GET", "/api/v1/patients/profile", {
      token: patient.access_token,
    });
    const created = await apiCall<{ id: string }>(server, "POST", "/api/v1/chats", {
      token: physio.access_token,
      body: {
        name: "Care Team e2e",
        type: "Care Team",
        patient_id: profile.body.data.id,
        participant_ids: [patientUserId],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const chatId = created.body.data.id;

    // The recipient's event stream, resuming from the last seq it processed.
    let lastSeq = 0;
    const streamed: Event[] = [];
    const stream = new PartySocket(
      () => `${wsBase()}/ws?since=${lastSeq}`,
      ["rehab.v1", `bearer.${patient.access_token}`],
      socketOptions,
    );
    stream.addEventListener("message", (m) => {
      const e = JSON.parse(String(m.data)) as Event;
      if (e.seq === undefined) return;
      expect(e.seq, "stream seqs rise without repeats").toBeGreaterThan(lastSeq);
      lastSeq = e.seq;
      if (e.event === "message:received" && e.data.chat_id === chatId) streamed.push(e);
    });
    await new Promise((resolve) => stream.addEventListener("open", resolve, { once: true }));

    // The sender: an outbox resent in order on every open; sends only while open.
    const ids = Array.from({ length: MESSAGES }, (_, i) => `e2e-${Date.now()}-${i}`);
    const outbox = new Map<string, string>();
    const acked = new Map<string, { seq: number; content: string }>();
    const room = new PartySocket(
      `${wsBase()}/api/v1/chats/${chatId}/ws`,
      ["rehab.v1", `bearer.${physio.access_token}`],
      socketOptions,
    );
    const sendOne = (id: string) =>
      room.send(
        JSON.stringify({
          event: "message:send",
          data: { type: "text", content: outbox.get(id), client_message_id: id },
        }),
      );
    let opens = 0;
    room.addEventListener("open", () => {
      opens++;
      for (const id of outbox.keys()) sendOne(id);
    });
    const done = new Promise<void>((resolve) => {
      room.addEventListener("message", (m) => {
        const e = JSON.parse(String(m.data)) as Event;
        if (e.event !== "message:ack") return;
        const id = e.data.client_message_id as string;
        outbox.delete(id);
        if (!acked.has(id))
          acked.set(id, { seq: e.data.message.seq, content: e.data.message.content });
        if (acked.size === MESSAGES) resolve();
      });
    });
    await new Promise((resolve) => room.addEventListener("open", resolve, { once: true }));

    for (const [i, id] of ids.entries()) {
      outbox.set(id, `m${i + 1}`);
      if (room.readyState === WS.OPEN) sendOne(id);
      if ((i + 1) % RECONNECT_EVERY === 0) {
        // Drop the socket with sends still unacknowledged; carry on once it is back.
        const reopened = new Promise((r) => room.addEventListener("open", r, { once: true }));
        room.reconnect(4000, "forced");
        if (i % (2 * RECONNECT_EVERY) === RECONNECT_EVERY - 1) stream.reconnect(4000, "forced");
        await reopened;
      }
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await done;
    expect(opens).toBeGreaterThan(MESSAGES / RECONNECT_EVERY - 1);

    // Stored once each, seq order = send order.
    const bySeq = [...acked.values()].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((a) => a.seq)).toEqual(ids.map((_, i) => i + 1));
    expect(bySeq.map((a) => a.content)).toEqual(ids.map((_, i) => `m${i + 1}`));

    // The stream caught up across its reconnects: every message once, in order.
    const deadline = Date.now() + 30_000;
    while (streamed.length < MESSAGES && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(streamed.map((e) => e.data.seq)).toEqual(ids.map((_, i) => i + 1));
    room.close();
    stream.close();
  });
});
