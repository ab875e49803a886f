/**
 * The service catalog. Staff read it, patients read its active entries, admins change it
 * (`catalog.manage`). A service some appointment uses is soft-deleted (inactive, `deleted_at`);
 * one never used is removed. The choice is made inside the write batch, so an appointment booked
 * meanwhile cannot lose its service.
 */
import { and, eq } from "drizzle-orm";
import { services, type ServiceRow } from "../../db/schema/scheduling";
import { catalogNameKey, duplicateName } from "../../lib/catalog";
import { catalogStore } from "../../lib/catalog-store";
import { NotFoundError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
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

const store = catalogStore("service");

const byId = (ctx: RequestContext, workspaceId: string, id: string) =>
  ctx.db.orm
    .select()
    .from(services)
    .where(and(store.live(workspaceId), eq(services.id, id)))
    .limit(1);

/** Adds a service; 409 DUPLICATE_ENTRY when the name is taken in the workspace (any case). */
export async function createService(ctx: RequestContext, input: ServiceInput) {
  const audit = { action: "service.created", resourceType: "service" } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  const [dupes] = await ctx.db.read([store.sameName(ctx, caller.workspaceId, input.name)]);
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
  await store.insert(ctx, row, { ...audit, resourceId: row.id });
  return presentService(row);
}

/** A page of services, active ones by default; patients only ever see active ones. */
export async function listServices(ctx: RequestContext, query: ServiceListQuery) {
  const caller = await requirePermission(ctx, "services.read", {
    action: "service.listed",
    resourceType: "service",
  });
  const active = caller.role === "patient" || query.is_active === "true";
  const where = and(store.live(caller.workspaceId), eq(services.isActive, active));
  const { rows, total } = await store.page(ctx, where, query);
  return { items: rows.map(presentService), total };
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
    store.sameName(ctx, caller.workspaceId, input.name ?? "", id),
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
  await store.update(ctx, current, patch, { ...audit, metadata: { fields: Object.keys(input) } });
  return presentService({ ...current, ...patch });
}

/** Soft delete when an appointment uses the service, hard delete otherwise. */
export async function deleteService(ctx: RequestContext, id: string) {
  const audit = { action: "service.deleted", resourceType: "service", resourceId: id } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  return store.remove(ctx, caller.workspaceId, id, audit, () => new NotFoundError("Service"));
}
