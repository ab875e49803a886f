/**
 * The service catalog. Staff read it, patients read its active entries, admins change it
 * (`catalog.manage`). A service some appointment uses is soft-deleted (inactive, `deleted_at`);
 * one never used is removed. The choice is made inside the write batch, so an appointment booked
 * meanwhile cannot lose its service.
 */
import { and, asc, eq, exists, isNull, ne, notExists, sql } from "drizzle-orm";
import { appointments, services, type ServiceRow } from "../../db/schema/scheduling";
import { auditIfChanged } from "../../lib/guarded-write";
import { auditEntry } from "../../lib/audit";
import { NotFoundError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { offsetOf } from "../../lib/pagination";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { catalogNameKey, duplicateName } from "../../lib/catalog";
import { isUniqueViolation } from "../../lib/db";
import type { ServiceInput, ServiceListQuery, ServiceUpdate } from "./services.schemas";

export const presentService = (s: ServiceRow) => ({
  id: s.id,
  workspace_id: s.workspaceId,
  name: s.name,
  description: s.description,
  default_duration_minutes: s.defaultDurationMinutes,
  is_active: s.isActive,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

const live = (workspaceId: string) =>
  and(eq(services.workspaceId, workspaceId), isNull(services.deletedAt));

const byId = (ctx: RequestContext, workspaceId: string, id: string) =>
  ctx.db.orm
    .select()
    .from(services)
    .where(and(live(workspaceId), eq(services.id, id)))
    .limit(1);

const sameName = (ctx: RequestContext, workspaceId: string, name: string, exceptId = "") =>
  ctx.db.orm
    .select({ id: services.id })
    .from(services)
    .where(
      and(live(workspaceId), eq(services.nameKey, catalogNameKey(name)), ne(services.id, exceptId)),
    )
    .limit(1);

const usedBy = (ctx: RequestContext, workspaceId: string, id: string) =>
  ctx.db.orm
    .select({ one: sql`1` })
    .from(appointments)
    .where(and(eq(appointments.workspaceId, workspaceId), eq(appointments.serviceId, id)));

/** Adds a service; 409 DUPLICATE_ENTRY when the name is taken in the workspace (any case). */
export async function createService(ctx: RequestContext, input: ServiceInput) {
  const audit = { action: "service.created", resourceType: "service" } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  const [dupes] = await ctx.db.read([sameName(ctx, caller.workspaceId, input.name)]);
  if (dupes.length > 0) throw duplicateName("service");
  const now = new Date().toISOString();
  const row: ServiceRow = {
    id: uuidv7(),
    workspaceId: caller.workspaceId,
    name: input.name,
    nameKey: catalogNameKey(input.name),
    description: input.description ?? null,
    defaultDurationMinutes: input.default_duration_minutes,
    isActive: input.is_active,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  try {
    await ctx.db.write([
      ctx.db.orm.insert(services).values(row),
      (await auditEntry(ctx, { ...audit, resourceId: row.id })).query,
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName("service");
    throw error;
  }
  return presentService(row);
}

/** A page of services, active ones by default; patients only ever see active ones. */
export async function listServices(ctx: RequestContext, query: ServiceListQuery) {
  const caller = await requirePermission(ctx, "services.read", {
    action: "service.listed",
    resourceType: "service",
  });
  const active = caller.role === "patient" || query.is_active === "true";
  const where = and(live(caller.workspaceId), eq(services.isActive, active));
  const [count, rows] = await ctx.db.read([
    ctx.db.orm
      .select({ n: sql<number>`count(*)` })
      .from(services)
      .where(where),
    ctx.db.orm
      .select()
      .from(services)
      .where(where)
      .orderBy(asc(services.nameKey))
      .limit(query.page_size)
      .offset(offsetOf(query)),
  ]);
  return { items: rows.map(presentService), total: count[0]?.n ?? 0 };
}

/** One service; 404 in another workspace, and for patients when it is inactive. */
export async function getService(ctx: RequestContext, id: string) {
  const caller = await requirePermission(ctx, "services.read", {
    action: "service.read",
    resourceType: "service",
    resourceId: id,
  });
  const [rows] = await ctx.db.read([byId(ctx, caller.workspaceId, id)]);
  const row = rows[0];
  if (!row || (caller.role === "patient" && !row.isActive)) throw new NotFoundError("Service");
  return presentService(row);
}

/** Partial update; a new name is checked for duplicates like on creation. */
export async function updateService(ctx: RequestContext, id: string, input: ServiceUpdate) {
  const audit = { action: "service.updated", resourceType: "service", resourceId: id } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  const [rows, dupes] = await ctx.db.read([
    byId(ctx, caller.workspaceId, id),
    sameName(ctx, caller.workspaceId, input.name ?? "", id),
  ]);
  const current = rows[0];
  if (!current) throw new NotFoundError("Service");
  if (input.name !== undefined && dupes.length > 0) throw duplicateName("service");
  const patch = {
    ...(input.name !== undefined && { name: input.name, nameKey: catalogNameKey(input.name) }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.default_duration_minutes !== undefined && {
      defaultDurationMinutes: input.default_duration_minutes,
    }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
    updatedAt: new Date().toISOString(),
  };
  try {
    await ctx.db.write([
      ctx.db.orm
        .update(services)
        .set(patch)
        .where(and(live(current.workspaceId), eq(services.id, id))),
      (await auditEntry(ctx, { ...audit, metadata: { fields: Object.keys(input) } })).query,
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName("service");
    throw error;
  }
  return presentService({ ...current, ...patch });
}

/** Soft delete when an appointment uses the service, hard delete otherwise. */
export async function deleteService(ctx: RequestContext, id: string) {
  const audit = { action: "service.deleted", resourceType: "service", resourceId: id } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  const [rows, uses] = await ctx.db.read([
    byId(ctx, caller.workspaceId, id),
    usedBy(ctx, caller.workspaceId, id).limit(1),
  ]);
  if (!rows[0]) throw new NotFoundError("Service");
  const now = new Date().toISOString();
  const mine = and(eq(services.id, id), eq(services.workspaceId, caller.workspaceId));
  await ctx.db.write([
    ctx.db.orm
      .update(services)
      .set({ isActive: false, deletedAt: now, updatedAt: now })
      .where(and(mine, exists(usedBy(ctx, caller.workspaceId, id)))),
    // Exactly one of the two applies; each has its own entry, kept only if it changed a row.
    (await auditIfChanged(ctx, { ...audit, metadata: { soft: true } })).query,
    ctx.db.orm.delete(services).where(and(mine, notExists(usedBy(ctx, caller.workspaceId, id)))),
    (await auditIfChanged(ctx, { ...audit, metadata: { soft: false } })).query,
  ]);
  return { soft: uses.length > 0 };
}
