/** Request and response schemas of exercise assignments (seed 004 "Exercises"). */
import { z } from "@hono/zod-openapi";
import { ASSIGNMENT_STATUSES } from "../../db/schema/exercises";
import { PageQuery } from "../../lib/pagination";

export const AssignmentStatus = z.enum(ASSIGNMENT_STATUSES).openapi("ExerciseAssignmentStatus");

export const Frequency = z
  .union([
    z.string().trim().min(1).max(100).openapi({ example: "3 times per week" }),
    z.object({
      times_per_week: z.number().int().min(1).max(21),
      times_per_day: z.number().int().min(1).max(10).optional(),
    }),
  ])
  .openapi("ExerciseFrequency");
export type Frequency = z.infer<typeof Frequency>;

const DueDate = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .openapi({ example: "2026-02-06", description: "A date or an ISO 8601 date-time" });

const ClientId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, "8–128 letters, digits, '.', '_', ':' or '-'");

const AssignmentFields = z.object({
  sets: z.number().int().min(1).max(20),
  repetitions: z.number().int().min(1).max(200).nullable().optional(),
  hold_seconds: z.number().int().min(1).max(600).nullable().optional(),
  frequency: Frequency.nullable().optional(),
  due_date: DueDate.nullable().optional(),
  instructions: z.string().trim().max(4000).nullable().optional(),
  status: AssignmentStatus,
});

export const CreateAssignmentInput = AssignmentFields.extend({
  patient_id: z.uuid(),
  exercise_type_id: z.uuid(),
  status: AssignmentStatus.default("Pending"),
  client_id: ClientId.optional().openapi({
    description: "Client-generated id; a retried create with the same id returns the first result",
  }),
}).openapi("CreateExerciseAssignmentInput");
export type CreateAssignmentInput = z.infer<typeof CreateAssignmentInput>;

export const UpdateAssignmentInput = AssignmentFields.extend({ exercise_type_id: z.uuid() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: "Give at least one field to change" })
  .openapi("UpdateExerciseAssignmentInput", {
    description: "Partial update. A patient may only change `status`.",
  });
export type UpdateAssignmentInput = z.infer<typeof UpdateAssignmentInput>;

export const IdempotencyHeaders = z.object({
  "idempotency-key": ClientId.optional().openapi({
    param: { name: "idempotency-key", in: "header" },
    description: "A retried create with the same key returns the first result",
  }),
});

export const AssignmentQuery = PageQuery.extend({ status: AssignmentStatus.optional() });
export type AssignmentQuery = z.infer<typeof AssignmentQuery>;

export const ExerciseAssignment = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    patient_id: z.string(),
    exercise_type_id: z.string(),
    exercise_type: z
      .object({ id: z.string(), name: z.string(), slug: z.string(), category: z.string() })
      .nullable(),
    assigned_by: z.string(),
    sets: z.number().int(),
    repetitions: z.number().int().nullable(),
    hold_seconds: z.number().int().nullable(),
    frequency: Frequency.nullable(),
    times_per_week: z.number().int().nullable(),
    due_date: z.string().nullable(),
    instructions: z.string().nullable(),
    status: AssignmentStatus,
    completed_at: z.string().nullable(),
    assigned_date: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ExerciseAssignment");

export const AssignmentIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
export const PatientIdParam = z.object({
  patient_id: z.uuid().openapi({ param: { name: "patient_id", in: "path" } }),
});
export const DoctorIdParam = z.object({
  doctor_id: z.uuid().openapi({ param: { name: "doctor_id", in: "path" } }),
});
