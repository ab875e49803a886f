/**
 * The exercise catalog of a workspace. Reads are open to every signed-in user of the workspace
 * (catalog rows are not patient data); writes need 'catalog.manage' and are audited.
 */
import { isUniqueViolation } from "../../lib/db";
import { and, asc, count, eq, ne, or, type SQL } from "drizzle-orm";
import { exerciseTypes } from "../../db/schema/exercises";
import { auditEntry } from "../../lib/audit";
import { ConflictError, NotFoundError } from "../../lib/errors";
import { offsetOf } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { nameKeyOf, newExerciseTypeRow, presentExerciseType } from "./exercise-types.data";
import type {
  CreateExerciseTypeInput,
  ExerciseTypeQuery,
  UpdateExerciseTypeInput,
} from "./exercise-types.schemas";

const DUPLICATE = "An exercise type with this name or slug already exists";

/** Refuses a name or slug already used by another catalog entry of the workspace (409). */
async function assertUnique(
  ctx: RequestContext,
  workspaceId: string,
  name: string,
  slug: string,
  exceptId?: string,
) {
  const [clash] = await ctx.db.read([
    ctx.db.orm
      .select({ nameKey: exerciseTypes.nameKey, slug: exerciseTypes.slug })
      .from(exerciseTypes)
      .where(
        and(
          eq(exerciseTypes.workspaceId, workspaceId),
          or(eq(exerciseTypes.nameKey, nameKeyOf(name)), eq(exerciseTypes.slug, slug)),
          exceptId ? ne(exerciseTypes.id, exceptId) : undefined,
        ),
      )
      .limit(1),
  ]);
  const row = clash[0];
  if (row) {
    const field = row.nameKey === nameKeyOf(name) ? "name" : "slug";
    throw new ConflictError(DUPLICATE, [{ field, message: "Already in use" }], "DUPLICATE_ENTRY");
  }
}

/** Lists the workspace's catalog, filtered by category and difficulty, by name. */
export async function listExerciseTypes(ctx: RequestContext, query: ExerciseTypeQuery) {
  const caller = callerOf(ctx);
  const filters: (SQL | undefined)[] = [
    eq(exerciseTypes.workspaceId, caller.workspaceId),
    query.category ? eq(exerciseTypes.category, query.category) : undefined,
    query.difficulty ? eq(exerciseTypes.difficultyLevel, query.difficulty) : undefined,
  ];
  const [rows, total] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(exerciseTypes)
      .where(and(...filters))
      .orderBy(asc(exerciseTypes.nameKey))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    ctx.db.orm
      .select({ n: count() })
      .from(exerciseTypes)
      .where(and(...filters)),
  ]);
  return { items: rows.map(presentExerciseType), total: total[0]?.n ?? 0 };
}

/** One catalog entry of the caller's workspace (404 otherwise). */
export async function getExerciseType(ctx: RequestContext, id: string) {
  const caller = callerOf(ctx);
  const [rows] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(exerciseTypes)
      .where(and(eq(exerciseTypes.id, id), eq(exerciseTypes.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  if (!rows[0]) throw new NotFoundError("Exercise type");
  return presentExerciseType(rows[0]);
}

/** Adds an exercise to the workspace's catalog (admin). 409 on a duplicate name or slug. */
export async function createExerciseType(ctx: RequestContext, input: CreateExerciseTypeInput) {
  const caller = await requirePermission(ctx, "catalog.manage", {
    action: "exercise_type.created",
    resourceType: "exercise_type",
  });
  const row = newExerciseTypeRow(caller.workspaceId, input, caller.userId);
  await assertUnique(ctx, caller.workspaceId, row.name, row.slug);
  const audit = await auditEntry(ctx, {
    action: "exercise_type.created",
    resourceType: "exercise_type",
    resourceId: row.id,
    metadata: { slug: row.slug },
  });
  try {
    await ctx.db.write([ctx.db.orm.insert(exerciseTypes).values(row), audit.query]);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(DUPLICATE, undefined, "DUPLICATE_ENTRY");
    throw error;
  }
  return getExerciseType(ctx, row.id);
}

/** Changes the given fields of a catalog entry (admin); `analysis` is replaced whole. */
export async function updateExerciseType(
  ctx: RequestContext,
  id: string,
  input: UpdateExerciseTypeInput,
) {
  const caller = await requirePermission(ctx, "catalog.manage", {
    action: "exercise_type.updated",
    resourceType: "exercise_type",
    resourceId: id,
  });
  const current = await getExerciseType(ctx, id);
  const name = input.name?.trim() ?? current.name;
  // A slug is a stable identifier (sessions name exercises by it): renaming keeps it.
  const slug = input.slug ?? current.slug;
  if (input.name !== undefined || input.slug !== undefined) {
    await assertUnique(ctx, caller.workspaceId, name, slug, id);
  }
  const changes = {
    name,
    nameKey: nameKeyOf(name),
    slug,
    ...(input.category !== undefined && { category: input.category }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.target_muscles !== undefined && { targetMuscles: input.target_muscles }),
    ...(input.difficulty_level !== undefined && { difficultyLevel: input.difficulty_level }),
    ...(input.analysis !== undefined && { analysis: input.analysis }),
    updatedAt: new Date().toISOString(),
  };
  const audit = await auditEntry(ctx, {
    action: "exercise_type.updated",
    resourceType: "exercise_type",
    resourceId: id,
    metadata: { fields: Object.keys(input).sort() },
  });
  try {
    await ctx.db.write([
      ctx.db.orm
        .update(exerciseTypes)
        .set(changes)
        .where(and(eq(exerciseTypes.id, id), eq(exerciseTypes.workspaceId, caller.workspaceId))),
      audit.query,
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(DUPLICATE, undefined, "DUPLICATE_ENTRY");
    throw error;
  }
  return getExerciseType(ctx, id);
}
