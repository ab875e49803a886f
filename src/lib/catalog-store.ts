/**
 * The storage rules the service and location catalogs share (they were two copies): rows live in
 * a workspace until deleted; names are unique per workspace by their key (any case); an entry
 * some appointment uses is soft-deleted (inactive, `deleted_at`) and one never used is removed,
 * chosen inside the write batch so an appointment booked meanwhile cannot lose its entry. Each
 * write carries its audit entry in the same batch. What differs (columns, encryption, who may
 * read) stays in each module's service.
 */
import { and, asc, eq, exists, isNull, ne, notExists, sql, type SQL } from "drizzle-orm";
import { appointments, locations, services } from "../db/schema/scheduling";
import type { RequestContext } from "../middleware/request-context";
import { auditEntry, type AuditInput } from "./audit";
import { catalogNameKey, duplicateName } from "./catalog";
import { isUniqueViolation } from "./db";
import { auditIfChanged } from "./guarded-write";
import { offsetOf } from "./pagination";

type Kind = "service" | "location";

/** The columns a catalog table has in common (both tables spell them alike). */
type CatalogTable = typeof services | typeof locations;

/** Each catalog's table and the appointment column that refers to its entries. */
const TABLES = {
  service: { table: services, usedColumn: appointments.serviceId },
  location: { table: locations, usedColumn: appointments.locationId },
} satisfies Record<Kind, { table: CatalogTable; usedColumn: unknown }>;

type RowOf<K extends Kind> = (typeof TABLES)[K]["table"]["$inferSelect"];

export function catalogStore<K extends Kind>(kind: K) {
  // One table at a time: typed as the services table, whose columns the locations table shares.
  const table = TABLES[kind].table as typeof services;
  const usedColumn = TABLES[kind].usedColumn;
  const live = (workspaceId: string) =>
    and(eq(table.workspaceId, workspaceId), isNull(table.deletedAt));
  const usedBy = (ctx: RequestContext, workspaceId: string, id: string) =>
    ctx.db.orm
      .select({ one: sql`1` })
      .from(appointments)
      .where(and(eq(appointments.workspaceId, workspaceId), eq(usedColumn, id)));
  const noDuplicate = (error: unknown) => {
    if (isUniqueViolation(error)) throw duplicateName(kind);
    throw error;
  };

  return {
    live,

    /** Another live entry with this name's key (a query for a read batch). */
    sameName: (ctx: RequestContext, workspaceId: string, name: string, exceptId = "") =>
      ctx.db.orm
        .select({ id: table.id })
        .from(table)
        .where(
          and(live(workspaceId), eq(table.nameKey, catalogNameKey(name)), ne(table.id, exceptId)),
        )
        .limit(1),

    /** One page of live entries matching `where`, by name, with the total. */
    async page(
      ctx: RequestContext,
      where: SQL | undefined,
      query: { page: number; page_size: number },
    ) {
      const [count, rows] = await ctx.db.read([
        ctx.db.orm
          .select({ n: sql<number>`count(*)` })
          .from(table)
          .where(where),
        ctx.db.orm
          .select()
          .from(table)
          .where(where)
          .orderBy(asc(table.nameKey))
          .limit(query.page_size)
          .offset(offsetOf(query)),
      ]);
      return { rows: rows as unknown as RowOf<K>[], total: count[0]?.n ?? 0 };
    },

    /** Inserts a new entry with its audit entry; a name taken meanwhile is the 409 of creation. */
    async insert(ctx: RequestContext, row: RowOf<K>, audit: AuditInput) {
      await ctx.db
        .write([
          ctx.db.orm.insert(table).values(row as never),
          (await auditEntry(ctx, audit)).query,
        ])
        .catch(noDuplicate);
    },

    /** Applies a patch to a live entry, audited if it applied (the fields named, never values). */
    async update(
      ctx: RequestContext,
      current: RowOf<K>,
      patch: Partial<RowOf<K>>,
      audit: AuditInput,
    ) {
      await ctx.db
        .write([
          ctx.db.orm
            .update(table)
            .set(patch as never)
            .where(and(live(current.workspaceId), eq(table.id, current.id))),
          // Kept only if the update changed the row (an entry deleted meanwhile: no entry).
          (await auditIfChanged(ctx, audit)).query,
        ])
        .catch(noDuplicate);
    },

    /**
     * Soft delete when an appointment uses the entry, hard delete otherwise, decided in the
     * batch; `soft` reports what the read before it saw. `notFound` when there is no live entry.
     */
    async remove(
      ctx: RequestContext,
      workspaceId: string,
      id: string,
      audit: AuditInput,
      notFound: () => Error,
    ) {
      const [rows, uses] = await ctx.db.read([
        ctx.db.orm
          .select({ id: table.id })
          .from(table)
          .where(and(live(workspaceId), eq(table.id, id)))
          .limit(1),
        usedBy(ctx, workspaceId, id).limit(1),
      ]);
      if (!rows[0]) throw notFound();
      const now = new Date().toISOString();
      const mine = and(eq(table.id, id), eq(table.workspaceId, workspaceId));
      await ctx.db.write([
        ctx.db.orm
          .update(table)
          .set({ isActive: false, deletedAt: now, updatedAt: now })
          .where(and(mine, exists(usedBy(ctx, workspaceId, id)))),
        // Exactly one of the two applies; each has its own entry, kept only if it changed a row.
        (await auditIfChanged(ctx, { ...audit, metadata: { soft: true } })).query,
        ctx.db.orm.delete(table).where(and(mine, notExists(usedBy(ctx, workspaceId, id)))),
        (await auditIfChanged(ctx, { ...audit, metadata: { soft: false } })).query,
      ]);
      return { soft: uses.length > 0 };
    },
  };
}
