/**
 * Group commit (messages.commit.ts): several messages judged one by one and stored in one D1
 * batch; a refused one takes no seq and is audited; a failed write stores none of them. And the
 * room: bursts from two sockets at once keep each sender's order and dense seqs.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { liveSessionQuery } from "../../src/middleware/auth";
import { roomContext } from "../../src/middleware/request-context";
import { GroupCommit } from "../../party/chat-room.commit";
import {
  commitMessages,
  type CommitItem,
  type CommitOutcome,
} from "../../src/modules/chats/messages.commit";
import { createClinic, type Clinic, type TestUser } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { careTeamChat, clientId, openChat } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Group Commit Clinic");
});

function item(user: TestUser, content: string, id = clientId(), checkSession = true): CommitItem {
  const caller = {
    userId: user.id,
    workspaceId: clinic.workspaceId,
    role: user.role,
    sessionId: user.sessionId,
  };
  const ctx = roomContext(
    env,
    caller,
    {},
    (p) => void p.catch(() => undefined),
    checkSession ? liveSessionQuery : null,
  );
  return { ctx, input: { type: "text", content, client_message_id: id } };
}

async function stored(chatId: string) {
  const rows = await env.DB.prepare(
    "select seq, client_message_id as id from chat_messages where chat_id = ? order by seq",
  )
    .bind(chatId)
    .all<{ seq: number; id: string }>();
  return rows.results;
}

describe("happy", () => {
  it("stores a batch in arrival order with dense seqs; a repeat inside the batch is a replay", async () => {
    const chat = await careTeamChat(clinic);
    const ids = [clientId(), clientId(), clientId()];
    const outcomes = await commitMessages(chat.id, [
      item(clinic.physio, "one", ids[0]),
      item(clinic.patientUser, "two", ids[1]),
      item(clinic.physio, "one again", ids[0]),
      item(clinic.physio, "three", ids[2]),
    ]);
    const results = outcomes.map((o) => (o.ok ? o.result : null));
    expect(results.map((r) => r?.message.seq)).toEqual([1, 2, 1, 3]);
    expect(results.map((r) => r?.replayed)).toEqual([false, false, true, false]);
    expect(results[2]!.message.id).toBe(results[0]!.message.id);
    expect(results[2]!.message.content).toBe("one");
    expect(await stored(chat.id)).toEqual([
      { seq: 1, id: ids[0] },
      { seq: 2, id: ids[1] },
      { seq: 3, id: ids[2] },
    ]);
    const got = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.physio.token });
    expect(got.body.data.last_seq).toBe(3);
    expect(got.body.data.last_message).toBe("three");
    const audits = await env.DB.prepare(
      "select count(*) as n from audit_log where action = 'chat_message.created' and metadata like ?",
    )
      .bind(`%${chat.id}%`)
      .first<{ n: number }>();
    expect(audits!.n).toBe(3);
  });
});

describe("group commit", () => {
  it("messages added in one turn go to D1 as one batch; later ones as the next; each settles in order", async () => {
    const chat = await careTeamChat(clinic);
    const batches: CommitOutcome[][] = [];
    const commits = new GroupCommit(
      () => chat.id,
      (outcomes) => batches.push(outcomes),
      (work) => void work.catch(() => undefined),
    );
    const settled: number[] = [];
    const first = [1, 2, 3, 4, 5].map((n) =>
      commits.add(item(clinic.physio, `m${n}`)).then((r) => settled.push(r.message.seq)),
    );
    await Promise.resolve();
    const late = commits
      .add(item(clinic.patientUser, "m6"))
      .then((r) => settled.push(r.message.seq));
    await Promise.all([...first, late]);
    await commits.idle();
    expect(settled).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches.map((b) => b.length)).toEqual([6]);
    const after = commits.add(item(clinic.physio, "m7"));
    expect((await after).message.seq).toBe(7);
    expect(batches.map((b) => b.length)).toEqual([6, 1]);
  });

  it("a refused message rejects its own promise only", async () => {
    const chat = await careTeamChat(clinic);
    const commits = new GroupCommit(
      () => chat.id,
      () => undefined,
      (work) => void work.catch(() => undefined),
    );
    const [ok, refused] = await Promise.allSettled([
      commits.add(item(clinic.physio, "fine")),
      commits.add(item(clinic.doctor, "outsider")),
    ]);
    expect(ok.status).toBe("fulfilled");
    expect(refused.status === "rejected" && (refused.reason as any).status).toBe(404);
  });
});

describe("errors", () => {
  it("a failed write refuses the whole batch and stores none of it", async () => {
    const chat = await careTeamChat(clinic);
    // Another writer took seq 1 behind the batch's back (an evicted room's successor, say).
    await env.DB.prepare(
      `insert into chat_messages (id, workspace_id, chat_id, seq, sender_id, type, created_at)
       values (?, ?, ?, 1, ?, 'text', ?)`,
    )
      .bind(
        crypto.randomUUID(),
        clinic.workspaceId,
        chat.id,
        clinic.physio.id,
        new Date().toISOString(),
      )
      .run();
    await expect(
      commitMessages(chat.id, [item(clinic.physio, "a"), item(clinic.patientUser, "b")]),
    ).rejects.toThrow(/UNIQUE/);
    expect((await stored(chat.id)).length).toBe(1);
  });
});

describe("security", () => {
  it("refuses an outsider and an ended session inside a batch without taking a seq; the rest is stored", async () => {
    const chat = await careTeamChat(clinic);
    const logout = await api("POST", "/api/v1/auth/logout", {
      token: clinic.nurse.token,
      body: { refresh_token: clinic.nurse.refreshToken },
    });
    expect(logout.status, logout.text).toBeLessThan(300);
    const outsider = item(clinic.doctor, "not a participant");
    const ended = item(clinic.nurse, "logged out");
    const outcomes = await commitMessages(chat.id, [
      item(clinic.physio, "first"),
      outsider,
      ended,
      item(clinic.patientUser, "second"),
    ]);
    expect(outcomes.map((o) => (o.ok ? o.result.message.seq : (o.error as any).status))).toEqual([
      1, 404, 401, 2,
    ]);
    const denied = await env.DB.prepare(
      "select outcome from audit_log where action = 'chat_message.created' and resource_id = ? and actor_id = ?",
    )
      .bind(chat.id, clinic.doctor.id)
      .all<{ outcome: string }>();
    expect(denied.results.map((r) => r.outcome)).toEqual(["not_found"]);
  });
});

describe("room", () => {
  it("bursts from two sockets at once: every message stored once, each sender's order kept", async () => {
    const chat = await careTeamChat(clinic);
    const physio = await openChat(clinic.physio, chat.id);
    const patient = await openChat(clinic.patientUser, chat.id);
    const say = (content: string) => ({
      event: "message:send",
      data: { type: "text", content, client_message_id: clientId() },
    });
    for (let i = 0; i < 15; i++) {
      physio.send(say(`p${i}`));
      patient.send(say(`q${i}`));
    }
    const acksOf = async (socket: typeof physio) => {
      const acks = [];
      while (acks.length < 15) {
        const e = await socket.next();
        if (e.event === "message:ack") acks.push(e.data.message);
      }
      return acks;
    };
    const [mine, theirs] = await Promise.all([acksOf(physio), acksOf(patient)]);
    expect(mine.map((m) => m.content)).toEqual([...Array(15).keys()].map((i) => `p${i}`));
    expect(theirs.map((m) => m.content)).toEqual([...Array(15).keys()].map((i) => `q${i}`));
    const rising = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);
    expect(rising(mine.map((m) => m.seq))).toBe(true);
    expect(rising(theirs.map((m) => m.seq))).toBe(true);
    expect((await stored(chat.id)).map((r) => r.seq)).toEqual(
      [...Array(30).keys()].map((i) => i + 1),
    );
    physio.close();
    patient.close();
  });
});

describe("one round trip per batch (the room's state, guarded in the write)", () => {
  const room = (chatId: string) =>
    new GroupCommit(
      () => chatId,
      () => undefined,
      (work) => void work.catch(() => undefined),
    );

  it("after the room's first batch, a batch is one guarded write with dense seqs", async () => {
    const chat = await careTeamChat(clinic);
    const commits = room(chat.id);
    const seqs = [];
    for (const n of [1, 2, 3, 4]) {
      seqs.push(
        (await commits.add(item(n % 2 ? clinic.physio : clinic.patientUser, `m${n}`))).message.seq,
      );
    }
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(commits.counts).toEqual({ fast: 3, full: 1 });
    expect((await stored(chat.id)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    const audits = await env.DB.prepare(
      "select count(*) as n from audit_log where action = 'chat_message.created' and metadata like ?",
    )
      .bind(`%${chat.id}%`)
      .first<{ n: number }>();
    expect(audits!.n).toBe(4);
  });

  it("never reuses a seq: last_seq advanced behind the room's back, or a second room instance", async () => {
    const chat = await careTeamChat(clinic);
    const a = room(chat.id);
    expect((await a.add(item(clinic.physio, "a1"))).message.seq).toBe(1);
    // A manual D1 edit moves last_seq on without the room knowing.
    await env.DB.prepare("update chats set last_seq = last_seq + 3 where id = ?")
      .bind(chat.id)
      .run();
    expect((await a.add(item(clinic.physio, "a2"))).message.seq).toBe(5);
    // A second instance of the room (a restart elsewhere) writes; the first one is now stale.
    const b = room(chat.id);
    expect((await b.add(item(clinic.patientUser, "b1"))).message.seq).toBe(6);
    expect((await b.add(item(clinic.patientUser, "b2"))).message.seq).toBe(7);
    expect((await a.add(item(clinic.physio, "a3"))).message.seq).toBe(8);
    expect((await a.add(item(clinic.physio, "a4"))).message.seq).toBe(9);
    expect(a.counts, "the stale batches fell back to the full path").toEqual({ fast: 1, full: 3 });
    expect((await stored(chat.id)).map((r) => r.seq)).toEqual([1, 5, 6, 7, 8, 9]);
    const got = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.physio.token });
    expect(got.body.data.last_seq).toBe(9);
  });

  it("a resend of an acknowledged message is a replay, not a second message", async () => {
    const chat = await careTeamChat(clinic);
    const commits = room(chat.id);
    const id = clientId();
    const first = await commits.add(item(clinic.physio, "once", id));
    const again = await commits.add(item(clinic.physio, "once", id));
    expect(again).toMatchObject({ replayed: true });
    expect(again.message.id).toBe(first.message.id);
    expect((await stored(chat.id)).length).toBe(1);
  });
});

describe("security (fast path)", () => {
  it("a sender whose access ended behind the room's back is refused at commit; nothing stored", async () => {
    const chat = await careTeamChat(clinic);
    const commits = new GroupCommit(
      () => chat.id,
      () => undefined,
      (work) => void work.catch(() => undefined),
    );
    await commits.add(item(clinic.physio, "before"));
    await commits.add(item(clinic.patientUser, "warm")); // the state now names both senders
    // A direct D1 edit ends the physio's care-team relation; the room is not told.
    await env.DB.prepare("delete from care_team_members where patient_id = ? and user_id = ?")
      .bind(clinic.patient.id, clinic.physio.id)
      .run();
    try {
      await expect(commits.add(item(clinic.physio, "after"))).rejects.toMatchObject({
        status: 404,
      });
      expect((await stored(chat.id)).length).toBe(2);
      const denied = await env.DB.prepare(
        "select count(*) as n from audit_log where action = 'chat_message.created' and resource_id = ? and outcome = 'denied'",
      )
        .bind(chat.id)
        .first<{ n: number }>();
      expect(denied!.n).toBe(1);
    } finally {
      await env.DB.prepare(
        "insert into care_team_members (id, workspace_id, patient_id, user_id, created_at) values (?, ?, ?, ?, ?)",
      )
        .bind(
          crypto.randomUUID(),
          clinic.workspaceId,
          clinic.patient.id,
          clinic.physio.id,
          new Date().toISOString(),
        )
        .run()
        .catch(() => undefined);
    }
  });

  it("a sender whose login ended is refused at commit even with the room's state", async () => {
    const chat = await careTeamChat(clinic);
    const commits = new GroupCommit(
      () => chat.id,
      () => undefined,
      (work) => void work.catch(() => undefined),
    );
    await commits.add(item(clinic.physio, "before"));
    const ended = { ...clinic.physio, sessionId: "00000000-0000-7000-8000-000000000000" };
    await expect(commits.add(item(ended, "after"))).rejects.toMatchObject({ status: 401 });
    expect((await stored(chat.id)).length).toBe(1);
  });
});
