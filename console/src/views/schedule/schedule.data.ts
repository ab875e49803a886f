/**
 * What the schedule pages read from the API, and how the API's refusals of a time become named
 * answers: an overlapping appointment (the conflicts route, or the 409 of a booking or move), the
 * clinician's time off (their time-off list, or the 409's details), working hours (the 409).
 */
import { api, ApiError, type Schemas } from "../../api";
import { fmtRange } from "./dates";

export type Appointment = Schemas["Appointment"];
export type TimeOff = Schemas["TimeOff"];
export type Service = Schemas["Service"];
export type Place = Schemas["Location"];
export type Person = { id: string; name: string };

const CLINICIAN_ROLES = ["physiotherapist", "doctor", "nurse"];

/** Names and choices for the forms: patients, clinicians, services and locations. */
export type Directory = {
  patients: Person[];
  clinicians: Person[];
  services: Service[];
  locations: Place[];
  patientName: (id: string | null) => string;
  clinicianName: (id: string) => string;
};

/**
 * Loads the directory. An admin lists the workspace's clinicians; another clinician has only
 * themself to choose (the user list is admin-only), which is whose week they see.
 */
export async function loadDirectory(me: { id: string; name: string; role: string }) {
  const [patients, services, locations, users] = await Promise.all([
    api.GET("/api/v1/patients", { params: { query: { page_size: 100 } } }),
    api.GET("/api/v1/services", { params: { query: { page_size: 100 } } }),
    api.GET("/api/v1/locations", { params: { query: { page_size: 100 } } }),
    me.role === "admin"
      ? api.GET("/api/v1/users", { params: { query: { page_size: 100, is_active: "true" } } })
      : Promise.resolve([]),
  ]);
  const people: Person[] = patients.flatMap((p) =>
    "name" in p && p.name ? [{ id: p.id, name: p.name }] : [],
  );
  const clinicians =
    me.role === "admin"
      ? users
          .filter((u) => CLINICIAN_ROLES.includes(u.role))
          .map((u) => ({ id: u.id, name: u.name }))
      : [{ id: me.id, name: me.name }];
  const patientNames = new Map(people.map((p) => [p.id, p.name]));
  const clinicianNames = new Map(clinicians.map((c) => [c.id, c.name]));
  const directory: Directory = {
    patients: people,
    clinicians,
    services,
    locations,
    patientName: (id) => (id && patientNames.get(id)) || "another patient",
    clinicianName: (id) => clinicianNames.get(id) ?? "another clinician",
  };
  return directory;
}

/** One week's appointments (every status) and, for one clinician, their time off. */
export async function loadWeek(from: Date, to: Date, clinicianId: string) {
  const start_date = from.toISOString();
  const end_date = to.toISOString();
  const [appointments, timeOff] = await Promise.all([
    api.GET("/api/v1/appointments", {
      params: {
        query: {
          start_date,
          end_date,
          page_size: 100,
          ...(clinicianId && { clinician_id: clinicianId }),
        },
      },
    }),
    clinicianId ? timeOffBetween(clinicianId, start_date, end_date) : Promise.resolve([]),
  ]);
  return { appointments, timeOff };
}

export function timeOffBetween(clinicianId: string, from: string, to: string) {
  return api.GET("/api/v1/clinicians/{id}/time-off", {
    params: { path: { id: clinicianId }, query: { from, to, page_size: 100 } },
  });
}

/** One reason a time is not free, worded for the person booking. */
export type Clash = { kind: "appointment" | "time_off" | "hours"; text: string };

type Conflicting = Schemas["ConflictingAppointment"];

function appointmentClash(dir: Directory, c: Conflicting): Clash {
  return {
    kind: "appointment",
    text: `Overlaps ${dir.patientName(c.patient_id)}'s appointment with ${dir.clinicianName(c.clinician_id)}, ${fmtRange(c.scheduled_start, c.scheduled_end)}.`,
  };
}

function timeOffClash(
  dir: Directory,
  clinicianId: string,
  t: Pick<TimeOff, "starts_at" | "ends_at">,
): Clash {
  return {
    kind: "time_off",
    text: `${dir.clinicianName(clinicianId)} is on time off ${fmtRange(t.starts_at, t.ends_at)}.`,
  };
}

/**
 * Asks before submitting: overlapping appointments of the clinician or the patient (the
 * conflicts route) and the clinician's time off then. Working hours are answered at submit (409).
 */
export async function checkTime(
  dir: Directory,
  q: { clinicianId: string; patientId: string; start: Date; end: Date; excludeId?: string },
): Promise<Clash[]> {
  const scheduled_start = q.start.toISOString();
  const scheduled_end = q.end.toISOString();
  const [conflicts, timeOff] = await Promise.all([
    api.GET("/api/v1/appointments/conflicts", {
      params: {
        query: {
          scheduled_start,
          scheduled_end,
          clinician_id: q.clinicianId,
          ...(q.patientId && { patient_id: q.patientId }),
          ...(q.excludeId && { exclude_appointment_id: q.excludeId }),
        },
      },
    }),
    timeOffBetween(q.clinicianId, scheduled_start, scheduled_end),
  ]);
  return [
    ...conflicts.conflicting_appointments.map((c) => appointmentClash(dir, c)),
    ...timeOff.map((t) => timeOffClash(dir, q.clinicianId, t)),
  ];
}

/**
 * The clashes a 409 of a booking or move names: `details.conflicting_appointments` (overlap) or
 * a list of `scheduled_start` issues (time off, with its times; working hours). Null when the
 * error is something else.
 */
export function clashesOf(dir: Directory, clinicianId: string, error: unknown): Clash[] | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const details = error.details as
    | { conflicting_appointments?: Conflicting[] }
    | { message: string; time_off?: TimeOff }[]
    | undefined;
  if (Array.isArray(details) && details.length > 0)
    return details.map((d) =>
      d.time_off
        ? timeOffClash(dir, clinicianId, d.time_off)
        : { kind: "hours", text: `${dir.clinicianName(clinicianId)}: ${d.message}.` },
    );
  const list = !Array.isArray(details) ? details?.conflicting_appointments : undefined;
  if (list?.length) return list.map((c) => appointmentClash(dir, c));
  return [{ kind: "appointment", text: error.message }];
}
