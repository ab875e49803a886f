/**
 * Idle and absolute session limits (issue 19). Time is moved by writing the session's own
 * timestamps in D1 (`shift`), which is what the clock moving forward looks like to every reader.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { SESSION_ENDED_CODE } from "../../party/room-sessions";
import { createClinic, createUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { openStream } from "../realtime/socket";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();
const bindings = env as unknown as Record<string, string | undefined>;

type SessionRow = {
  created_at: string;
  expires_at: string;
  last_seen_at: string | null;
  idle_expires_at: string | null;
  revoked_at: string | null;
};

const session = (id: string) =>
  env.DB.prepare("select * from auth_sessions where id = ?").bind(id).first<SessionRow>();

/** The session as if it had been opened `openedAgo` ago and last used `seenAgo` ago. */
async function age(id: string, { openedAgo = 0, seenAgo = 0, idleMs = 30 * MINUTE }) {
  const row = (await session(id))!;
  const lifetime = Date.parse(row.expires_at) - Date.parse(row.created_at);
  const now = Date.now();
  await env.DB.prepare(
    "update auth_sessions set created_at = ?, expires_at = ?, last_seen_at = ?, idle_expires_at = ? where id = ?",
  )
    .bind(
      iso(now - openedAgo),
      iso(now - openedAgo + lifetime),
      iso(now - seenAgo),
      iso(now - seenAgo + idleMs),
      id,
    )
    .run();
}

