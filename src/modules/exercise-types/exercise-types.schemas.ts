/** Request and response schemas of the exercise catalog (seed 000 `exercise_types`). */
import { z } from "@hono/zod-openapi";
import { DIFFICULTY_LEVELS } from "../../db/schema/exercises";
import { PageQuery } from "../../lib/pagination";
import { AnalysisConfig } from "./exercise-types.analysis";

const Slug = z.string().regex(/^[a-z0-9_]{1,60}$/, "Lower-case letters, digits and underscores");
const Category = z
  .string()
  .regex(/^[a-z0-9_]{1,50}$/, "Lower-case letters, digits and underscores")
  .openapi({ example: "lower_body" });
const Difficulty = z.enum(DIFFICULTY_LEVELS);

const ExerciseTypeFields = z.object({
  name: z.string().trim().min(1).max(100).openapi({ example: "Step-Up" }),
  slug: Slug.optional().openapi({ description: "Defaults to one derived from the name" }),
  category: Category,
  description: z.string().trim().max(2000).nullable().optional(),
  target_muscles: z.array(z.string().trim().min(1).max(60)).max(20),
  difficulty_level: Difficulty,
  analysis: AnalysisConfig,
});

export const CreateExerciseTypeInput = ExerciseTypeFields.extend({
  target_muscles: ExerciseTypeFields.shape.target_muscles.default([]),
}).openapi("CreateExerciseTypeInput");
export type CreateExerciseTypeInput = z.infer<typeof CreateExerciseTypeInput>;

export const UpdateExerciseTypeInput = ExerciseTypeFields.partial()
  .refine((v) => Object.keys(v).length > 0, { message: "Give at least one field to change" })
  .openapi("UpdateExerciseTypeInput", {
    description: "Partial update; `analysis`, when given, replaces the whole config",
  });
export type UpdateExerciseTypeInput = z.infer<typeof UpdateExerciseTypeInput>;

export const ExerciseTypeIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const ExerciseTypeQuery = PageQuery.extend({
  category: Category.optional(),
  difficulty: Difficulty.optional(),
});
export type ExerciseTypeQuery = z.infer<typeof ExerciseTypeQuery>;

export const ExerciseType = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    name: z.string(),
    slug: z.string(),
    category: z.string(),
    description: z.string().nullable(),
    target_muscles: z.array(z.string()),
    difficulty_level: Difficulty,
    analysis: AnalysisConfig,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ExerciseType");
