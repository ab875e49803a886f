// Seeds the benchmark clinic through the real API (no SQL), so encryption, blind indexes, audit
// entries and the booking guard all do their real work: the demo clinic, about 20 clinicians
// (invited by its admin), one service, the patients and the appointments.
import { Session, runPool } from "./http.mjs";
import { appointmentPlan, cliniciansOfPatient, patientRecord } from "./dataset.mjs";

const CLINICIAN_ROLES = new Set(["physiotherapist", "doctor", "nurse"]);
/** Invitations accepted per channel: both are rate limited per IP (10/min and 10/hour). */
const ACCEPT_BY_LINK = 9;
const ACCEPT_BY_REGISTER = 9;

/** The demo clinic (`POST /dev/seed`) and sessions for its admin and physiotherapist. */
async function demoClinic(api, seedToken) {
  const seeded = await api.call("POST", "/api/v1/dev/seed", {
    headers: { "x-seed-token": seedToken },
  });
  const email = (role) => seeded.logins.find((l) => l.role === role)?.email;
  const admin = await Session.login(api, email("admin"), seeded.password);
  const physio = await Session.login(api, email("physiotherapist"), seeded.password);
  return { admin, physio, password: seeded.password };
}

/**
 * Invites `count` physiotherapists as the admin and accepts the invitations through the links
 * the outbox holds: first through the link itself (`GET /auth/verify-magic-link`), then through
 * `POST /auth/register`. Stops early, without failing the run, when a rate limit says no.
 */
async function inviteClinicians(api, admin, count) {
  const emails = Array.from({ length: count }, (_, i) => `bench.clinician.${i + 1}@example.test`);
  for (const [i, email] of emails.entries()) {
    await admin.call("POST", "/api/v1/invites", {
      body: { email, name: `Bench Clinician ${i + 1}`, role: "physiotherapist" },
    });
  }
  const tokens = new Map();
  for (let page = 1; tokens.size < count && page <= 10; page++) {
    const messages = await admin.call(
      "GET",
      `/api/v1/dev/outbox?channel=email&page_size=100&page=${page}`,
    );
    for (const m of messages ?? []) {
      const token = /[?&]token=([^\s&]+)/.exec(m.body)?.[1];
      if (m.template === "invite" && token) tokens.set(m.recipient, decodeURIComponent(token));
    }
    if (!messages?.length) break;
  }
  let accepted = 0;
  for (const [i, email] of emails.entries()) {
    const token = tokens.get(email);
    if (!token) continue;
    const res =
      i < ACCEPT_BY_LINK
        ? await api.request(
            "GET",
            `/api/v1/auth/verify-magic-link?token=${encodeURIComponent(token)}`,
          )
        : i < ACCEPT_BY_LINK + ACCEPT_BY_REGISTER
          ? await api.request("POST", "/api/v1/auth/register", {
              body: {
                email,
                password: "bench-clinician-password",
                name: `Bench Clinician ${i + 1}`,
                invite_token: token,
              },
            })
          : { status: 429 };
    if (res.status === 429) {
      console.log(`  invitations: rate limited after ${accepted}; going on with those.`);
      break;
    }
    if (res.status < 200 || res.status > 299) {
      throw new Error(`Accepting the invitation of ${email} answered ${res.status}`);
    }
    accepted++;
  }
  return accepted;
}

/** Active clinicians of the workspace: the demo physiotherapist first. */
async function listClinicians(admin, physioId) {
  const users = await admin.call("GET", "/api/v1/users?page_size=100");
  const ids = users.filter((u) => CLINICIAN_ROLES.has(u.role) && u.is_active).map((u) => u.id);
  return [physioId, ...ids.filter((id) => id !== physioId)];
}

