/**
 * The exercise catalog every workspace starts with. Registration and the demo seed insert
 * `catalogInsertQueries(db, workspaceId)` (or `catalogRowsFor(workspaceId)`) in their batch.
 * One insert per row: D1 binds at most 100 parameters per statement.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { exerciseTypes } from "../../db/schema/exercises";
import type { Database } from "../../lib/db";
import { UPPER_BODY } from "./exercise-types.catalog-upper";
import { LOWER_BODY } from "./exercise-types.catalog-lower";
import { newExerciseTypeRow } from "./exercise-types.data";
import type { ExerciseTypeSeed } from "./exercise-types.seed";

export type { ExerciseTypeSeed } from "./exercise-types.seed";

/** The default exercises with their movement-analysis parameters (fresh copies on every call). */
export function defaultExerciseTypes(): ExerciseTypeSeed[] {
  return structuredClone([...LOWER_BODY, ...UPPER_BODY]);
}

/** Catalog rows for a new workspace, validated, with fresh ids. */
export function catalogRowsFor(workspaceId: string): (typeof exerciseTypes.$inferInsert)[] {
  const now = new Date().toISOString();
  return defaultExerciseTypes().map((seed) => newExerciseTypeRow(workspaceId, seed, null, now));
}

/** The inserts of a workspace's default catalog, to spread into a `db.write([...])` batch. */
export function catalogInsertQueries(db: Database, workspaceId: string): BatchItem<"sqlite">[] {
  return catalogRowsFor(workspaceId).map((row) => db.insert(exerciseTypes).values(row));
}
