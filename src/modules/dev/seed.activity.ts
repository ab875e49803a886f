/**
 * The demo clinic's working life: assignments, analysed sessions over past weeks (one awaiting
 * review with its video), chats, a signed note and a scribe draft, this week's appointments with
 * time off, and a missed call. Everything goes through the service verbs the API calls, as the
 * person who would do it (a context per demo user), so it is audited and encrypted like real use
 * and the seed doubles as a smoke test of those verbs.
 *
 * Idempotent per part: one read finds which parts the workspace already has; only missing parts
 * are made. The one write no verb offers is the past date of a session (and of the assignments
 * it counts against): verbs stamp "now", so `backdate` moves those timestamps afterwards, in one
 * batch with an `*.updated` audit entry naming the fields (no encrypted column is touched).
 */
import { and, count, eq, inArray } from "drizzle-orm";
import { calls } from "../../db/schema/calls";
import { chats } from "../../db/schema/chats";
import { clinicalNotes } from "../../db/schema/clinical-notes";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import { patientDiagnoses } from "../../db/schema/patient-records";
import { patients } from "../../db/schema/patients";
import { appointments, clinicianTimeOff, clinicianWorkingHours } from "../../db/schema/scheduling";
import { exerciseSessions } from "../../db/schema/sessions";
import { users, type Role } from "../../db/schema/users";
import { auditEntry } from "../../lib/audit";
import { uuidv7 } from "../../lib/ids";
import { roomContext, type RequestContext } from "../../middleware/request-context";
import { createAppointment } from "../appointments/appointments.service";
import { expireCall, initiateCall } from "../calls/calls.service";
import { createTimeOff, setWorkingHours } from "../availability/availability.service";
import { createChat } from "../chats/chats.service";
import { sendMessage } from "../chats/messages.service";
import { signNote } from "../clinical-notes/clinical-notes.lifecycle";
import { createNote } from "../clinical-notes/clinical-notes.service";
import { createAssignment } from "../exercises/exercises.service";
import { receiveUpload } from "../media/media.upload";
import { generateNote } from "../scribe/scribe.service";
import { submitReview } from "../sessions/review.service";
import { completeSession } from "../sessions/sessions.complete";
import { uploadPoseChunk } from "../sessions/sessions.frames";
import { createSession } from "../sessions/sessions.service";
import { emailIndex } from "../users/users.data";
import { CLIP_FRAME_SIZE, CLIP_MS, clipFrames, clipVideo } from "./seed.clip";
import { seedRecords } from "./seed.records";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The demo users and patient records the parts are made by and for. */
type Person = { id: string; role: Role };
export type DemoCast = {
  workspaceId: string;
  user: (key: string) => Person;
  /** The patient record of a patient user key ("patient.john"). */
  record: (key: string) => string;
};

/** Finds the demo users (by their email's blind index) and their patient records. */
export async function demoCast(
  ctx: RequestContext,
  workspaceId: string,
  keys: string[],
  emailOf: (key: string) => string,
): Promise<DemoCast> {
  const indexes = await Promise.all(keys.map((k) => emailIndex(ctx.phi, emailOf(k))));
  const [rows, records] = await ctx.db.read([
    ctx.db.orm
      .select({ id: users.id, role: users.role, emailIndex: users.emailIndex })
      .from(users)
      .where(and(eq(users.workspaceId, workspaceId), inArray(users.emailIndex, indexes))),
    ctx.db.orm
      .select({ id: patients.id, userId: patients.userId })
      .from(patients)
      .where(eq(patients.workspaceId, workspaceId)),
  ]);
  const byKey = new Map<string, Person>();
  keys.forEach((key, i) => {
    const row = rows.find((r) => r.emailIndex === indexes[i]);
    if (row) byKey.set(key, { id: row.id, role: row.role });
  });
  const user = (key: string) => {
    const person = byKey.get(key);
    if (!person) throw new Error(`Demo user ${key} is missing`);
    return person;
  };
  return {
    workspaceId,
    user,
    record: (key) => {
      const found = records.find((r) => r.userId === user(key).id);
      if (!found) throw new Error(`Demo patient ${key} has no record`);
      return found.id;
    },
  };
}

