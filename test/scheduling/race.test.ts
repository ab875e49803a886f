import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/lib/ids";
import {
  commitBooking,
  bookingAudit,
  guardedWrite,
  type BookingPlan,
} from "../../src/modules/appointments/appointments.booking";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { appointmentRows, auditRows, book } from "./helpers";

const SLOT = {
  scheduled_start: "2031-07-01T10:00:00.000Z",
  scheduled_end: "2031-07-01T11:00:00.000Z",
};

/**
 * One booking first, elsewhere in time, so every code path is warm: otherwise the first racer runs
 * alone while the others wait on cold starts, and the race is never really run.
 */
const warmUp = async (clinic: Clinic) =>
  Promise.all(
    [clinic.physio, clinic.doctor, clinic.nurse].map((c, i) =>
      book(clinic, {
        clinician_id: c.id,
        scheduled_start: `2031-06-30T0${i}:00:00Z`,
        scheduled_end: `2031-06-30T0${i}:30:00Z`,
      }),
    ),
  );

const statuses = (responses: { status: number }[]) =>
  responses.map((r) => r.status).sort((a, b) => a - b);

describe("happy", () => {
  it("many concurrent bookings of one clinician's slot: exactly one 201, the rest 409, one row", async () => {
    const clinic = await createClinic();
    await warmUp(clinic);
    const body = { patient_id: clinic.patient.id, clinician_id: clinic.physio.id, ...SLOT };
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api("POST", "/api/v1/appointments", {
          token: i % 2 ? clinic.admin.token : clinic.physio.token,
          body,
        }),
      ),
    );
    expect(statuses(responses), responses.map((r) => r.text.slice(0, 120)).join("\n")).toEqual([
      201,
      ...Array(19).fill(409),
    ]);
    const rows = (await appointmentRows(clinic)).filter(
      (r) => r.scheduled_start === SLOT.scheduled_start,
    );
    expect(rows).toHaveLength(1);
    const created = await auditRows({ resourceId: rows[0]!.id as string });
    expect(created.filter((r) => r.outcome === "success")).toHaveLength(1);
  });

  it("different clinicians booking the same patient at once: exactly one succeeds", async () => {
    const clinic = await createClinic();
    await warmUp(clinic);
    const clinicians = [clinic.physio, clinic.doctor, clinic.nurse];
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api("POST", "/api/v1/appointments", {
          token: clinic.admin.token,
          body: { patient_id: clinic.patient.id, clinician_id: clinicians[i % 3]!.id, ...SLOT },
        }),
      ),
    );
    expect(statuses(responses)).toEqual([201, ...Array(11).fill(409)]);
    const rows = await appointmentRows(clinic);
    expect(rows.filter((r) => r.scheduled_start === SLOT.scheduled_start)).toHaveLength(1);
  });

  it("concurrent updates moving two appointments into one slot: exactly one wins", async () => {
    const clinic = await createClinic();
    const a = await book(clinic, {
      scheduled_start: "2031-07-02T08:00:00Z",
      scheduled_end: "2031-07-02T09:00:00Z",
    });
    const b = await book(clinic, {
      scheduled_start: "2031-07-02T14:00:00Z",
      scheduled_end: "2031-07-02T15:00:00Z",
    });
    const responses = await Promise.all(
      [a, b].map((appt) =>
        api("PUT", `/api/v1/appointments/${appt.id}`, { token: clinic.admin.token, body: SLOT }),
      ),
    );
    expect(statuses(responses)).toEqual([200, 409]);
  });
});

describe("errors", () => {
  it("the SQL guard alone refuses an overlapping write and drops its audit entry", async () => {
    const clinic = await createClinic();
    const existing = await book(clinic, SLOT);
    const db = drizzle(env.DB);
    const now = new Date().toISOString();
    const id = uuidv7();
    const auditId = uuidv7();
    const plan: BookingPlan = {
      kind: "insert",
      appointmentId: id,
      workspaceId: clinic.workspaceId,
      clinicianId: clinic.doctor.id,
      patientId: clinic.patient.id,
      start: "2031-07-01T10:30:00.000Z",
      end: "2031-07-01T11:30:00.000Z",
      blocking: true,
      values: {
        id,
        workspaceId: clinic.workspaceId,
        patientId: clinic.patient.id,
        clinicianId: clinic.doctor.id,
        scheduledStart: "2031-07-01T10:30:00.000Z",
        scheduledEnd: "2031-07-01T11:30:00.000Z",
        locationType: "clinic",
        status: "scheduled",
        createdAt: now,
        updatedAt: now,
      },
      audit: bookingAudit(
        db,
        {
          id: auditId,
          workspaceId: clinic.workspaceId,
          action: "appointment.created",
          resourceType: "appointment",
          resourceId: id,
          outcome: "success",
          createdAt: now,
          entryMac: "test",
        },
        id,
        now,
      ),
    };
    // Skip the check (as if another calendar object raced us) and run the guarded batch directly.
    const [write] = await env.DB.batch(
      [guardedWrite(db, plan), plan.audit].map((s) => env.DB.prepare(s.sql).bind(...s.params)),
    );
    expect(write!.meta.changes).toBe(0);
    expect(await auditRows({ resourceId: id })).toEqual([]);
    expect((await appointmentRows(clinic)).map((r) => r.id)).toEqual([existing.id]);

    const outcome = await commitBooking(env.DB, plan);
    expect(outcome).toMatchObject({ status: "conflict", conflicts: [{ id: existing.id }] });

    const free = { ...plan, start: "2031-07-01T11:00:00.000Z" };
    free.values = { ...plan.values, scheduledStart: free.start };
    expect(await commitBooking(env.DB, free)).toEqual({ status: "booked" });
    expect(await auditRows({ resourceId: id })).toHaveLength(1);
    expect(await commitBooking(env.DB, free)).toEqual({ status: "exists" });
  });
});
