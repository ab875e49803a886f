/**
 * Access is a function of now (issue 17): when the relation that let someone in ends (taken off
 * the care team, family grant revoked, role lowered, account deactivated, patient deleted), every
 * path closes at once: HTTP reads and posts, fan-out to `/ws`, replay with `since`, open chat,
 * live and call sockets; and each refusal is audited. Socket closes are awaited with a one-second
 * bound: the push through the user's stream does it, not the rooms' minute-long backstop.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ACCESS_ENDED_CODE, SESSION_ENDED_CODE } from "../../party/room-sessions";
import { initiate, move, nextOf, openCall } from "../calls/helpers";
import { familyChat, openChat, sendText } from "../chats/helpers";
import {
  createClinic,
  createUser,
  PASSWORD,
  type Clinic,
  type TestUser,
} from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { createSession, sessionClinic } from "../sessions/helpers";
import { upgrade, wrapSocket, type StreamEvent, type TestSocket } from "./socket";

/** Resolves with the close code, or rejects when the socket is still open after `ms`. */
function closedWithin(socket: TestSocket, ms = 1000): Promise<number> {
  return Promise.race([
    socket.closed,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms),
    ),
  ]);
}

/** Events of `socket` until it is quiet for `ms`. */
async function drain(socket: TestSocket, ms = 300): Promise<StreamEvent[]> {
  const seen: StreamEvent[] = [];
  for (;;) {
    try {
      seen.push(await socket.next(ms));
    } catch {
      return seen;
    }
  }
}

async function stream(user: TestUser, query = "") {
  const res = await upgrade(`/ws?token=${encodeURIComponent(user.token)}${query}`);
  expect(res.status).toBe(101);
  const socket = wrapSocket(res.webSocket!);
  expect((await socket.next()).event).toBe("ready");
  return socket;
}

async function addToCareTeam(clinic: Clinic, user: TestUser) {
  expectStatus(
    await api("POST", `/api/v1/patients/${clinic.patient.id}/care-team`, {
      token: clinic.admin.token,
      body: { user_id: user.id },
    }),
    201,
  );
}

async function removeFromCareTeam(clinic: Clinic, user: TestUser) {
  const res = await api("DELETE", `/api/v1/patients/${clinic.patient.id}/care-team/${user.id}`, {
    token: clinic.admin.token,
  });
  expect([200, 204], res.text).toContain(res.status);
}

/** A Care Team chat of `clinic.patient` with the patient and `members`. */
async function careChat(clinic: Clinic, members: TestUser[]) {
  const res = await api("POST", "/api/v1/chats", {
    token: clinic.physio.token,
    body: {
      name: "Care Team - shoulder",
      type: "Care Team",
      patient_id: clinic.patient.id,
      participant_ids: [clinic.patientUser.id, ...members.map((m) => m.id)],
    },
  });
  return expectStatus(res, 201).body.data as { id: string };
}

async function auditRows(workspaceId: string, userId: string, resourceId: string) {
  const rows = await env.DB.prepare(
    `select action, outcome, metadata from audit_log
     where workspace_id = ? and actor_id = ? and resource_id = ? order by id`,
  )
    .bind(workspaceId, userId, resourceId)
    .all<{ action: string; outcome: string; metadata: string | null }>();
  return rows.results;
}

/**
 * Every chat path for `user` after their relation ended: HTTP read, list, post, message read,
 * a new socket refused, no fan-out on `/ws`, and a replay from 0 without the chat's events.
 */
async function expectChatClosed(
  user: TestUser,
  chatId: string,
  messageId: string,
  live: TestSocket,
) {
  const read = await api("GET", `/api/v1/chats/${chatId}`, { token: user.token });
  expect(read.status).toBe(404);
  const list = expectStatus(await api("GET", "/api/v1/chats", { token: user.token }), 200);
  expect((list.body.data as { id: string }[]).map((c) => c.id)).not.toContain(chatId);
  expect((await sendText(user, chatId, "still here?")).status).toBe(404);
  expect((await api("GET", `/api/v1/messages/${messageId}`, { token: user.token })).status).toBe(
    404,
  );
  const socket = await upgrade(`/api/v1/chats/${chatId}/ws`, {
    "sec-websocket-protocol": `rehab.v1, bearer.${user.token}`,
  });
  expect(socket.status).toBe(404);
  // Nothing of the chat reaches their stream any more, live or replayed.
  expect(await drain(live, 400)).toEqual([]);
  const replay = await stream(user, "&since=0");
  const replayed = await drain(replay);
  expect(replayed.filter((e) => e.data?.chat_id === chatId)).toEqual([]);
  expect(replayed.at(-1)?.event).toBe("replayed");
  replay.close();
}

