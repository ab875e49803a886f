/**
 * Every socket ends with its login session: `/ws`, chat, live and call room sockets close with
 * 4001 on logout and when an admin ends a user's sessions, and a revocation written elsewhere is
 * caught by the rooms' periodic session check.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SESSION_ENDED_CODE } from "../../party/room-sessions";
import { initiate, nextOf, openCall } from "../calls/helpers";
import { careTeamChat, openChat } from "../chats/helpers";
import type { Clinic, TestUser } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { createSession, sessionClinic } from "../sessions/helpers";
import { openStream, upgrade, wrapSocket, type TestSocket } from "./socket";

async function openLive(clinic: Clinic, user: TestUser, sessionId: string) {
  const res = await upgrade(`/parties/live-session/${sessionId}`, {
    "sec-websocket-protocol": `rehab.v1, bearer.${user.token}`,
  });
  expect(res.status).toBe(101);
  const socket = wrapSocket(res.webSocket!);
  expect(((await socket.next(5000)) as { type?: string }).type).toBe("ready");
  return socket;
}

/** The patient's three sockets: their stream, a chat room and their session's live room. */
async function patientSockets() {
  const { clinic } = await sessionClinic();
  const chat = await careTeamChat(clinic);
  const session = await createSession(clinic);
  const stream = (await openStream(clinic.patientUser.token)).socket;
  expect((await stream.next()).event).toBe("ready");
  const room = await openChat(clinic.patientUser, chat.id);
  const live = await openLive(clinic, clinic.patientUser, session.session_id);
  // The physio's own sockets in the same rooms must stay open.
  const physioRoom = await openChat(clinic.physio, chat.id);
  return { clinic, chat, session, sockets: [stream, room, live], physioRoom };
}

const closedWith = (sockets: TestSocket[]) => Promise.all(sockets.map((s) => s.closed));

describe("happy", () => {
  it("logout closes the session's /ws, chat room and live room sockets, and only those", async () => {
    const { clinic, sockets, physioRoom } = await patientSockets();
    const res = await api("POST", "/api/v1/auth/logout", { token: clinic.patientUser.token });
    expect(res.status, res.text).toBe(200);
    expect(await closedWith(sockets)).toEqual([4001, 4001, 4001]);
    physioRoom.send({ event: "ping", data: { id: "still" } });
    expect(await physioRoom.next()).toEqual({ event: "pong", data: { id: "still" } });
    physioRoom.close();
  });
});

describe("happy", () => {
  it("logout closes the session's call socket at once, not at the next session check", async () => {
    const { clinic } = await sessionClinic();
    const call = await initiate(clinic.physio, clinic.patientUser);
    const patient = await openCall(clinic.patientUser, call.id);
    await nextOf(patient, "ready");
    const physio = await openCall(clinic.physio, call.id);
    await nextOf(physio, "ready");
    await nextOf(patient, "peer:joined");
    const res = await api("POST", "/api/v1/auth/logout", { token: clinic.patientUser.token });
    expect(res.status, res.text).toBe(200);
    // No alarm is run here: only the user's stream telling the call room can close it.
    expect(await patient.closed).toBe(SESSION_ENDED_CODE);
    physio.send({ event: "ping", data: { id: "still" } });
    expect((await nextOf(physio, "pong")).data).toEqual({ id: "still" });
    physio.close();
  });
});

describe("errors", () => {
  it("a revocation written elsewhere closes room sockets at the next session check", async () => {
    const { clinic, chat, session, sockets, physioRoom } = await patientSockets();
    const [stream, room, live] = sockets as [TestSocket, TestSocket, TestSocket];
    await env.DB.prepare(
      "update auth_sessions set revoked_at = ?, revoked_reason = 'test' where user_id = ?",
    )
      .bind(new Date().toISOString(), clinic.patientUser.id)
      .run();
    const chatStub = env.ChatRoom.get(env.ChatRoom.idFromName(chat.id));
    expect(await runDurableObjectAlarm(chatStub)).toBe(true);
    expect(await room.closed).toBe(SESSION_ENDED_CODE);
    const liveStub = env.LiveSession.get(env.LiveSession.idFromName(session.session_id));
    expect(await runDurableObjectAlarm(liveStub)).toBe(true);
    expect(await live.closed).toBe(SESSION_ENDED_CODE);
    const streamStub = env.UserStream.get(env.UserStream.idFromName(clinic.patientUser.id));
    expect(await runDurableObjectAlarm(streamStub)).toBe(true);
    expect(await stream.closed).toBe(SESSION_ENDED_CODE);
    // The physio's session is live: the check keeps their socket.
    physioRoom.send({ event: "ping" });
    expect((await physioRoom.next()).event).toBe("pong");
    physioRoom.close();
  });
});

describe("security", () => {
  it("an admin deactivating a user closes every socket of theirs at once", async () => {
    const { clinic, sockets, physioRoom } = await patientSockets();
    const res = await api("PUT", `/api/v1/users/${clinic.patientUser.id}`, {
      token: clinic.admin.token,
      body: { is_active: false },
    });
    expect(res.status, res.text).toBe(200);
    expect(await closedWith(sockets)).toEqual([4001, 4001, 4001]);
    physioRoom.close();
  });
});