/** Which parts the workspace has already (one D1 round trip). */
async function presentParts(ctx: RequestContext, ws: string) {
  const n = (table: typeof chats | typeof calls | typeof clinicalNotes) =>
    ctx.db.orm.select({ n: count() }).from(table).where(eq(table.workspaceId, ws));
  const [a, s, c, notes, ap, wh, off, cl, dx] = await ctx.db.read([
    ctx.db.orm
      .select({ n: count() })
      .from(exerciseAssignments)
      .where(eq(exerciseAssignments.workspaceId, ws)),
    ctx.db.orm
      .select({ n: count() })
      .from(exerciseSessions)
      .where(eq(exerciseSessions.workspaceId, ws)),
    n(chats),
    n(clinicalNotes),
    ctx.db.orm.select({ n: count() }).from(appointments).where(eq(appointments.workspaceId, ws)),
    ctx.db.orm
      .select({ n: count() })
      .from(clinicianWorkingHours)
      .where(eq(clinicianWorkingHours.workspaceId, ws)),
    ctx.db.orm
      .select({ n: count() })
      .from(clinicianTimeOff)
      .where(eq(clinicianTimeOff.workspaceId, ws)),
    n(calls),
    ctx.db.orm
      .select({ n: count() })
      .from(patientDiagnoses)
      .where(eq(patientDiagnoses.workspaceId, ws)),
  ]);
  const has = (rows: { n: number }[]) => (rows[0]?.n ?? 0) > 0;
  return {
    exercises: has(a) || has(s),
    chats: has(c),
    notes: has(notes),
    schedule: has(ap) || has(wh) || has(off),
    calls: has(cl),
    records: has(dx),
  };
}

/** Who does each part: the verbs see this user as the caller, under the seed's request id. */
function actAs(ctx: RequestContext, ws: string, person: Person, sessionId: string) {
  return roomContext(
    ctx.env,
    { userId: person.id, workspaceId: ws, role: person.role, sessionId },
    { requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent },
    ctx.waitUntil,
  );
}

type Actors = ReturnType<typeof actorsOf>;
function actorsOf(ctx: RequestContext, cast: DemoCast) {
  // One made-up session id for every actor: no token exists for it, so nothing can use it later.
  const sessionId = uuidv7();
  return (key: string) => actAs(ctx, cast.workspaceId, cast.user(key), sessionId);
}

/**
 * Moves timestamps of seeded rows into the past, with an audit entry per row naming the fields.
 * No verb takes a past date (they stamp "now"); only plain timestamp columns are changed.
 */
async function backdate(
  ctx: RequestContext,
  ws: string,
  target:
    | { kind: "session"; id: string; patientId: string; startMs: number }
    | { kind: "assignment"; id: string; patientId: string; createdMs: number },
) {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (target.kind === "session") {
    const s = exerciseSessions;
    const started = target.startMs;
    const ended = started + CLIP_MS;
    const fields = {
      createdAt: iso(started - 60_000),
      startedAt: iso(started),
      endedAt: iso(ended),
      analyzedAt: iso(ended + 2_000),
      updatedAt: iso(ended + 2_000),
    };
    await ctx.db.write([
      ctx.db.orm
        .update(s)
        .set(fields)
        .where(and(eq(s.id, target.id), eq(s.workspaceId, ws))),
      (
        await auditEntry(ctx, {
          workspaceId: ws,
          actorId: null,
          actorRole: "system",
          action: "exercise_session.updated",
          resourceType: "exercise_session",
          resourceId: target.id,
          metadata: {
            patient_id: target.patientId,
            seed: "demo",
            fields: ["created_at", "started_at", "ended_at", "analyzed_at"],
          },
        })
      ).query,
    ]);
    return;
  }
  const a = exerciseAssignments;
  await ctx.db.write([
    ctx.db.orm
      .update(a)
      .set({ createdAt: iso(target.createdMs), updatedAt: iso(target.createdMs) })
      .where(and(eq(a.id, target.id), eq(a.workspaceId, ws))),
    (
      await auditEntry(ctx, {
        workspaceId: ws,
        actorId: null,
        actorRole: "system",
        action: "exercise_assignment.updated",
        resourceType: "exercise_assignment",
        resourceId: target.id,
        metadata: { patient_id: target.patientId, seed: "demo", fields: ["created_at"] },
      })
    ).query,
  ]);
}

