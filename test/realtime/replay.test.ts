/** The user stream's replay: per-user seq, `?since=`, `resync_required`, device cursors, subprotocol token. */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { RETENTION_MS } from "../../party/user-stream.log";
import { publishToUser } from "../../src/modules/realtime/realtime.service";
import { createClinic, createUser, type Clinic } from "../helpers/fixtures";
import { upgrade, wrapSocket, type TestSocket } from "./socket";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Replay Clinic");
});

async function connect(token: string, query = ""): Promise<TestSocket> {
  const res = await upgrade(`/ws?token=${encodeURIComponent(token)}${query}`);
  if (res.status !== 101) throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  return wrapSocket(res.webSocket!);
}

const note = (n: number) => ({ event: "notification:new" as const, data: { id: `n${n}` } });

async function publishMany(userId: string, from: number, to: number) {
  for (let n = from; n <= to; n++) await publishToUser(env, userId, note(n));
}

describe("happy", () => {
  it("numbers events per user and replays the missed ones in order before live ones", async () => {
    const user = await createUser(clinic.workspaceId, "nurse");
    const first = await connect(user.token);
    expect((await first.next()).data.latest_seq).toBe(0);
    await publishMany(user.id, 1, 3);
    const seen = [await first.next(), await first.next(), await first.next()];
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3]);
    first.close();
    await publishMany(user.id, 4, 8);
    const again = await connect(user.token, "&since=3");
    expect((await again.next()).data.latest_seq).toBe(8);
    const replayed = [];
    for (let i = 0; i < 5; i++) replayed.push(await again.next());
    expect(replayed.map((e) => [e.seq, e.data.id])).toEqual([
      [4, "n4"],
      [5, "n5"],
      [6, "n6"],
      [7, "n7"],
      [8, "n8"],
    ]);
    expect(await again.next()).toEqual({
      event: "replayed",
      data: { since: 3, count: 5, latest_seq: 8 },
    });
    await publishToUser(env, user.id, note(9));
    expect((await again.next()).seq).toBe(9);
    again.close();
  });

  it("keeps a device cursor the client acknowledges and resumes from it", async () => {
    const user = await createUser(clinic.workspaceId, "doctor");
    const phone = await connect(user.token, "&device_id=phone-1");
    expect((await phone.next()).data).toMatchObject({ device_id: "phone-1", cursor: null });
    await publishMany(user.id, 1, 4);
    for (let i = 0; i < 4; i++) await phone.next();
    phone.send({ event: "ack", data: { seq: 2 } });
    expect(await phone.next()).toEqual({ event: "acked", data: { device_id: "phone-1", seq: 2 } });
    phone.send({ event: "ack", data: { seq: 1 } });
    expect((await phone.next()).data.seq, "a cursor never moves back").toBe(2);
    phone.close();
    const back = await connect(user.token, "&device_id=phone-1");
    expect((await back.next()).data).toMatchObject({ cursor: 2, latest_seq: 4 });
    expect([(await back.next()).seq, (await back.next()).seq]).toEqual([3, 4]);
    expect((await back.next()).event).toBe("replayed");
    back.close();
    const tablet = await connect(user.token, "&device_id=tablet");
    expect((await tablet.next()).data.cursor, "cursors are per device").toBeNull();
    expect(await tablet.quiet(), "no cursor, no since: live only").toBe(true);
    tablet.close();
  });

  it("accepts the token as the bearer.<token> subprotocol and selects rehab.v1", async () => {
    const res = await upgrade("/ws", {
      "sec-websocket-protocol": `rehab.v1, bearer.${clinic.physio.token}`,
    });
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBe("rehab.v1");
    const socket = wrapSocket(res.webSocket!);
    expect((await socket.next()).data.user_id).toBe(clinic.physio.id);
    socket.close();
  });

  it("does not store typing: it is live only and takes no seq", async () => {
    const user = await createUser(clinic.workspaceId, "nurse");
    const socket = await connect(user.token);
    await socket.next();
    const typing = { event: "user:typing" as const, data: { chat_id: "c", is_typing: true } };
    await publishToUser(env, user.id, typing);
    const got = await socket.next();
    expect(got.event).toBe("user:typing");
    expect(got.seq).toBeUndefined();
    socket.close();
    const again = await connect(user.token, "&since=0");
    expect((await again.next()).data.latest_seq).toBe(0);
    expect((await again.next()).data.count).toBe(0);
    again.close();
  });
});