/** Everything the measurements need; prints progress. */
export async function seedClinic(api, { seedToken, config, deadline }) {
  const started = Date.now();
  console.log("Seeding through the API:");
  const { admin, physio, password } = await demoClinic(api, seedToken);
  console.log(`  demo clinic seeded; signed in as ${admin.user.email} and ${physio.user.email}`);

  let invited = 0;
  try {
    invited = await inviteClinicians(api, admin, config.extraClinicians);
  } catch (error) {
    console.log(`  invitations failed (${error.message}); using the demo clinicians only.`);
  }
  const clinicians = await listClinicians(admin, physio.user.id);
  console.log(`  clinicians: ${clinicians.length} (${invited} invited and accepted)`);

  const service = await admin.call("POST", "/api/v1/services", {
    body: { name: "Bench follow-up session", default_duration_minutes: 45 },
  });

  const shape = {
    count: config.appointments,
    patients: config.patients,
    clinicians: clinicians.length,
  };
  const { plan, firstDay, lastDay } = appointmentPlan({ ...shape, weeks: config.weeks });

  const patientIndexes = Array.from({ length: config.patients }, (_, i) => i);
  const patients = await runPool(
    patientIndexes,
    config.seedConcurrency,
    async (i) => {
      const careTeam = new Set([physio.user.id]);
      for (const c of cliniciansOfPatient(i, shape)) careTeam.add(clinicians[c]);
      const body = { ...patientRecord(i), care_team: [...careTeam] };
      const created = await admin.call("POST", "/api/v1/patients", {
        body,
        headers: { "idempotency-key": `bench-patient-${body.mrn}` },
      });
      return created.id;
    },
    { label: "patients", deadline },
  );

  const appointments = await runPool(
    plan,
    config.seedConcurrency,
    async (a) => {
      const body = {
        id: a.id, // client-generated: a retry returns the first result
        patient_id: patients.results[a.patient],
        clinician_id: clinicians[a.clinician],
        service_id: service.id,
        scheduled_start: a.scheduled_start,
        location_type: "clinic",
        location_details: a.location_details,
        status: a.status,
        notes: a.notes,
        // The plan's slots (08-17 UTC) ignore the clinicians' working hours; the admin books anyway.
        override_time_off: true,
      };
      try {
        const created = await admin.call("POST", "/api/v1/appointments", { body });
        return created.id;
      } catch (error) {
        // The demo clinic's own appointments may hold the slot: that one is left out.
        if (error.status === 409) return null;
        throw error;
      }
    },
    { label: "appointments", deadline },
  );

  const seconds = (Date.now() - started) / 1000;
  const skipped = appointments.results.filter((id) => id === null).length;
  console.log(
    `Seeding done in ${seconds.toFixed(0)} s (${skipped} appointments left out: slot held by the demo clinic).`,
  );
  return {
    admin,
    physio,
    physioLogin: { email: physio.user.email, password },
    clinicians,
    serviceId: service.id,
    patientIds: patients.results,
    plan,
    summary: {
      patients: config.patients,
      appointments: config.appointments,
      clinicians: clinicians.length,
      invited_clinicians: invited,
      appointment_window: { from: firstDay.toISOString(), to: lastDay.toISOString() },
      seconds: Math.round(seconds),
      patients_per_s: round1(patients.perSecond),
      appointments_per_s: round1(appointments.perSecond),
    },
  };
}

const round1 = (n) => Math.round(n * 10) / 10;

/** What a later run with BENCH_REUSE=1 needs to measure the same data without seeding again. */
export function savedDataset(data) {
  return {
    saved_at: new Date().toISOString(),
    physio_login: data.physioLogin,
    // Only the physiotherapist's appointments: the conflict probe is picked among them.
    plan: data.plan
      .filter((a) => a.clinician === 0)
      .map((a) => ({ clinician: 0, scheduled_start: a.scheduled_start })),
    summary: data.summary,
  };
}

/** Signs the physiotherapist in again and rebuilds what the targets need from a saved dataset. */
export async function reuseDataset(api, saved) {
  const { email, password } = saved.physio_login;
  const physio = await Session.login(api, email, password);
  console.log(`Reusing the data seeded at ${saved.saved_at}; signed in as ${email}.`);
  return { physio, plan: saved.plan, summary: { ...saved.summary, reused_from: saved.saved_at } };
}
