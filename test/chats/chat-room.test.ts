/** The chat room socket: protocol, ordering, harmless resend, fan-out, access, and an aborted room losing nothing. */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { upgrade } from "../realtime/socket";
import { openStream } from "../realtime/socket";
import { careTeamChat, clientId, familyChat, openChat, sendText } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Chat Room Clinic");
});

const say = (content: string, id = clientId()) => ({
  event: "message:send",
  data: { type: "text", content, client_message_id: id },
});

async function count(chatId: string) {
  const row = await env.DB.prepare("select count(*) as n from chat_messages where chat_id = ?")
    .bind(chatId)
    .first<{ n: number }>();
  return row!.n;
}

describe("happy", () => {
  // A burst without waiting for acks: once reordered by hibernatable event delivery (see
  // ChatRoom.options), so it stays a burst.
  it("acknowledges after storing, in order, and fans out to the room and the user streams", async () => {
    const chat = await careTeamChat(clinic);
    const physio = await openChat(clinic.physio, chat.id);
    const patient = await openChat(clinic.patientUser, chat.id);
    const stream = (await openStream(clinic.patientUser.token)).socket;
    await stream.next();
    for (let i = 1; i <= 20; i++) physio.send(say(`m${i}`));
    const acks = [];
    for (let i = 1; i <= 20; i++) acks.push(await physio.next());
    // The sender's own room socket also gets each broadcast; keep the acks only.
    const acked = acks.filter((e) => e.event === "message:ack");
    while (acked.length < 20) {
      const e = await physio.next();
      if (e.event === "message:ack") acked.push(e);
    }
    expect(acked.map((a) => a.data.message.seq)).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(acked.map((a) => a.data.message.content)).toEqual(
      [...Array(20).keys()].map((i) => `m${i + 1}`),
    );
    const received = [];
    while (received.length < 20) received.push(await patient.next());
    expect(received.map((e) => e.data.content)).toEqual(
      [...Array(20).keys()].map((i) => `m${i + 1}`),
    );
    const streamed = [];
    while (streamed.length < 20) streamed.push(await stream.next());
    expect(streamed.map((e) => e.data.seq)).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(await count(chat.id)).toBe(20);
    physio.close();
    patient.close();
    stream.close();
  });

  it("a resend with the same client_message_id returns the same message and stores nothing", async () => {
    const chat = await careTeamChat(clinic);
    const socket = await openChat(clinic.physio, chat.id);
    const patient = await openChat(clinic.patientUser, chat.id);
    const id = clientId();
    socket.send(say("Once only", id));
    let first;
    while (!first) {
      const e = await socket.next();
      if (e.event === "message:ack") first = e;
    }
    socket.send(say("Once only", id));
    let second;
    while (!second) {
      const e = await socket.next();
      if (e.event === "message:ack") second = e;
    }
    expect(second.data.replayed).toBe(true);
    expect(second.data.message.id).toBe(first.data.message.id);
    const http = await sendText(clinic.physio, chat.id, "Once only", id);
    expect(http.status).toBe(200);
    expect(http.headers.get("idempotent-replayed")).toBe("true");
    expect(http.body.data.id).toBe(first.data.message.id);
    expect(await count(chat.id)).toBe(1);
    expect((await patient.next()).event).toBe("message:received");
    expect(await patient.quiet(), "the resend was not fanned out again").toBe(true);
    socket.close();
    patient.close();
  });

  it("relays typing and read receipts to the other participants", async () => {
    const chat = await careTeamChat(clinic);
    const physio = await openChat(clinic.physio, chat.id);
    const patient = await openChat(clinic.patientUser, chat.id);
    physio.send({ event: "typing", data: { is_typing: true } });
    expect(await patient.next()).toMatchObject({
      event: "user:typing",
      data: { user_id: clinic.physio.id, is_typing: true },
    });
    await sendText(clinic.physio, chat.id, "Read me");
    expect((await patient.next()).event).toBe("message:received");
    patient.send({ event: "read", data: { seq: 1 } });
    let receipt;
    while (!receipt) {
      const e = await physio.next();
      if (e.event === "message:read") receipt = e;
    }
    expect(receipt.data).toMatchObject({ read_by: clinic.patientUser.id, last_read_seq: 1 });
    physio.close();
    patient.close();
  });
});

describe("errors", () => {
  it("answers bad messages with an error event and keeps the socket open", async () => {
    const chat = await careTeamChat(clinic);
    const socket = await openChat(clinic.physio, chat.id);
    socket.send("{nope");
    expect((await socket.next()).data.code).toBe("VALIDATION_ERROR");
    socket.send({ event: "message:send", data: { type: "text", content: "no id" } });
    const missing = await socket.next();
    expect(missing.data.details.map((d: any) => d.field)).toContain("data.client_message_id");
    socket.send({ event: "read", data: { seq: 99 } });
    expect((await socket.next()).data.code).toBe("VALIDATION_ERROR");
    socket.send({ event: "ping", data: { id: "alive" } });
    expect(await socket.next()).toEqual({ event: "pong", data: { id: "alive" } });
    socket.close();
  });
});

