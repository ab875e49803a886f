/** Clinicians' working hours, time off, and free slots (no seed names them; every clinic needs them). */
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../lib/pagination";
import { Instant } from "../appointments/appointments.schemas";

export const MAX_SLOT_RANGE_DAYS = 31;

const Clock = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "A time HH:MM (00:00 to 24:00)");

export const WorkingHoursEntry = z
  .object({
    weekday: z.number().int().min(0).max(6).openapi({ description: "0 = Sunday … 6 = Saturday" }),
    start: Clock.openapi({ example: "09:00" }),
    end: Clock.openapi({ example: "17:00" }),
    timezone: z
      .string()
      .min(1)
      .max(64)
      .default("UTC")
      .openapi({ description: "IANA time zone of the wall-clock times", example: "Europe/Berlin" }),
  })
  .openapi("WorkingHoursEntry");

export const WorkingHoursInput = z
  .object({ working_hours: z.array(WorkingHoursEntry).max(50) })
  .openapi("WorkingHoursInput");
export type WorkingHoursInput = z.infer<typeof WorkingHoursInput>;

export const WorkingHours = z
  .object({ clinician_id: z.string(), working_hours: z.array(WorkingHoursEntry) })
  .openapi("WorkingHours");

export const TimeOffInput = z
  .object({
    starts_at: Instant,
    ends_at: Instant,
    reason: z.string().max(500).nullable().optional().openapi({ description: "Stored encrypted" }),
  })
  .openapi("TimeOffInput");
export type TimeOffInput = z.infer<typeof TimeOffInput>;

export const TimeOff = z
  .object({
    id: z.string(),
    clinician_id: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    reason: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("TimeOff");

export const TimeOffListQuery = PageQuery.extend({
  from: Instant.optional().openapi({ description: "Only time off ending after this instant" }),
  to: Instant.optional().openapi({ description: "Only time off starting before this instant" }),
});
export type TimeOffListQuery = z.infer<typeof TimeOffListQuery>;

export const ClinicianParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "Clinician user id" }),
});
export const TimeOffParams = ClinicianParam.extend({
  time_off_id: z.uuid().openapi({ param: { name: "time_off_id", in: "path" } }),
});

export const SlotsQuery = z.object({
  clinician_id: z.uuid(),
  date_from: z.iso.date().openapi({ example: "2030-01-07" }),
  date_to: z.iso.date().openapi({
    example: "2030-01-13",
    description: `Inclusive; at most ${MAX_SLOT_RANGE_DAYS} days after date_from`,
  }),
  service_id: z.uuid().optional().openapi({ description: "Slot length from its duration" }),
  duration_minutes: z.coerce.number().int().min(5).max(480).optional().openapi({
    description: "Slot length when no service is given (default 60)",
  }),
  step_minutes: z.coerce.number().int().min(5).max(480).default(15),
});
export type SlotsQuery = z.infer<typeof SlotsQuery>;

export const Slots = z
  .object({
    clinician_id: z.string(),
    service_id: z.string().nullable(),
    duration_minutes: z.number().int(),
    step_minutes: z.number().int(),
    date_from: z.string(),
    date_to: z.string(),
    slots: z.array(z.object({ start: z.string(), end: z.string() })),
  })
  .openapi("Slots");
