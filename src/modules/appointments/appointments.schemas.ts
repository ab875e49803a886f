/** Request and response schemas of appointments (seed 001, "Appointments"; its clients are patients). */
import { z } from "@hono/zod-openapi";
import { APPOINTMENT_STATUSES, LOCATION_TYPES } from "../../db/schema/scheduling";
import { PageQuery } from "../../lib/pagination";

export const Instant = z.iso
  .datetime({ offset: true })
  .openapi({ description: "ISO 8601 date-time; stored in UTC", example: "2030-10-01T10:00:00Z" });
const DayOrInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .openapi({ description: "A date (whole day, UTC) or an ISO 8601 date-time" });
const Notes = z.string().max(5000).nullable();
const Details = z.string().max(1000).nullable();

export const AppointmentInput = z
  .object({
    id: z.uuid().optional().openapi({
      description: "Client-generated id: a retry with the same id returns the first result",
    }),
    patient_id: z.uuid(),
    clinician_id: z.uuid().openapi({ description: "A clinician user of the workspace" }),
    service_id: z.uuid().nullable().optional(),
    location_id: z.uuid().nullable().optional(),
    scheduled_start: Instant,
    scheduled_end: Instant.optional().openapi({
      description: "After scheduled_start; defaults to the service's duration",
    }),
    location_type: z.enum(LOCATION_TYPES).optional().openapi({
      description: "Defaults to the location's type, else clinic",
    }),
    location_details: Details.optional().openapi({ example: "Room 101" }),
    status: z.enum(APPOINTMENT_STATUSES).default("scheduled"),
    notes: Notes.optional().openapi({ description: "Staff-only; stored encrypted" }),
    override_time_off: z.boolean().optional().openapi({
      description:
        "Admin only: book even over the clinician's time off or outside working hours (audited)",
    }),
  })
  .openapi("AppointmentInput");
export type AppointmentInput = z.infer<typeof AppointmentInput>;

export const AppointmentUpdate = z
  .object({
    patient_id: z.uuid().optional(),
    clinician_id: z.uuid().optional(),
    service_id: z.uuid().nullable().optional(),
    location_id: z.uuid().nullable().optional(),
    scheduled_start: Instant.optional(),
    scheduled_end: Instant.optional(),
    location_type: z.enum(LOCATION_TYPES).optional(),
    location_details: Details.optional(),
    status: z.enum(APPOINTMENT_STATUSES).optional(),
    notes: Notes.optional(),
    override_time_off: z.boolean().optional().openapi({
      description:
        "Admin only: book even over the clinician's time off or outside working hours (audited)",
    }),
  })
  .openapi("AppointmentUpdate");
export type AppointmentUpdate = z.infer<typeof AppointmentUpdate>;

export const Appointment = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    patient_id: z.string(),
    clinician_id: z.string(),
    service_id: z.string().nullable(),
    location_id: z.string().nullable(),
    scheduled_start: z.string(),
    scheduled_end: z.string(),
    location_type: z.enum(LOCATION_TYPES),
    location_details: z.string().nullable(),
    status: z.enum(APPOINTMENT_STATUSES),
    notes: z.string().nullable().openapi({ description: "Null for patients and family" }),
    created_by: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Appointment");
export type AppointmentItem = z.infer<typeof Appointment>;

export const AppointmentListQuery = PageQuery.extend({
  start_date: DayOrInstant.optional(),
  end_date: DayOrInstant.optional(),
  patient_id: z.uuid().optional(),
  clinician_id: z.uuid().optional(),
  status: z.enum(APPOINTMENT_STATUSES).optional(),
  include: z.enum(["notes"]).optional().openapi({
    description:
      "The calendar list returns `notes` as null (they are not decrypted) unless include=notes; staff only",
  }),
});
export type AppointmentListQuery = z.infer<typeof AppointmentListQuery>;

export const ConflictQuery = z.object({
  scheduled_start: Instant,
  scheduled_end: Instant,
  clinician_id: z.uuid().optional(),
  patient_id: z.uuid().optional(),
  exclude_appointment_id: z.uuid().optional(),
});
export type ConflictQuery = z.infer<typeof ConflictQuery>;

export const ConflictingAppointment = z
  .object({
    id: z.string(),
    scheduled_start: z.string(),
    scheduled_end: z.string(),
    clinician_id: z.string(),
    patient_id: z
      .string()
      .nullable()
      .openapi({ description: "Null when the caller may not see that patient" }),
    status: z.enum(APPOINTMENT_STATUSES),
  })
  .openapi("ConflictingAppointment");

export const ConflictResult = z
  .object({ has_conflict: z.boolean(), conflicting_appointments: z.array(ConflictingAppointment) })
  .openapi("ConflictResult");

export const OwnAppointmentsQuery = PageQuery.extend({
  when: z.enum(["all", "upcoming", "past"]).default("all"),
  status: z.enum(APPOINTMENT_STATUSES).optional(),
});
export type OwnAppointmentsQuery = z.infer<typeof OwnAppointmentsQuery>;
