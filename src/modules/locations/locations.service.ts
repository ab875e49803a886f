/**
 * The location catalog. Staff read it, admins change it (`catalog.manage`). Addresses and details
 * may be a patient's home, so they are stored encrypted. A location some appointment uses is
 * soft-deleted; one never used is removed (decided inside the write batch).
 */
import { and, eq } from "drizzle-orm";
import { locations, type LocationRow } from "../../db/schema/scheduling";
import { catalogNameKey, duplicateName } from "../../lib/catalog";
import { catalogStore } from "../../lib/catalog-store";
import type { PhiCipher } from "../../lib/crypto/phi";
import { NotFoundError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import {
  ADDRESS_REQUIRED,
  needsAddress,
  type LocationInput,
  type LocationListQuery,
  type LocationUpdate,
} from "./locations.schemas";

const ref = (id: string, column: string) => ({ table: "locations", column, rowId: id });

export async function presentLocation(phi: PhiCipher, l: LocationRow) {
  return {
    id: l.id,
    workspace_id: l.workspaceId,
    name: l.name,
    location_type: l.locationType,
    address: await phi.decryptOptional(l.addressEnc, ref(l.id, "address")),
    details: await phi.decryptOptional(l.detailsEnc, ref(l.id, "details")),
    is_active: l.isActive,
    created_at: l.createdAt,
    updated_at: l.updatedAt,
  };
}

const store = catalogStore("location");

const byId = (ctx: RequestContext, workspaceId: string, id: string) =>
  ctx.db.orm
    .select()
    .from(locations)
    .where(and(store.live(workspaceId), eq(locations.id, id)))
    .limit(1);

const encrypt = (phi: PhiCipher, id: string, column: string, value: string | null | undefined) =>
  value === undefined ? undefined : phi.encryptOptional(value, ref(id, column));

/** Adds a location; 409 on a taken name, 422 naming `address` when a clinic or home has none. */
export async function createLocation(ctx: RequestContext, input: LocationInput) {
  const audit = { action: "location.created", resourceType: "location" } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  const [dupes] = await ctx.db.read([store.sameName(ctx, caller.workspaceId, input.name)]);
  if (dupes.length > 0) throw duplicateName("location");
  const id = uuidv7();
  const now = new Date().toISOString();
  const row: LocationRow = {
    id,
    workspaceId: caller.workspaceId,
    name: input.name,
    nameKey: catalogNameKey(input.name),
    locationType: input.location_type,
    addressEnc: (await encrypt(ctx.phi, id, "address", input.address)) ?? null,
    detailsEnc: (await encrypt(ctx.phi, id, "details", input.details)) ?? null,
    isActive: input.is_active,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await store.insert(ctx, row, { ...audit, resourceId: id });
  return presentLocation(ctx.phi, row);
}

/** A page of locations (staff), active ones by default, optionally of one type. */
export async function listLocations(ctx: RequestContext, query: LocationListQuery) {
  const caller = await requirePermission(ctx, "locations.read", {
    action: "location.listed",
    resourceType: "location",
  });
  const where = and(
    store.live(caller.workspaceId),
    eq(locations.isActive, query.is_active === "true"),
    query.location_type ? eq(locations.locationType, query.location_type) : undefined,
  );
  const { rows, total } = await store.page(ctx, where, query);
  const items = await Promise.all(rows.map((r) => presentLocation(ctx.phi, r)));
  return { items, total };
}

/** One location (staff); 404 in another workspace. */
export async function getLocation(ctx: RequestContext, id: string) {
  const caller = await requirePermission(ctx, "locations.read", {
    action: "location.read",
    resourceType: "location",
    resourceId: id,
  });
  const [rows] = await ctx.db.read([byId(ctx, caller.workspaceId, id)]);
  if (!rows[0]) throw new NotFoundError("Location");
  return presentLocation(ctx.phi, rows[0]);
}

/** Partial update; the address rule is checked on the result (type and address together). */
export async function updateLocation(ctx: RequestContext, id: string, input: LocationUpdate) {
  const audit = { action: "location.updated", resourceType: "location", resourceId: id } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  const [rows, dupes] = await ctx.db.read([
    byId(ctx, caller.workspaceId, id),
    store.sameName(ctx, caller.workspaceId, input.name ?? "", id),
  ]);
  const current = rows[0];
  if (!current) throw new NotFoundError("Location");
  if (input.name !== undefined && dupes.length > 0) throw duplicateName("location");
  const type = input.location_type ?? current.locationType;
  const hasAddress = input.address !== undefined ? !!input.address : !!current.addressEnc;
  if (needsAddress(type) && !hasAddress) {
    throw new ValidationError([{ field: "address", message: ADDRESS_REQUIRED }]);
  }
  const patch = {
    ...(input.name !== undefined && { name: input.name, nameKey: catalogNameKey(input.name) }),
    ...(input.location_type !== undefined && { locationType: input.location_type }),
    ...(input.address !== undefined && {
      addressEnc: (await encrypt(ctx.phi, id, "address", input.address)) ?? null,
    }),
    ...(input.details !== undefined && {
      detailsEnc: (await encrypt(ctx.phi, id, "details", input.details)) ?? null,
    }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
    updatedAt: new Date().toISOString(),
  };
  await store.update(ctx, current, patch, { ...audit, metadata: { fields: Object.keys(input) } });
  return presentLocation(ctx.phi, { ...current, ...patch });
}

/** Soft delete when an appointment uses the location, hard delete otherwise. */
export async function deleteLocation(ctx: RequestContext, id: string) {
  const audit = { action: "location.deleted", resourceType: "location", resourceId: id } as const;
  const caller = await requirePermission(ctx, "catalog.manage", audit);
  return store.remove(ctx, caller.workspaceId, id, audit, () => new NotFoundError("Location"));
}