const profile = (token: string) => api("GET", "/api/v1/auth/profile", { token });

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 3000) {
  const until = Date.now() + ms;
  let value = await read();
  while (!ok(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

afterEach(() => {
  delete bindings.SESSION_IDLE_MINUTES;
  delete bindings.SESSION_TOUCH_SECONDS;
});

describe("happy", () => {
  it("opens staff sessions for 12 hours and patients' and family devices for 30 days", async () => {
    const clinic = await createClinic();
    const lifetime = async (id: string) => {
      const row = (await session(id))!;
      return Date.parse(row.expires_at) - Date.parse(row.created_at);
    };
    expect(await lifetime(clinic.physio.sessionId)).toBe(12 * HOUR);
    expect(await lifetime(clinic.admin.sessionId)).toBe(12 * HOUR);
    expect(await lifetime(clinic.patientUser.sessionId)).toBe(30 * 24 * HOUR);
    expect(await lifetime(clinic.family.sessionId)).toBe(30 * 24 * HOUR);
    const row = (await session(clinic.physio.sessionId))!;
    expect(Date.parse(row.idle_expires_at!) - Date.parse(row.last_seen_at!)).toBe(30 * MINUTE);
    // A patient's own phone is not logged off after 30 idle minutes: its idle window is its life.
    const phone = (await session(clinic.patientUser.sessionId))!;
    expect(Date.parse(phone.idle_expires_at!) - Date.parse(phone.last_seen_at!)).toBe(
      30 * 24 * HOUR,
    );
  });

  it("a phone left alone for hours keeps its session; a workstation's ends after 30 minutes", async () => {
    const clinic = await createClinic();
    // Both unused for 3 hours, each with the idle window its kind of client gets at login.
    await age(clinic.patientUser.sessionId, { seenAgo: 3 * HOUR, idleMs: 30 * 24 * HOUR });
    await age(clinic.nurse.sessionId, { seenAgo: 3 * HOUR });
    expectStatus(await profile(clinic.patientUser.token), 200);
    const staff = expectStatus(await profile(clinic.nurse.token), 401);
    expect(staff.body.error.code).toBe("SESSION_EXPIRED");
  });

  it("a patient's device session keeps working past the staff lifetime, a staff one does not", async () => {
    const clinic = await createClinic();
    // Both opened 13 hours ago and used a minute ago.
    await age(clinic.patientUser.sessionId, { openedAgo: 13 * HOUR, seenAgo: MINUTE });
    await age(clinic.physio.sessionId, { openedAgo: 13 * HOUR, seenAgo: MINUTE });
    expectStatus(await profile(clinic.patientUser.token), 200);
    const staff = expectStatus(await profile(clinic.physio.token), 401);
    expect(staff.body.error.code, staff.text).toBe("SESSION_EXPIRED");
    // Past 30 days the device session ends too.
    await age(clinic.patientUser.sessionId, { openedAgo: 31 * 24 * HOUR, seenAgo: MINUTE });
    const device = expectStatus(await profile(clinic.patientUser.token), 401);
    expect(device.body.error.code).toBe("SESSION_EXPIRED");
  });

  it("moves last_seen at most once per touch interval, after the answer", async () => {
    const clinic = await createClinic();
    const id = clinic.nurse.sessionId;
    // Seen 10 s ago: within the 60 s interval, a request writes nothing.
    await age(id, { seenAgo: 10_000 });
    const before = (await session(id))!;
    expectStatus(await profile(clinic.nurse.token), 200);
    await new Promise((r) => setTimeout(r, 200));
    expect((await session(id))!.last_seen_at).toBe(before.last_seen_at);
    // Seen 2 minutes ago: the request moves it, with the idle window of the setting.
    bindings.SESSION_IDLE_MINUTES = "5";
    await age(id, { seenAgo: 2 * MINUTE });
    const stale = (await session(id))!.last_seen_at;
    const asked = Date.now();
    expectStatus(await profile(clinic.nurse.token), 200);
    const moved = await waitFor(
      () => session(id),
      (row) => row!.last_seen_at !== stale,
    );
    expect(Date.parse(moved!.last_seen_at!)).toBeGreaterThanOrEqual(asked - 5);
    expect(Date.parse(moved!.idle_expires_at!) - Date.parse(moved!.last_seen_at!)).toBe(5 * MINUTE);
  });
});

describe("errors", () => {
  it("an idle session answers 401 SESSION_EXPIRED; a revoked one UNAUTHORIZED", async () => {
    const clinic = await createClinic();
    bindings.SESSION_IDLE_MINUTES = "5";
    // Used 4 minutes ago: still live, and the request moves the deadline.
    await age(clinic.doctor.sessionId, { seenAgo: 4 * MINUTE, idleMs: 5 * MINUTE });
    expectStatus(await profile(clinic.doctor.token), 200);
    // Nothing for 6 minutes: ended.
    await waitFor(
      () => session(clinic.doctor.sessionId),
      (row) => Date.parse(row!.last_seen_at!) > Date.now() - MINUTE,
    );
    await age(clinic.doctor.sessionId, { seenAgo: 6 * MINUTE, idleMs: 5 * MINUTE });
    const idle = expectStatus(await profile(clinic.doctor.token), 401);
    expect(idle.body.error.code, idle.text).toBe("SESSION_EXPIRED");
    expect(idle.headers.get("www-authenticate")).toMatch(/Bearer/);
    // A request to a session that ended does not bring it back.
    expect(Date.parse((await session(clinic.doctor.sessionId))!.idle_expires_at!)).toBeLessThan(
      Date.now(),
    );

    await env.DB.prepare("update auth_sessions set revoked_at = ? where id = ?")
      .bind(iso(Date.now()), clinic.nurse.sessionId)
      .run();
    const revoked = expectStatus(await profile(clinic.nurse.token), 401);
    expect(revoked.body.error.code).toBe("UNAUTHORIZED");
  });

  it("refresh refuses an idle session and an expired one, and does not revive them", async () => {
    const clinic = await createClinic();
    const refresh = (token: string) =>
      api("POST", "/api/v1/auth/refresh", {
        body: { refresh_token: token },
        headers: { "cf-connecting-ip": `10.19.${Math.floor(Math.random() * 250)}.1` },
      });
    // Live: the refresh works.
    const fresh = await createUser(clinic.workspaceId, "physiotherapist");
    expectStatus(await refresh(fresh.refreshToken), 200);

    const idle = await createUser(clinic.workspaceId, "physiotherapist");
    await age(idle.sessionId, { seenAgo: 31 * MINUTE });
    const refusedIdle = expectStatus(await refresh(idle.refreshToken), 401);
    expect(refusedIdle.body.error.code, refusedIdle.text).toBe("SESSION_EXPIRED");
    expect((await session(idle.sessionId))!.idle_expires_at! < iso(Date.now())).toBe(true);

    const old = await createUser(clinic.workspaceId, "nurse");
    await age(old.sessionId, { openedAgo: 13 * HOUR, seenAgo: MINUTE });
    const refusedOld = expectStatus(await refresh(old.refreshToken), 401);
    expect(refusedOld.body.error.code).toBe("SESSION_EXPIRED");
  });
});

describe("security", () => {
  it("a socket closes with 4001 once its session is idle", async () => {
    const clinic = await createClinic();
    const user = await createUser(clinic.workspaceId, "nurse");
    const other = await createUser(clinic.workspaceId, "doctor");
    const { socket } = await openStream(user.token);
    const kept = (await openStream(other.token)).socket;
    await socket.next();
    await kept.next();
    await age(user.sessionId, { seenAgo: 31 * MINUTE });
    // The stream's minute check runs as its alarm.
    const stream = env.UserStream.get(env.UserStream.idFromName(user.id));
    expect(await runDurableObjectAlarm(stream)).toBe(true);
    expect(await socket.closed).toBe(SESSION_ENDED_CODE);
    // The other user's stream, with a live session, stays open.
    const otherStream = env.UserStream.get(env.UserStream.idFromName(other.id));
    await runDurableObjectAlarm(otherStream);
    const closedEarly = await Promise.race([
      kept.closed.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 300)),
    ]);
    expect(closedEarly).toBe(false);
    kept.close();
  });
});
