/**
 * Building and reading catalog rows: the one place that maps the API shape (snake_case) to the
 * `exercise_types` table, so service verbs, the default catalog and the seed agree.
 */
import { exerciseTypes, type DifficultyLevel } from "../../db/schema/exercises";
import { uuidv7 } from "../../lib/ids";
import { AnalysisConfig, type AnalysisInput } from "./exercise-types.analysis";

export type ExerciseTypeFields = {
  name: string;
  slug?: string | undefined;
  category: string;
  description?: string | null | undefined;
  target_muscles?: string[] | undefined;
  difficulty_level: DifficultyLevel;
  analysis: AnalysisInput;
};

export type ExerciseTypeRow = typeof exerciseTypes.$inferSelect;

/** Case- and spacing-insensitive key that makes names unique per workspace. */
export const nameKeyOf = (name: string) =>
  name.normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");

/** A slug from a name: "Sit-to-Stand" -> "sit_to_stand". */
export const slugOf = (name: string) =>
  nameKeyOf(name)
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 60) || "exercise";

/** A complete insert row; the analysis config is parsed (and so validated) here. */
export function newExerciseTypeRow(
  workspaceId: string,
  input: ExerciseTypeFields,
  createdBy: string | null,
  now = new Date().toISOString(),
): typeof exerciseTypes.$inferInsert {
  return {
    id: uuidv7(),
    workspaceId,
    name: input.name.trim(),
    nameKey: nameKeyOf(input.name),
    slug: input.slug ?? slugOf(input.name),
    category: input.category,
    description: input.description ?? null,
    targetMuscles: input.target_muscles ?? [],
    difficultyLevel: input.difficulty_level,
    analysis: AnalysisConfig.parse(input.analysis),
    createdBy,
    createdAt: now,
    updatedAt: now,
  };
}

/** The public shape of a catalog entry. */
export function presentExerciseType(row: ExerciseTypeRow) {
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    name: row.name,
    slug: row.slug,
    category: row.category,
    description: row.description,
    target_muscles: row.targetMuscles,
    difficulty_level: row.difficultyLevel,
    analysis: row.analysis,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
