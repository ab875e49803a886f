/**
 * Scheduling: the service and location catalogs, appointments, and clinicians' availability.
 *
 * Invariants:
 * - Every row carries `workspace_id`. Every time is an ISO-8601 UTC string made by
 *   `toISOString()`, so string order is time order and range filters walk the
 *   `(…, scheduled_start)` indexes.
 * - An appointment lasts at most MAX_APPOINTMENT_MINUTES, so an overlap search only has to look at
 *   starts in `(start - max, end)`: an index range, never the whole history.
 * - Two non-cancelled appointments of the same clinician, or of the same patient, never overlap on
 *   `[start, end)`. Bookings are serialised per clinician (party/clinician-calendar.ts) and the
 *   write itself is conditional in SQL (src/modules/appointments/appointments.booking.ts).
 * - Free text (appointment notes and location details, location addresses and details, time-off
 *   reasons) is stored only encrypted, bound to its table, column and row.
 * - Catalog names are unique per workspace, case-insensitively (`name_key`), among rows not deleted;
 *   a catalog entry still referenced by an appointment is soft-deleted (`deleted_at`), never removed.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, flag, id, timestamp, updatedAt, workspaceId } from "./columns";

export const MAX_APPOINTMENT_MINUTES = 24 * 60;
export const LOCATION_TYPES = ["clinic", "home", "online"] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];
export const APPOINTMENT_STATUSES = ["scheduled", "completed", "cancelled", "no_show"] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

export const services = sqliteTable(
  "services",
  {
    id: id(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    description: text("description"),
    defaultDurationMinutes: integer("default_duration_minutes").notNull(),
    isActive: flag("is_active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [
    uniqueIndex("services_workspace_name")
      .on(t.workspaceId, t.nameKey)
      .where(sql`deleted_at is null`),
    index("services_workspace_active").on(t.workspaceId, t.isActive, t.nameKey),
  ],
);

export const locations = sqliteTable(
  "locations",
  {
    id: id(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    locationType: text("location_type", { enum: LOCATION_TYPES }).notNull(),
    addressEnc: text("address_enc"),
    detailsEnc: text("details_enc"),
    isActive: flag("is_active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [
    uniqueIndex("locations_workspace_name")
      .on(t.workspaceId, t.nameKey)
      .where(sql`deleted_at is null`),
    index("locations_workspace_active").on(t.workspaceId, t.isActive, t.nameKey),
  ],
);

export const appointments = sqliteTable(
  "appointments",
  {
    id: id(),
    workspaceId: workspaceId(),
    patientId: text("patient_id").notNull(),
    clinicianId: text("clinician_id").notNull(),
    serviceId: text("service_id"),
    locationId: text("location_id"),
    scheduledStart: text("scheduled_start").notNull(),
    scheduledEnd: text("scheduled_end").notNull(),
    locationType: text("location_type", { enum: LOCATION_TYPES }).notNull(),
    locationDetailsEnc: text("location_details_enc"),
    status: text("status", { enum: APPOINTMENT_STATUSES }).notNull(),
    notesEnc: text("notes_enc"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("appointments_workspace_start").on(t.workspaceId, t.scheduledStart),
    index("appointments_clinician_start").on(t.clinicianId, t.scheduledStart),
    index("appointments_patient_start").on(t.patientId, t.scheduledStart),
    index("appointments_service").on(t.serviceId),
    index("appointments_location").on(t.locationId),
  ],
);

/** Weekly working hours: local wall-clock windows ("09:00"–"17:00") in an IANA time zone. */
export const clinicianWorkingHours = sqliteTable(
  "clinician_working_hours",
  {
    id: id(),
    workspaceId: workspaceId(),
    clinicianId: text("clinician_id").notNull(),
    weekday: integer("weekday").notNull(),
    startTime: text("start_time").notNull(),
    endTime: text("end_time").notNull(),
    timezone: text("timezone").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("clinician_working_hours_clinician").on(t.clinicianId, t.weekday)],
);

export const clinicianTimeOff = sqliteTable(
  "clinician_time_off",
  {
    id: id(),
    workspaceId: workspaceId(),
    clinicianId: text("clinician_id").notNull(),
    startsAt: text("starts_at").notNull(),
    endsAt: text("ends_at").notNull(),
    reasonEnc: text("reason_enc"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [index("clinician_time_off_clinician").on(t.clinicianId, t.startsAt)],
);

export type ServiceRow = typeof services.$inferSelect;
export type LocationRow = typeof locations.$inferSelect;
export type AppointmentRow = typeof appointments.$inferSelect;
export type WorkingHoursRow = typeof clinicianWorkingHours.$inferSelect;
export type TimeOffRow = typeof clinicianTimeOff.$inferSelect;