describe("security", () => {
  it("a clinician taken off the care team loses the care-team chat on every path at once", async () => {
    const clinic = await createClinic();
    const { nurse, physio } = clinic;
    await addToCareTeam(clinic, nurse);
    const chat = await careChat(clinic, [nurse]);
    const live = await stream(nurse);
    const room = await openChat(nurse, chat.id);
    const first = expectStatus(await sendText(physio, chat.id, "before"), 201).body.data;
    expect((await nextOf(live, "message:received")).data.id).toBe(first.id);
    expect((await nextOf(room, "message:received")).data.id).toBe(first.id);
    // Before: the nurse reads and posts.
    expectStatus(await api("GET", `/api/v1/chats/${chat.id}`, { token: nurse.token }), 200);

    await removeFromCareTeam(clinic, nurse);
    expect(await closedWithin(room)).toBe(ACCESS_ENDED_CODE);
    const after = expectStatus(await sendText(physio, chat.id, "after"), 201).body.data;
    await expectChatClosed(nurse, chat.id, after.id, live);

    // The others keep the chat; the nurse no longer shows as a participant.
    const seen = expectStatus(
      await api("GET", `/api/v1/chats/${chat.id}`, { token: physio.token }),
      200,
    );
    const people = (seen.body.data.participants as { user_id: string }[]).map((p) => p.user_id);
    expect(people).not.toContain(nurse.id);
    expect(people).toContain(clinic.patientUser.id);

    const audit = await auditRows(clinic.workspaceId, nurse.id, chat.id);
    const denied = audit.filter((a) => a.outcome === "denied");
    expect(denied.map((a) => a.action)).toEqual(
      expect.arrayContaining(["chat.read", "chat_message.created"]),
    );
    expect(denied.some((a) => JSON.parse(a.metadata ?? "{}").via === "socket")).toBe(true);
    live.close();
  });

  it("a family member whose grant is revoked loses the Family Update chat on every path", async () => {
    const clinic = await createClinic();
    const { family, physio } = clinic;
    const chat = await familyChat(clinic);
    const live = await stream(family);
    const room = await openChat(family, chat.id);
    const first = expectStatus(await sendText(physio, chat.id, "walked 2 km"), 201).body.data;
    expect((await nextOf(live, "message:received")).data.id).toBe(first.id);

    const res = await api(
      "DELETE",
      `/api/v1/patients/${clinic.patient.id}/family-access/${family.id}`,
      { token: clinic.patientUser.token },
    );
    expect([200, 204], res.text).toContain(res.status);
    expect(await closedWithin(room)).toBe(ACCESS_ENDED_CODE);
    const after = expectStatus(await sendText(physio, chat.id, "after"), 201).body.data;
    await expectChatClosed(family, chat.id, after.id, live);
    const audit = await auditRows(clinic.workspaceId, family.id, chat.id);
    expect(audit.filter((a) => a.outcome === "denied").length).toBeGreaterThan(0);
    live.close();
  });

  it("an admin lowered to a clinician off the care team loses the chat after logging in again", async () => {
    const clinic = await createClinic();
    const second = await createUser(clinic.workspaceId, "admin");
    const chat = await careChat(clinic, [second]);
    const room = await openChat(second, chat.id);
    const first = expectStatus(await sendText(clinic.physio, chat.id, "before"), 201).body.data;
    expectStatus(
      await api("PUT", `/api/v1/users/${second.id}`, {
        token: clinic.admin.token,
        body: { role: "physiotherapist" },
      }),
      200,
    );
    expect(await closedWithin(room)).toBe(SESSION_ENDED_CODE);
    const login = expectStatus(
      await api("POST", "/api/v1/auth/login", {
        headers: { "cf-connecting-ip": `10.17.${Math.floor(Math.random() * 250)}.9` },
        body: { email: second.email, password: PASSWORD },
      }),
      200,
    );
    const lowered = { ...second, token: login.body.data.access_token as string };
    const live = await stream(lowered);
    await expectChatClosed(lowered, chat.id, first.id, live);
    live.close();
  });

  it("a deactivated user's chat socket closes and every HTTP path answers 401", async () => {
    const clinic = await createClinic();
    await addToCareTeam(clinic, clinic.nurse);
    const chat = await careChat(clinic, [clinic.nurse]);
    const room = await openChat(clinic.nurse, chat.id);
    expectStatus(
      await api("PUT", `/api/v1/users/${clinic.nurse.id}`, {
        token: clinic.admin.token,
        body: { is_active: false },
      }),
      200,
    );
    expect(await closedWithin(room)).toBe(SESSION_ENDED_CODE);
    expect(
      (await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.nurse.token })).status,
    ).toBe(401);
    expect((await sendText(clinic.nurse, chat.id, "x")).status).toBe(401);
    // Fan-out leaves them out too (their row stays; the rule reads the account's state).
    const audience = await env.DB.prepare(
      `select count(*) as n from chat_participants where chat_id = ? and user_id = ? and removed_at is null`,
    )
      .bind(chat.id, clinic.nurse.id)
      .first<{ n: number }>();
    expect(audience?.n).toBe(1);
    const { chatAudience } = await import("../../src/modules/chats/chats.audience");
    expect(await chatAudience(env.DB, chat.id, clinic.workspaceId)).not.toContain(clinic.nurse.id);
  });

  it("a live watcher taken off the care team is disconnected at once; the device stays", async () => {
    const { clinic } = await sessionClinic();
    const session = await createSession(clinic);
    const open = async (user: TestUser) => {
      const res = await upgrade(`/parties/live-session/${session.session_id}`, {
        "sec-websocket-protocol": `rehab.v1, bearer.${user.token}`,
      });
      expect(res.status).toBe(101);
      const socket = wrapSocket(res.webSocket!);
      expect(((await socket.next(5000)) as { type?: string }).type).toBe("ready");
      return socket;
    };
    const device = await open(clinic.patientUser);
    const watcher = await open(clinic.physio);
    await removeFromCareTeam(clinic, clinic.physio);
    expect(await closedWithin(watcher)).toBe(ACCESS_ENDED_CODE);
    device.send({ type: "ping", id: "p" });
    expect(await device.next()).toMatchObject({ type: "pong" });
    const again = await upgrade(`/parties/live-session/${session.session_id}`, {
      "sec-websocket-protocol": `rehab.v1, bearer.${clinic.physio.token}`,
    });
    expect(again.status).toBe(404);
    const audit = await auditRows(clinic.workspaceId, clinic.physio.id, session.session_id);
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "exercise_session.read", outcome: "denied" }),
    );
    device.close();
  });

  it("a call participant who declines loses the call socket; the call goes on for the others", async () => {
    const clinic = await createClinic();
    const call = await initiate(clinic.physio, [clinic.patientUser, clinic.nurse]);
    const physio = await openCall(clinic.physio, call.id);
    await nextOf(physio, "ready");
    const nurse = await openCall(clinic.nurse, call.id);
    await nextOf(nurse, "ready");
    expectStatus(await move(clinic.nurse, call.id, "decline"), 200);
    expect(await closedWithin(nurse)).toBe(ACCESS_ENDED_CODE);
    physio.send({ event: "ping", data: { id: "on" } });
    expect((await nextOf(physio, "pong")).data).toEqual({ id: "on" });
    physio.close();
  });

  it("a clinician taken off the care team mid-call loses the call socket", async () => {
    const clinic = await createClinic();
    const call = await initiate(clinic.physio, clinic.patientUser);
    const patient = await openCall(clinic.patientUser, call.id);
    await nextOf(patient, "ready");
    expectStatus(await move(clinic.patientUser, call.id, "answer"), 200);
    const physio = await openCall(clinic.physio, call.id);
    await nextOf(physio, "ready");
    await removeFromCareTeam(clinic, clinic.physio);
    expect(await closedWithin(physio)).toBe(ACCESS_ENDED_CODE);
    const audit = await auditRows(clinic.workspaceId, clinic.physio.id, call.id);
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "call.read", outcome: "denied" }),
    );
    patient.close();
  });

  it("the pose socket closes with its session and never echoes the token", async () => {
    const clinic = await createClinic();
    const only = await upgrade("/parties/pose/blazepose-lite", {
      "sec-websocket-protocol": `bearer.${clinic.patientUser.token}`,
    });
    expect(only.status).toBe(101);
    expect(only.headers.get("sec-websocket-protocol")).toBeNull();
    only.webSocket!.accept();
    only.webSocket!.close(1000);
    const res = await upgrade("/parties/pose/blazepose-lite", {
      "sec-websocket-protocol": `rehab.v1, bearer.${clinic.patientUser.token}`,
    });
    expect(res.headers.get("sec-websocket-protocol")).toBe("rehab.v1");
    const socket = wrapSocket(res.webSocket!);
    expect(((await socket.next(5000)) as { event?: string }).event).toBe("ready");
    expectStatus(
      await api("POST", "/api/v1/auth/logout", { token: clinic.patientUser.token }),
      200,
    );
    expect(await closedWithin(socket)).toBe(SESSION_ENDED_CODE);
  });
});

describe("errors", () => {
  it("a relation ended by a path that told no room is caught by the room's next check", async () => {
    const clinic = await createClinic();
    await addToCareTeam(clinic, clinic.nurse);
    const chat = await careChat(clinic, [clinic.nurse]);
    const room = await openChat(clinic.nurse, chat.id);
    await env.DB.prepare("delete from care_team_members where patient_id = ? and user_id = ?")
      .bind(clinic.patient.id, clinic.nurse.id)
      .run();
    const stub = env.ChatRoom.get(env.ChatRoom.idFromName(chat.id));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await closedWithin(room)).toBe(ACCESS_ENDED_CODE);
  });

  it("deleting the patient closes the chats about them for everyone", async () => {
    const clinic = await createClinic();
    const chat = await careChat(clinic, []);
    const room = await openChat(clinic.physio, chat.id);
    const res = await api("DELETE", `/api/v1/patients/${clinic.patient.id}`, {
      token: clinic.admin.token,
    });
    expect([200, 204], res.text).toContain(res.status);
    expect(await closedWithin(room)).toBe(ACCESS_ENDED_CODE);
  });
});