/** Each patient's programme: the catalog slugs and doses the physiotherapist assigns. */
const PROGRAMMES: Record<string, { slug: string; sets: number; reps: number; note: string }[]> = {
  "patient.john": [
    { slug: "shoulder_abduction", sets: 2, reps: 8, note: "Arms out to the side, slow and even." },
    { slug: "squat", sets: 3, reps: 10, note: "Partial depth only, to a chair." },
    { slug: "knee_extension", sets: 3, reps: 12, note: "Seated, hold the top for a second." },
  ],
  "patient.maria": [
    { slug: "shoulder_abduction", sets: 3, reps: 10, note: "Stop at shoulder height if painful." },
    { slug: "shoulder_flexion", sets: 2, reps: 10, note: "Thumbs up, elbows straight." },
  ],
  "patient.wei": [
    { slug: "shoulder_abduction", sets: 2, reps: 8, note: "Standing at the counter for balance." },
    { slug: "sit_to_stand", sets: 2, reps: 8, note: "From a firm chair with armrests." },
  ],
};
/** The exercise the recorded clip shows (arms raised out to the side and lowered): its sessions. */
const CLIP_EXERCISE = "shoulder_abduction";
/** Days before now of each patient's recorded sessions; Maria's last one awaits review. */
const SESSION_DAYS: Record<string, number[]> = {
  "patient.john": [20, 13, 6],
  "patient.maria": [19, 12, 5, 0.1],
  "patient.wei": [18, 11, 4],
};
const PROGRAMME_START_DAYS = 22;

async function seedExercises(ctx: RequestContext, cast: DemoCast, as: Actors, now: number) {
  const ws = cast.workspaceId;
  const physio = as("physio");
  const [types] = await ctx.db.read([
    ctx.db.orm
      .select({ id: exerciseTypes.id, slug: exerciseTypes.slug })
      .from(exerciseTypes)
      .where(eq(exerciseTypes.workspaceId, ws)),
  ]);
  const typeId = (slug: string) => {
    const found = types.find((t) => t.slug === slug);
    if (!found) throw new Error(`Catalog entry ${slug} is missing`);
    return found.id;
  };
  // Patients in parallel (their rows are independent); each patient's steps in order.
  const perPatient = Object.entries(PROGRAMMES).map(async ([patientKey, programme]) => {
    const sessions: string[] = [];
    const patientId = cast.record(patientKey);
    let clipAssignment = "";
    for (const item of programme) {
      const { assignment } = await createAssignment(physio, {
        patient_id: patientId,
        exercise_type_id: typeId(item.slug),
        sets: item.sets,
        repetitions: item.reps,
        frequency: { times_per_week: 3 },
        instructions: item.note,
        status: "Pending",
      });
      await backdate(ctx, ws, {
        kind: "assignment",
        id: assignment.id,
        patientId,
        createdMs: now - PROGRAMME_START_DAYS * DAY_MS,
      });
      if (item.slug === CLIP_EXERCISE) clipAssignment = assignment.id;
    }
    const patient = as(patientKey);
    const days = SESSION_DAYS[patientKey] ?? [];
    for (const [i, daysAgo] of days.entries()) {
      const awaiting = patientKey === "patient.maria" && i === days.length - 1;
      const startMs = Math.round(now - daysAgo * DAY_MS);
      const video = awaiting ? clipVideo() : null;
      const created = await createSession(patient, {
        patient_id: patientId,
        assignment_id: clipAssignment,
        frame_size: CLIP_FRAME_SIZE,
        video_content_type: "video/mp4",
        ...(video && { video_size_bytes: video.bytes.byteLength }),
      } as Parameters<typeof createSession>[1]);
      await uploadPoseChunk(patient, created.session_id, { frames: clipFrames(startMs) });
      if (video) await uploadVideo(patient, created.upload_urls.video, video);
      await completeSession(patient, created.session_id);
      await backdate(ctx, ws, {
        kind: "session",
        id: created.session_id,
        patientId,
        startMs,
      });
      if (!awaiting) {
        await submitReview(physio, {
          session_id: created.session_id,
          overall_assessment: i === 0 ? "FAIR" : "GOOD",
          notes:
            i === 0
              ? "Arms uneven at the top; keep both rising together."
              : "Smoother and more even than last week.",
          form_feedback: [],
        } as Parameters<typeof submitReview>[1]);
      }
      sessions.push(created.session_id);
    }
    return sessions;
  });
  return (await Promise.all(perPatient)).flat();
}

