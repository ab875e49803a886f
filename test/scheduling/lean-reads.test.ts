/**
 * The lean row path (issue 21): the calendar week, a patient's own list, the conflict check and
 * patient search read their page as D1's own row objects under the response's keys
 * (`RequestDb.rows`, `named`). Each item must be exactly what the one-row path
 * (`GET /appointments/{id}`, `GET /patients/{id}`, presented field by field) gives: same keys,
 * same order, same values, encrypted fields decrypted, notes only where the caller may see them.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { book } from "./helpers";

let clinic: Clinic;
const booked: Record<string, { id: string }> = {};
const week = "start_date=2031-09-01&end_date=2031-09-07&page_size=100";

beforeAll(async () => {
  clinic = await createClinic();
  const mk = async (key: string, body: Record<string, unknown>) => {
    booked[key] = await book(clinic, body);
  };
  // Several clinicians, encrypted details and notes, null ones, a cancelled appointment, and one
  // outside the week.
  await mk("physio", {
    scheduled_start: "2031-09-01T09:00:00Z",
    scheduled_end: "2031-09-01T10:00:00Z",
    location_details: "Room 4, second floor",
    notes: "Knee: progress as expected",
  });
  await mk("doctor", {
    patient_id: clinic.otherPatient.id,
    clinician_id: clinic.doctor.id,
    scheduled_start: "2031-09-02T08:00:00Z",
    scheduled_end: "2031-09-02T08:45:00Z",
    location_details: "Ward B",
    notes: "Review medication",
  });
  await mk("cancelled", {
    scheduled_start: "2031-09-01T12:00:00Z",
    scheduled_end: "2031-09-01T13:00:00Z",
    status: "cancelled",
    notes: "Cancelled by phone",
  });
  await mk("physioOther", {
    patient_id: clinic.otherPatient.id,
    scheduled_start: "2031-09-04T08:00:00Z",
    scheduled_end: "2031-09-04T08:30:00Z",
    location_type: "online",
  });
  await mk("later", {
    scheduled_start: "2031-09-09T09:00:00Z",
    scheduled_end: "2031-09-09T10:00:00Z",
    location_details: "Room 1",
  });
});

const get = async (path: string, token: string) =>
  expectStatus(await api("GET", path, { token }), 200).body;

/** What the one-row path answers for each id, as `token` (notes as that path shows them). */
const singles = (token: string, keys: string[]) =>
  Promise.all(
    keys.map(async (k) => (await get(`/api/v1/appointments/${booked[k]!.id}`, token)).data),
  );

const withoutNotes = (items: Record<string, unknown>[]) =>
  items.map((i) => ({ ...i, notes: null }));

