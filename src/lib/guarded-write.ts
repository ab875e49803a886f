/**
 * A write guarded by a condition (an `updated_at` check, a status check, a lifecycle stamp) and
 * the rows that describe it, in one D1 batch: the audit entry (and any row that only makes sense
 * if the change happened: a version, an addendum, a suggestion) is written only if the guarded
 * statement changed a row. A lost race leaves no "success" entry and no orphan row.
 *
 * Invariants:
 * - the guarded statement comes first; each follower is `insert … select <values> where
 *   changes() > 0`, built from the table's own columns (no text surgery on generated SQL);
 * - SQLite's `changes()` is the row count of the statement just before, and every follower
 *   inserts exactly one row or none, so the chain holds: the followers are all written or none;
 * - whether the change happened is read from the guarded statement's own result.
 * D1 runs a batch as one transaction on one connection, so no other statement comes between.
 */
import { getTableColumns, is, sql, SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { auditLog } from "../db/schema/audit";
import { auditRow, type AuditInput } from "./audit";
import type { Database } from "./db";
import type { RequestContext } from "../middleware/request-context";

type Insertable = { shouldDisableInsert(): boolean };

/**
 * `insert into <table> (<columns>) select <row's values> where changes() > 0 [and <also>]`:
 * the row is inserted only if the statement just before it in the batch changed a row.
 */
export function insertIfChanged<T extends SQLiteTable>(
  db: Database,
  table: T,
  row: T["$inferInsert"],
  also?: SQL,
) {
  const values = Object.entries(getTableColumns(table))
    // The same columns drizzle lists in the insert (generated ones left out), in table order.
    .filter(([, column]) => !(column as unknown as Insertable).shouldDisableInsert())
    .map(([key, column]) => {
      let value = (row as Record<string, unknown>)[key];
      if (value === undefined) value = column.defaultFn ? column.defaultFn() : column.default;
      if (value === undefined) return sql`null`;
      return is(value, SQL) ? value : sql.param(value, column);
    });
  const condition = also ? sql`changes() > 0 and ${also}` : sql`changes() > 0`;
  return db.insert(table).select(sql`select ${sql.join(values, sql`, `)} where ${condition}`);
}

/** The audit entry of the current request, inserted only if the statement before it changed. */
export async function auditIfChanged(ctx: RequestContext, input: AuditInput, also?: SQL) {
  return { query: insertIfChanged(ctx.db.orm, auditLog, await auditRow(ctx, input), also) };
}

/** Rows a result reports changed: `.returning()` gives the rows, a plain run gives `meta`. */
export function changedRows(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  return (result as { meta?: { changes?: number } } | undefined)?.meta?.changes ?? 0;
}

type Follower = { [K in string]: { table: SQLiteTable; row: Record<string, unknown> } }[string];

export type GuardedWrite<C extends BatchItem<"sqlite">> = {
  /** The guarded statement (UPDATE/DELETE/INSERT … WHERE <condition>), `.returning()` or not. */
  change: C;
  /** Its success entry: written only if `change` changed a row. */
  audit: AuditInput;
  /** Rows that exist only because of the change (versions, addenda…), written only with it. */
  rows?: Follower[];
  /**
   * Statements after those (deletes of a purged row's children…) that carry their own guard
   * (their WHERE holds only if the change happened, e.g. `not exists` the deleted row) or are
   * right whether or not it happened.
   */
  then?: BatchItem<"sqlite">[];
};

/** A follower row of `table` for `guardedWrite`'s `rows` (typed by the table). */
export const follow = <T extends SQLiteTable>(table: T, row: T["$inferInsert"]): Follower => ({
  table,
  row: row as Record<string, unknown>,
});

/**
 * Runs a guarded write and its audit entry (and follower rows) in one batch. `changed` says
 * whether the guard held; when false nothing at all was written, and the caller answers 409 (or
 * whatever the lost race means for it). `result` is the guarded statement's own result.
 */
export async function guardedWrite<C extends BatchItem<"sqlite">>(
  ctx: RequestContext,
  write: GuardedWrite<C>,
): Promise<{ changed: boolean; result: Awaited<C> }> {
  const audit = await auditIfChanged(ctx, write.audit);
  const followers = (write.rows ?? []).map((f) => insertIfChanged(ctx.db.orm, f.table, f.row));
  const batch = [write.change, audit.query, ...followers, ...(write.then ?? [])] as const;
  const [result] = (await ctx.db.write(batch)) as unknown as [Awaited<C>, ...unknown[]];
  return { changed: changedRows(result) > 0, result };
}