/** PUTs the bytes to the Worker-signed upload URL the session was given (the media verb). */
async function uploadVideo(
  ctx: RequestContext,
  url: string,
  video: { contentType: string; bytes: Uint8Array<ArrayBuffer> },
) {
  const token = /\/api\/v1\/uploads\/([^/?#]+)$/.exec(url)?.[1];
  // A presigned R2 URL (S3 credentials configured) takes the bytes from the client, not the Worker.
  if (!token) return false;
  await receiveUpload(ctx, token, {
    body: new Response(video.bytes).body,
    contentType: video.contentType,
    contentLength: String(video.bytes.byteLength),
    sha256: undefined,
  });
  return true;
}

async function seedChats(cast: DemoCast, as: Actors) {
  const text = (content: string) => ({ type: "text" as const, content });
  const say = async (chatId: string, lines: [string, string][]) => {
    for (const [who, content] of lines) await sendMessage(as(who), chatId, text(content));
  };
  const careTeams: [string, string[], [string, string][]][] = [
    [
      "patient.john",
      ["doctor"],
      [
        ["physio", "Morning John, how did the arm raises feel on one leg this week?"],
        ["patient.john", "Better than last week. The knee felt steady while I balanced."],
        ["doctor", "Good to hear. Keep the brace on for longer walks until we meet on Thursday."],
      ],
    ],
    [
      "patient.maria",
      [],
      [
        ["patient.maria", "The shoulder was sore after yesterday's session, is that normal?"],
        ["physio", "Mild soreness that settles within a day is fine; stop at shoulder height."],
      ],
    ],
    [
      "patient.wei",
      ["doctor"],
      [
        ["physio", "Wei, your sessions look steadier each week. Keep using the counter."],
        ["patient.wei", "Thank you. Standing up from the chair is easier now."],
      ],
    ],
  ];
  // Chats in parallel; each chat's messages in order.
  const made = careTeams.map(async ([patientKey, others, lines]) => {
    const chat = await createChat(as("physio"), {
      name: "Care team",
      type: "Care Team",
      patient_id: cast.record(patientKey),
      participant_ids: [cast.user(patientKey).id, ...others.map((k) => cast.user(k).id)],
    });
    await say(chat.id, lines);
    return chat.id;
  });
  const family = await createChat(as("physio"), {
    name: "John's family updates",
    type: "Family Update",
    patient_id: cast.record("patient.john"),
    participant_ids: [cast.user("patient.john").id, cast.user("family.jane").id],
  });
  await say(family.id, [
    ["physio", "Weekly update: John did all three recorded sessions this week."],
    ["family.jane", "Thank you! Is it fine for him to take the stairs at home?"],
    ["physio", "Yes, one step at a time, leading up with the good leg."],
  ]);
  return [...(await Promise.all(made)), family.id];
}

const VISIT_TRANSCRIPT = [
  "Clinician: How has the shoulder been since last week?",
  "Patient: Better. It only hurts when I reach above my head, about three out of ten.",
  "Clinician: Any pain at night?",
  "Patient: Not anymore.",
  "Clinician: Your recorded sessions show you raising both arms to shoulder height evenly.",
  "Clinician: Let's keep the side raises three times a week and add the forward raises.",
].join("\n");

async function seedNotes(cast: DemoCast, as: Actors, password: string) {
  const physio = as("physio");
  const note = await createNote(physio, {
    patient_id: cast.record("patient.john"),
    template_type: "soap",
    visit_reason: "Follow-up, ACL reconstruction week 6",
    sections: {
      subjective: "Reports the knee feels stable on stairs; pain 2/10 after long walks.",
      objective: "Recorded arm raises on one leg without loss of balance; no effusion.",
      assessment: "Progressing as expected for week 6 after ACL reconstruction.",
      plan: "Continue the programme three times a week; review again in one week.",
    },
    is_draft: false,
  } as Parameters<typeof createNote>[1]);
  await signNote(physio, note.id, { password });
  const draft = await generateNote(physio, {
    patient_id: cast.record("patient.maria"),
    template_type: "soap",
    visit_reason: "Rotator cuff tendinopathy, weekly review",
    text: VISIT_TRANSCRIPT,
  } as Parameters<typeof generateNote>[1]);
  return [note.id, draft.note_id];
}

/** Monday 00:00 UTC of the week holding `now`. */
function weekStart(now: number) {
  const d = new Date(now);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return monday - ((d.getUTCDay() + 6) % 7) * DAY_MS;
}

/** This week: working hours, Wednesday afternoon off for the physiotherapist, appointments. */
async function seedSchedule(cast: DemoCast, as: Actors, now: number) {
  const monday = weekStart(now);
  const at = (day: number, hour: number) => new Date(monday + day * DAY_MS + hour * HOUR_MS);
  const weekdays = [1, 2, 3, 4, 5].map((weekday) => ({
    weekday,
    start: "08:00",
    end: "17:00",
    timezone: "UTC",
  }));
  for (const key of ["physio", "doctor"]) {
    await setWorkingHours(as(key), cast.user(key).id, { working_hours: weekdays });
  }
  await createTimeOff(as("physio"), cast.user("physio").id, {
    starts_at: at(2, 13).toISOString(),
    ends_at: at(2, 17).toISOString(),
    reason: "Team training",
  });
  const plan: [string, string, number, number][] = [];
  const order = ["patient.john", "patient.maria", "patient.wei"];
  for (let day = 0; day < 5; day++) {
    plan.push(["physio", order[day % 3]!, day, 9], ["physio", order[(day + 1) % 3]!, day, 11]);
    if (day !== 2) plan.push(["physio", order[(day + 2) % 3]!, day, 14]);
  }
  plan.push(["doctor", "patient.john", 3, 10], ["doctor", "patient.wei", 1, 15]);
  // Each clinician's calendar in parallel; no two bookings overlap.
  const book = async ([clinician, patientKey, day, hour]: (typeof plan)[number]) => {
    const start = at(day, hour);
    const end = new Date(start.getTime() + 45 * 60_000);
    const appointment = await createAppointment(as("admin"), {
      patient_id: cast.record(patientKey),
      clinician_id: cast.user(clinician).id,
      scheduled_start: start.toISOString(),
      scheduled_end: end.toISOString(),
      location_type: clinician === "doctor" ? "online" : "clinic",
      status: end.getTime() < now ? "completed" : "scheduled",
    });
    return (appointment as { id: string }).id;
  };
  const series = async (clinician: string) => {
    const ids: string[] = [];
    for (const item of plan.filter((p) => p[0] === clinician)) ids.push(await book(item));
    return ids;
  };
  return (await Promise.all([series("physio"), series("doctor")])).flat();
}

/** The physiotherapist rings John, who does not answer: the ring timer's own path ends it. */
async function seedMissedCall(cast: DemoCast, as: Actors) {
  const call = await initiateCall(as("physio"), {
    recipient_id: cast.user("patient.john").id,
    call_type: "video",
  });
  await expireCall(as("physio").env, cast.workspaceId, call.id);
  return call.id;
}

/** Makes the parts the workspace lacks; returns their names (empty when all were there). */
export async function seedClinicLife(
  ctx: RequestContext,
  cast: DemoCast,
  password: string,
  now = Date.now(),
) {
  const has = await presentParts(ctx, cast.workspaceId);
  const as = actorsOf(ctx, cast);
  const added: string[] = [];
  if (!has.exercises) {
    await seedExercises(ctx, cast, as, now);
    added.push("exercises");
  }
  if (!has.chats) {
    await seedChats(cast, as);
    added.push("chats");
  }
  if (!has.notes) {
    await seedNotes(cast, as, password);
    added.push("notes");
  }
  if (!has.schedule) {
    await seedSchedule(cast, as, now);
    added.push("schedule");
  }
  if (!has.calls) {
    await seedMissedCall(cast, as);
    added.push("calls");
  }
  if (!has.records) {
    await seedRecords(as, cast.record, now);
    added.push("records");
  }
  return added;
}
