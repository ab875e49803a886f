/**
 * Appointment rows: which fields are encrypted (notes, location details, each bound to its row
 * and column), how a row is presented, and the time arithmetic on ISO-8601 UTC strings.
 */
import { and, eq, isNull, sql, type Column, type SQL } from "drizzle-orm";
import {
  appointments,
  locations,
  MAX_APPOINTMENT_MINUTES,
  services,
  type AppointmentRow,
} from "../../db/schema/scheduling";
import type { PhiCipher } from "../../lib/crypto/phi";
import { named } from "../../lib/db";
import type { FieldIssue } from "../../lib/errors";
import type { RequestContext } from "../../middleware/request-context";
import type { AppointmentItem } from "./appointments.schemas";

const ref = (id: string, column: string) => ({ table: "appointments", column, rowId: id });

/** Encrypted columns for the free-text fields present in `input` (undefined: unchanged). */
export async function encryptAppointmentText(
  phi: PhiCipher,
  id: string,
  input: { notes?: string | null; location_details?: string | null },
) {
  return {
    ...(input.notes !== undefined && {
      notesEnc: await phi.encryptOptional(input.notes, ref(id, "notes")),
    }),
    ...(input.location_details !== undefined && {
      locationDetailsEnc: await phi.encryptOptional(
        input.location_details,
        ref(id, "location_details"),
      ),
    }),
  };
}

/**
 * The columns a list reads, under the response's keys and in its order (lists read them as D1
 * rows, `RequestDb.rows`, so each row is mapped once). The notes ciphertext only when the notes
 * are shown, so a calendar week does not carry every row's notes from D1 only to drop them.
 */
const listFields = (notes: SQL | Column) =>
  named({
    id: appointments.id,
    workspace_id: appointments.workspaceId,
    patient_id: appointments.patientId,
    clinician_id: appointments.clinicianId,
    service_id: appointments.serviceId,
    location_id: appointments.locationId,
    scheduled_start: appointments.scheduledStart,
    scheduled_end: appointments.scheduledEnd,
    location_type: appointments.locationType,
    location_details: appointments.locationDetailsEnc,
    status: appointments.status,
    notes,
    created_by: appointments.createdBy,
    created_at: appointments.createdAt,
    updated_at: appointments.updatedAt,
  });
const WITHOUT_NOTES = listFields(sql`null`);
const WITH_NOTES = listFields(appointments.notesEnc);
export const listColumns = (notes: boolean) => (notes ? WITH_NOTES : WITHOUT_NOTES);

/**
 * Listed rows (read with `listColumns`) hold the response's fields, but `location_details` and
 * `notes` as ciphertext (or null): decrypts those in place, all at once, and returns the rows,
 * now the response items (the fields `presentAppointment` gives one row).
 */
export async function decryptListed(phi: PhiCipher, rows: AppointmentItem[]) {
  const pending: Promise<unknown>[] = [];
  for (const row of rows) {
    const { id, location_details: details, notes } = row;
    if (details !== null) {
      const plain = phi.decrypt(details, ref(id, "location_details"));
      pending.push(plain.then((value) => (row.location_details = value)));
    }
    if (notes !== null) {
      pending.push(phi.decrypt(notes, ref(id, "notes")).then((value) => (row.notes = value)));
    }
  }
  await Promise.all(pending);
  return rows;
}

/**
 * The public shape of one row; `notes` are staff-only and come back null for patients and family.
 * Only the fields shown are decrypted, both at once.
 */
export async function presentAppointment(
  phi: PhiCipher,
  a: AppointmentRow,
  opts: { notes: boolean },
): Promise<AppointmentItem> {
  const [locationDetails, notes] = await Promise.all([
    phi.decryptOptional(a.locationDetailsEnc, ref(a.id, "location_details")),
    opts.notes ? phi.decryptOptional(a.notesEnc, ref(a.id, "notes")) : null,
  ]);
  return {
    id: a.id,
    workspace_id: a.workspaceId,
    patient_id: a.patientId,
    clinician_id: a.clinicianId,
    service_id: a.serviceId,
    location_id: a.locationId,
    scheduled_start: a.scheduledStart,
    scheduled_end: a.scheduledEnd,
    location_type: a.locationType,
    location_details: locationDetails,
    status: a.status,
    notes,
    created_by: a.createdBy,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export const toUtc = (value: string) => new Date(value).toISOString();
export const addMinutes = (iso: string, minutes: number) =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();
export const minutesBetween = (start: string, end: string) =>
  (Date.parse(end) - Date.parse(start)) / 60_000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A filter bound: a bare date is a whole UTC day (its start, or the next day's start for `end`). */
export function boundOf(value: string, side: "start" | "end") {
  if (!DAY.test(value)) return toUtc(value);
  const start = `${value}T00:00:00.000Z`;
  return side === "start" ? start : addMinutes(start, 24 * 60);
}

/** Field issues of an interval: end after start, at most MAX_APPOINTMENT_MINUTES long. */
export function intervalIssues(start: string, end: string, field = "scheduled_end"): FieldIssue[] {
  const minutes = minutesBetween(start, end);
  if (!(minutes > 0)) return [{ field, message: "Must be after scheduled_start" }];
  if (minutes > MAX_APPOINTMENT_MINUTES) {
    return [{ field, message: `An appointment lasts at most ${MAX_APPOINTMENT_MINUTES} minutes` }];
  }
  return [];
}

/** An active service of the workspace ("" matches nothing, to keep batch shapes fixed). */
export const activeServiceQuery = (ctx: RequestContext, workspaceId: string, id: string) =>
  ctx.db.orm
    .select()
    .from(services)
    .where(
      and(
        eq(services.id, id),
        eq(services.workspaceId, workspaceId),
        eq(services.isActive, true),
        isNull(services.deletedAt),
      ),
    )
    .limit(1);

/** An active location of the workspace ("" matches nothing). */
export const activeLocationQuery = (ctx: RequestContext, workspaceId: string, id: string) =>
  ctx.db.orm
    .select({ id: locations.id, locationType: locations.locationType })
    .from(locations)
    .where(
      and(
        eq(locations.id, id),
        eq(locations.workspaceId, workspaceId),
        eq(locations.isActive, true),
        isNull(locations.deletedAt),
      ),
    )
    .limit(1);

/** The caller's workspace's appointment with this id (a client-chosen id is fresh or a retry). */
export const appointmentByIdQuery = (ctx: RequestContext, id: string) =>
  ctx.db.orm
    .select()
    .from(appointments)
    .where(
      and(eq(appointments.id, id), eq(appointments.workspaceId, ctx.caller?.workspaceId ?? "")),
    )
    .limit(1);