describe("happy", () => {
  it("the week as an admin: every clinician's items, cancelled included, byte for byte the one-row shape", async () => {
    const keys = ["physio", "cancelled", "doctor", "physioOther"];
    const expected = await singles(clinic.admin.token, keys);
    expect(expected[0].location_details).toBe("Room 4, second floor");
    expect(expected[0].notes).toBe("Knee: progress as expected");

    const plain = await get(`/api/v1/appointments?${week}`, clinic.admin.token);
    expect(JSON.stringify(plain.data)).toBe(JSON.stringify(withoutNotes(expected)));
    expect(plain.pagination).toMatchObject({ total_items: 4 });

    const notes = await get(`/api/v1/appointments?${week}&include=notes`, clinic.admin.token);
    expect(JSON.stringify(notes.data)).toBe(JSON.stringify(expected));
  });

  it("the week as the physiotherapist: care-team and own appointments only, same shape", async () => {
    const keys = ["physio", "cancelled", "physioOther"];
    const expected = await singles(clinic.physio.token, keys);
    const plain = await get(`/api/v1/appointments?${week}`, clinic.physio.token);
    expect(JSON.stringify(plain.data)).toBe(JSON.stringify(withoutNotes(expected)));
    const notes = await get(`/api/v1/appointments?${week}&include=notes`, clinic.physio.token);
    expect(JSON.stringify(notes.data)).toBe(JSON.stringify(expected));
  });

  it("the patient's own list: its appointments with notes null, same shape", async () => {
    const keys = ["physio", "cancelled", "later"];
    const expected = await singles(clinic.patientUser.token, keys);
    expect(expected.every((a: { notes: unknown }) => a.notes === null)).toBe(true);
    const own = await get("/api/v1/patients/appointments?when=upcoming", clinic.patientUser.token);
    expect(JSON.stringify(own.data)).toBe(JSON.stringify(expected));
  });

  it("the conflict check lists the non-cancelled overlaps in the conflict shape, redacted per caller", async () => {
    const window = {
      scheduled_start: "2031-09-01T09:45:00Z",
      scheduled_end: "2031-09-02T09:45:00Z",
    };
    const [physio, doctor] = await singles(clinic.admin.token, ["physio", "doctor"]);
    const shape = (a: Record<string, unknown>, patient: unknown) => ({
      id: a.id,
      scheduled_start: a.scheduled_start,
      scheduled_end: a.scheduled_end,
      clinician_id: a.clinician_id,
      patient_id: patient,
      status: a.status,
    });
    const conflicts = async (token: string, filter: Record<string, string>) =>
      (
        await get(
          `/api/v1/appointments/conflicts?${new URLSearchParams({ ...window, ...filter })}`,
          token,
        )
      ).data;
    // The physiotherapist's and (by patient) the doctor's; the cancelled one in between is no conflict.
    const both = { clinician_id: clinic.physio.id, patient_id: clinic.otherPatient.id };
    expect(JSON.stringify(await conflicts(clinic.admin.token, both))).toBe(
      JSON.stringify({
        has_conflict: true,
        conflicting_appointments: [
          shape(physio, clinic.patient.id),
          shape(doctor, clinic.otherPatient.id),
        ],
      }),
    );
    const byPhysio = { clinician_id: clinic.physio.id };
    // The nurse is on no care team; the doctor is not on this patient's; the physiotherapist is.
    for (const [token, patient] of [
      [clinic.nurse.token, null],
      [clinic.doctor.token, null],
      [clinic.physio.token, clinic.patient.id],
    ] as const) {
      expect(JSON.stringify(await conflicts(token, byPhysio))).toBe(
        JSON.stringify({ has_conflict: true, conflicting_appointments: [shape(physio, patient)] }),
      );
    }
  });

  it("patient search answers the one-row record's summary fields, in the list's order", async () => {
    const record = (await get(`/api/v1/patients/${clinic.patient.id}`, clinic.admin.token)).data;
    const found = await get(
      `/api/v1/patients?search=${encodeURIComponent(record.last_name)}`,
      clinic.admin.token,
    );
    const summary = {
      id: record.id,
      user_id: record.user_id,
      mrn: record.mrn,
      first_name: record.first_name,
      last_name: record.last_name,
      name: record.name,
      date_of_birth: record.date_of_birth,
      tags: record.tags,
      created_at: record.created_at,
      updated_at: record.updated_at,
    };
    expect(JSON.stringify(found.data)).toBe(JSON.stringify([summary]));
    const byMrn = await get(
      `/api/v1/patients?search=${encodeURIComponent(record.mrn)}`,
      clinic.physio.token,
    );
    expect(JSON.stringify(byMrn.data)).toBe(JSON.stringify([summary]));
  });
});

describe("security", () => {
  it("the stored rows hold ciphertext; the lists answer plaintext only", async () => {
    const row = await env.DB.prepare(
      "select location_details_enc, notes_enc from appointments where id = ?",
    )
      .bind(booked.physio!.id)
      .first<{ location_details_enc: string; notes_enc: string }>();
    expect(row!.location_details_enc).toMatch(/^v1\./);
    expect(row!.notes_enc).not.toContain("Knee");
    const body = await get(`/api/v1/appointments?${week}&include=notes`, clinic.admin.token);
    expect(JSON.stringify(body)).not.toContain("v1.");
  });

  it("another workspace's week, conflicts and search see none of these", async () => {
    const other = await createClinic();
    const body = await get(`/api/v1/appointments?${week}`, other.admin.token);
    expect(body.data).toEqual([]);
    const query = new URLSearchParams({
      scheduled_start: "2031-09-01T09:30:00Z",
      scheduled_end: "2031-09-01T09:45:00Z",
      clinician_id: clinic.physio.id,
    });
    const conflicts = await get(`/api/v1/appointments/conflicts?${query}`, other.admin.token);
    expect(conflicts.data).toEqual({ has_conflict: false, conflicting_appointments: [] });
  });
});