describe("security", () => {
  it("refuses non-participants, other workspaces and family without the chat scope before the upgrade", async () => {
    const chat = await careTeamChat(clinic);
    for (const user of [clinic.nurse, clinic.otherPatientUser, clinic.family, clinic.admin]) {
      const res = await upgrade(`/api/v1/chats/${chat.id}/ws?token=${user.token}`);
      expect(res.status, user.role).toBe(404);
      expect(res.webSocket).toBeNull();
    }
    const other = await createClinic();
    const res = await upgrade(`/api/v1/chats/${chat.id}/ws?token=${other.admin.token}`);
    expect(res.status).toBe(404);
    expect((await upgrade(`/api/v1/chats/${chat.id}/ws`)).status).toBe(401);
    const fam = await familyChat(clinic);
    await env.DB.prepare("update family_access set scopes = ? where family_user_id = ?")
      .bind(JSON.stringify(["session_summaries"]), clinic.family.id)
      .run();
    try {
      const denied = await upgrade(`/api/v1/chats/${fam.id}/ws?token=${clinic.family.token}`);
      expect(denied.status).toBe(404);
    } finally {
      await env.DB.prepare("update family_access set scopes = ? where family_user_id = ?")
        .bind(JSON.stringify(["chat", "session_summaries"]), clinic.family.id)
        .run();
    }
  });

  it("closes a removed participant's socket and refuses their sends", async () => {
    const chat = await careTeamChat(clinic);
    const patient = await openChat(clinic.patientUser, chat.id);
    const res = await api(
      "DELETE",
      `/api/v1/chats/${chat.id}/participants/${clinic.patientUser.id}`,
      {
        token: clinic.physio.token,
      },
    );
    expect(res.status, res.text).toBe(204);
    expect(await patient.closed).toBe(4003);
    expect((await sendText(clinic.patientUser, chat.id, "still here?")).status).toBe(404);
  });
});

describe("eviction", () => {
  it("a chat room aborted mid-conversation loses no acknowledged message and reuses no seq", async () => {
    const chat = await careTeamChat(clinic);
    const ids = [clientId(), clientId(), clientId()];
    for (const [i, id] of ids.entries()) {
      const res = await sendText(clinic.physio, chat.id, `before ${i}`, id);
      expect(res.status, res.text).toBe(201);
    }
    const stub = env.ChatRoom.get(env.ChatRoom.idFromName(chat.id));
    await expect(runInDurableObject(stub, (_, state) => state.abort("evicted"))).rejects.toThrow();
    const resend = await sendText(clinic.physio, chat.id, "before 2", ids[2]);
    expect(resend.status, "a resend after the abort finds the stored message").toBe(200);
    const after = await sendText(clinic.patientUser, chat.id, "after");
    expect(after.body.data.seq).toBe(4);
    const got = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.physio.token });
    expect(got.body.data.messages.map((m: any) => [m.seq, m.content])).toEqual([
      [4, "after"],
      [3, "before 2"],
      [2, "before 1"],
      [1, "before 0"],
    ]);
  });

  it("a room aborted during a burst of socket sends keeps every acknowledged message once, in order", async () => {
    const chat = await careTeamChat(clinic);
    const ids = [...Array(12).keys()].map(() => clientId());
    const socket = await openChat(clinic.physio, chat.id);
    for (const [i, id] of ids.entries()) socket.send(say(`b${i}`, id));
    const acked = new Set<string>();
    while (acked.size < 4) {
      const e = await socket.next();
      if (e.event === "message:ack") acked.add(e.data.client_message_id);
    }
    const stub = env.ChatRoom.get(env.ChatRoom.idFromName(chat.id));
    await expect(runInDurableObject(stub, (_, state) => state.abort("evicted"))).rejects.toThrow();
    expect(await socket.closed).toBeGreaterThan(1000);
    // The client resends everything it holds no ack for, and (harmlessly) one it does.
    const again = await openChat(clinic.physio, chat.id);
    const resent = ids.filter((id, i) => i === 0 || !acked.has(id));
    for (const id of resent) again.send(say(`b${ids.indexOf(id)}`, id));
    const acks = [];
    while (acks.length < resent.length) {
      const e = await again.next();
      if (e.event === "message:ack") acks.push(e);
    }
    expect(acks[0]!.data.replayed).toBe(true);
    again.close();
    const rows = await env.DB.prepare(
      "select seq, client_message_id as id from chat_messages where chat_id = ? order by seq",
    )
      .bind(chat.id)
      .all<{ seq: number; id: string }>();
    expect(rows.results.map((r) => r.id)).toEqual(ids);
    expect(rows.results.map((r) => r.seq)).toEqual(ids.map((_, i) => i + 1));
  });
});