describe("errors", () => {
  it("says resync_required when the missed events are past retention", async () => {
    const user = await createUser(clinic.workspaceId, "physiotherapist");
    await publishMany(user.id, 1, 3);
    const room = env.UserStream.get(env.UserStream.idFromName(user.id));
    // Age the first two events past retention, then let a publish prune them.
    await runInDurableObject(room, (_, state) => {
      state.storage.sql.exec(
        "UPDATE stream_events SET at = ? WHERE seq <= 2",
        Date.now() - RETENTION_MS - 1000,
      );
    });
    await publishToUser(env, user.id, note(4));
    const stale = await connect(user.token, "&since=0");
    await stale.next();
    expect(await stale.next()).toEqual({
      event: "resync_required",
      data: { since: 0, reason: "too_old", oldest_seq: 3, latest_seq: 4 },
    });
    await publishToUser(env, user.id, note(5));
    expect((await stale.next()).seq, "live events continue after a resync").toBe(5);
    stale.close();
    const fine = await connect(user.token, "&since=2");
    await fine.next();
    expect([(await fine.next()).seq, (await fine.next()).seq, (await fine.next()).seq]).toEqual([
      3, 4, 5,
    ]);
    fine.close();
    const ahead = await connect(user.token, "&since=99");
    await ahead.next();
    expect((await ahead.next()).data.reason).toBe("ahead");
    ahead.close();
  });

  it("refuses bad since/device_id with 422 before the upgrade, and bad acks on the socket", async () => {
    for (const query of [
      "&since=-1",
      "&since=abc",
      "&device_id=" + "x".repeat(65),
      "&device_id=a%20b",
    ]) {
      const res = await upgrade(`/ws?token=${clinic.nurse.token}${query}`);
      expect(res.status, query).toBe(422);
      expect(res.webSocket).toBeNull();
    }
    const noDevice = await connect(clinic.nurse.token);
    await noDevice.next();
    noDevice.send({ event: "ack", data: { seq: 0 } });
    expect((await noDevice.next()).data.details[0].field).toBe("device_id");
    noDevice.close();
    const socket = await connect(clinic.nurse.token, "&device_id=d1");
    await socket.next();
    socket.send({ event: "ack", data: { seq: 10_000 } });
    expect((await socket.next()).data.details[0].field).toBe("data.seq");
    socket.send({ event: "ack", data: { seq: "1" } });
    expect((await socket.next()).data.code).toBe("VALIDATION_ERROR");
    socket.send({ event: "ping", data: { id: "alive" } });
    expect((await socket.next()).event).toBe("pong");
    socket.close();
  });
});

describe("security", () => {
  it("stores event data sealed: no plaintext in the Durable Object's storage", async () => {
    const user = await createUser(clinic.workspaceId, "nurse");
    const secret = "Knee pain worse after stairs";
    await publishToUser(env, user.id, {
      event: "message:received",
      data: { id: "m1", content: secret },
    });
    const room = env.UserStream.get(env.UserStream.idFromName(user.id));
    const rows = await runInDurableObject(room, (_, state) =>
      state.storage.sql.exec("SELECT * FROM stream_events").toArray(),
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("Knee");
    const socket = await connect(user.token, "&since=0");
    await socket.next();
    expect((await socket.next()).data.content).toBe(secret);
    socket.close();
  });

  it("refuses a bad subprotocol token with 401 and never echoes the token", async () => {
    const res = await upgrade("/ws", { "sec-websocket-protocol": "rehab.v1, bearer.not-a-jwt" });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    const ok = await upgrade("/ws", {
      "sec-websocket-protocol": `rehab.v1, bearer.${clinic.admin.token}`,
    });
    expect(ok.headers.get("sec-websocket-protocol")).not.toContain(clinic.admin.token);
    wrapSocket(ok.webSocket!).close();
  });

  it("a user's log and cursors are their own: another user's since replays nothing of it", async () => {
    const a = await createUser(clinic.workspaceId, "nurse");
    const b = await createUser(clinic.workspaceId, "nurse");
    await publishMany(a.id, 1, 3);
    const socket = await connect(b.token, "&since=0&device_id=shared");
    expect((await socket.next()).data.latest_seq).toBe(0);
    expect((await socket.next()).data.count).toBe(0);
    expect(await socket.quiet()).toBe(true);
    socket.close();
  });
});
