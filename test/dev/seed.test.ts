import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { api, expectStatus } from "../helpers/http";

const seed = () =>
  api("POST", "/api/v1/dev/seed", { headers: { "x-seed-token": env.DEV_SEED_TOKEN! } });

type Login = { email: string; role: string; name: string };

/** Rows of each table the seed fills, in the demo workspace. */
const TABLES = [
  "patients",
  "care_team_members",
  "family_access",
  "exercise_types",
  "exercise_assignments",
  "exercise_sessions",
  "session_pose_chunks",
  "session_reviews",
  "media_objects",
  "chats",
  "chat_messages",
  "clinical_notes",
  "appointments",
  "clinician_working_hours",
  "clinician_time_off",
  "calls",
  "patient_diagnoses",
  "patient_medications",
  "patient_allergies",
  "patient_vitals",
];
const rowCounts = async (ws: string) =>
  Object.fromEntries(
    await Promise.all(
      TABLES.map(async (table) => {
        const row = await env.DB.prepare(
          `SELECT count(*) AS n FROM ${table} WHERE workspace_id = ?`,
        )
          .bind(ws)
          .first<{ n: number }>();
        return [table, row?.n ?? 0] as const;
      }),
    ),
  );

describe("demo seed", () => {
  it("loads a living clinic through the verbs once; a second call adds nothing", async () => {
    const started = performance.now();
    const firstRes = await seed();
    const seedMs = performance.now() - started;
    const first = expectStatus(firstRes, 200);
    console.log(`demo seed: first call ${Math.round(seedMs)} ms`);
    expect(first.body.data.created).toBe(true);
    expect(first.body.data.added).toEqual([
      "exercises",
      "chats",
      "notes",
      "schedule",
      "calls",
      "records",
    ]);
    const logins: Login[] = first.body.data.logins;
    const password: string = first.body.data.password;
    expect(logins.map((l) => l.role).sort()).toEqual([
      "admin",
      "doctor",
      "family",
      "patient",
      "patient",
      "patient",
      "physiotherapist",
    ]);
    const ws: string = first.body.data.workspace_id;
    const before = await rowCounts(ws);
    expect(before).toMatchObject({
      patients: 3,
      care_team_members: 5,
      family_access: 1,
      exercise_assignments: 7,
      exercise_sessions: 10,
      session_pose_chunks: 10,
      session_reviews: 9,
      chats: 4,
      chat_messages: 10,
      clinical_notes: 2,
      clinician_working_hours: 10,
      clinician_time_off: 1,
      calls: 1,
      patient_diagnoses: 5,
      patient_medications: 5,
      patient_allergies: 4,
      patient_vitals: 13,
    });
    expect(before.exercise_types).toBeGreaterThanOrEqual(10);

    // Everything the verbs wrote is audited, under the seed request's id, by the demo users.
    const requestId = firstRes.headers.get("x-request-id")!;
    const audited = (
      await env.DB.prepare(
        "SELECT action, count(*) AS n FROM audit_log WHERE workspace_id = ? AND request_id = ? GROUP BY action",
      )
        .bind(ws, requestId)
        .all<{ action: string; n: number }>()
    ).results;
    const actions = Object.fromEntries(audited.map((r) => [r.action, r.n]));
    expect(actions).toMatchObject({
      "exercise_assignment.created": 7,
      "exercise_session.created": 10,
      "exercise_session.completed": 10,
      "exercise_session.analyzed": 10,
      "session_review.created": 9,
      "chat.created": 4,
      "chat_message.created": 10,
      "clinical_note.signed": 1,
      "appointment.created": before.appointments,
      "availability.created": 1,
      "call.created": 1,
      "diagnosis.created": 5,
      "medication.created": 5,
      "allergy.created": 4,
      "vital.created": 13,
    });
    // The missed call is the ring timer's own move (the system, as when the call room's alarm runs).
    const missed = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE workspace_id = ? AND action = 'call.missed'",
    )
      .bind(ws)
      .first<{ n: number }>();
    expect(missed?.n).toBe(1);

    // Encrypted at rest: no chat message or note text in the raw rows.
    const raw = JSON.stringify(
      (await env.DB.prepare("SELECT * FROM chat_messages WHERE workspace_id = ?").bind(ws).all())
        .results,
    );
    expect(raw).not.toContain("brace");
    const rawRecords = JSON.stringify(
      (
        await env.DB.prepare("SELECT * FROM patient_diagnoses WHERE workspace_id = ?")
          .bind(ws)
          .all()
      ).results,
    );
    expect(rawRecords).not.toContain("ligament");

    // A second call finds every part and changes nothing, quickly.
    const againStarted = performance.now();
    const againRes = await seed();
    const againMs = performance.now() - againStarted;
    console.log(`demo seed: second call ${Math.round(againMs)} ms`);
    const again = expectStatus(againRes, 200);
    expect(again.body.data).toMatchObject({ created: false, workspace_id: ws, added: [] });
    expect(await rowCounts(ws)).toEqual(before);
    const secondAudit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE request_id = ?",
    )
      .bind(againRes.headers.get("x-request-id")!)
      .first<{ n: number }>();
    expect(secondAudit?.n).toBe(0);
    expect(againMs).toBeLessThan(1500);

    const signIn = async (role: string, ip: string) => {
      const email = logins.find((l) => l.role === role)!.email;
      const res = await api("POST", "/api/v1/auth/login", {
        headers: { "cf-connecting-ip": ip },
        body: { email, password },
      });
      return expectStatus(res, 200).body.data.access_token as string;
    };

    // The physiotherapist: a real analysed session awaiting review, with its video.
    const physio = await signIn("physiotherapist", "10.77.0.1");
    const queue = expectStatus(await api("GET", "/api/v1/physio/sessions", { token: physio }), 200);
    expect(queue.body.data).toHaveLength(1);
    const pending = queue.body.data[0];
    const detail = expectStatus(
      await api("GET", `/api/v1/sessions/${pending.id}`, { token: physio }),
      200,
    ).body.data;
    expect(detail.session.status).toBe("review_pending");
    expect(detail.pose_data.frame_count).toBe(120);
    // The clip raises both arms out to the side once and lowers them: one repetition.
    expect(detail.pose_data.rep_count).toBeGreaterThan(0);
    expect(detail.session.video_url).toMatch(/^https?:\/\//);
    const video = await api("GET", new URL(detail.session.video_url).pathname, {});
    expect(video.status).toBe(200);
    expect(video.headers.get("content-type")).toBe("video/mp4");

    // This week's schedule: appointments from Monday to Friday, Wednesday afternoon off.
    const monday = new Date();
    monday.setUTCHours(0, 0, 0, 0);
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
    const sunday = new Date(monday.getTime() + 7 * 86_400_000 - 1);
    const week = expectStatus(
      await api(
        "GET",
        `/api/v1/appointments?start_date=${monday.toISOString()}&end_date=${sunday.toISOString()}&page_size=100`,
        { token: physio },
      ),
      200,
    ).body.data as { scheduled_start: string }[];
    expect(week.length).toBeGreaterThanOrEqual(14);
    const days = new Set(week.map((a) => new Date(a.scheduled_start).getUTCDay()));
    expect([...days].sort()).toEqual([1, 2, 3, 4, 5]);

    // Progress over weeks, from the analyses: each patient's sessions on several dates.
    const patients = expectStatus(
      await api("GET", "/api/v1/physio/patients", { token: physio }),
      200,
    ).body.data as { id: string; name: string }[];
    expect(patients).toHaveLength(3);
    for (const p of patients) {
      const progress = expectStatus(
        await api("GET", `/api/v1/patients/${p.id}/progress`, { token: physio }),
        200,
      ).body.data;
      const abduction = progress.exercises.find(
        (e: { exercise_type: string }) => e.exercise_type === "shoulder_abduction",
      );
      expect(abduction.sessions).toBeGreaterThanOrEqual(3);
      expect(abduction.total_reps).toBeGreaterThan(0);
      const dates = abduction.series.map((s: { date: string }) => Date.parse(s.date));
      expect(Math.max(...dates) - Math.min(...dates)).toBeGreaterThan(13 * 86_400_000);
    }

    // The call log shows the missed call.
    const log = expectStatus(await api("GET", "/api/v1/call-logs", { token: physio }), 200).body
      .data;
    expect(log.map((c: { status: string }) => c.status)).toContain("missed");

    // The patient: assigned exercises and a chat with the care team holding messages.
    const john = await signIn("patient", "10.77.0.2");
    const mine = logins.find((l) => l.role === "patient")!;
    expect(mine.name).toBe("John Doe");
    const chats = expectStatus(await api("GET", "/api/v1/chats", { token: john }), 200).body.data;
    const careTeam = chats.find((c: { type: string }) => c.type === "Care Team");
    expect(careTeam).toBeDefined();
    const thread = expectStatus(
      await api("GET", `/api/v1/chats/${careTeam.id}`, { token: john }),
      200,
    ).body.data;
    expect(thread.messages).toHaveLength(3);
    const record = patients.find((p) => p.name === "John Doe")!;
    const assigned = expectStatus(
      await api("GET", `/api/v1/exercises/patient/${record.id}`, { token: john }),
      200,
    ).body.data as { exercise_type: { slug: string } }[];
    expect(assigned.map((a) => a.exercise_type.slug).sort()).toEqual([
      "knee_extension",
      "shoulder_abduction",
      "squat",
    ]);

    // The chart's clinical parts: decrypted for the physiotherapist on John's care team.
    const chart = expectStatus(
      await api("GET", `/api/v1/patients/${record.id}`, { token: physio }),
      200,
    ).body.data;
    expect(chart.diagnoses.map((d: { icd10_code: string }) => d.icd10_code).sort()).toEqual([
      "I10",
      "S83.512",
    ]);
    expect(chart.allergies[0].allergy).toBe("Penicillin");
    const vitals = expectStatus(
      await api("GET", `/api/v1/patients/${record.id}/vitals`, { token: physio }),
      200,
    ).body.data as { recorded_date: string }[];
    expect(vitals).toHaveLength(6);
    // Weekly readings over the past weeks, newest first.
    expect(Date.parse(vitals[0]!.recorded_date)).toBeGreaterThan(
      Date.parse(vitals[5]!.recorded_date),
    );
  }, 90_000);

  it("refuses without the seed token, and does not exist in production", async () => {
    expect(
      (await api("POST", "/api/v1/dev/seed", { headers: { "x-seed-token": "wrong" } })).status,
    ).toBe(401);
    const app = createApp();
    const res = await app.fetch(
      new Request("https://api.test/api/v1/dev/seed", {
        method: "POST",
        headers: { "x-seed-token": env.DEV_SEED_TOKEN! },
      }),
      { ...env, ENVIRONMENT: "production" },
      {
        waitUntil: () => undefined,
        passThroughOnException: () => undefined,
        props: {},
      } as unknown as ExecutionContext,
    );
    expect(res.status).toBe(404);
  });
});
