/**
 * D1 access for one request. D1 has no interactive transactions, so a service verb does its reads
 * first and then writes its change and its audit entry together in one `write([...])` batch,
 * which D1 runs atomically.
 *
 * Invariant: the caller's session is re-checked inside the first round trip of the request
 * (prepended to the first `read` batch, or run alone before the first `write`), so a logged-out
 * session stops working at once without costing a round trip of its own.
 */
import { sql, type Column, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { UnauthorizedError } from "./errors";

export type Database = DrizzleD1Database<Record<string, never>>;
type Batch = readonly [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];
type Results<T extends Batch> = {
  [K in keyof T]: T[K] extends D1Rows<infer Row> ? Row[] : Awaited<T[K]>;
};

/**
 * A select in a batch whose rows are returned as D1 gives them: one object per row, keyed by the
 * selected names. drizzle would turn each of D1's objects into an array and then into another
 * object keyed by the field names; a view presenting many rows (the calendar week: 96) selects its
 * columns `named` under the response's keys instead, and D1's object becomes the response item.
 *
 * Built by `RequestDb.rows`. It speaks drizzle's D1 batch protocol (`_prepare()` answering the
 * query, its prepared `stmt` and `mapResult`), the same one drizzle's own queries speak there;
 * test/scheduling/lean-reads.test.ts pins what the lists built on it answer.
 */
export class D1Rows<Row> {
  declare readonly _: { readonly dialect: "sqlite"; readonly result: Row[] };
  constructor(
    readonly stmt: D1PreparedStatement,
    private readonly query: { sql: string; params: unknown[] },
  ) {}
  _prepare() {
    return this;
  }
  getQuery() {
    return this.query;
  }
  mapResult(result: D1Result<Row>): Row[] {
    return result.results;
  }
}

/** The value type a field gives: a column's data type (nullable unless not null), an SQL's own. */
type FieldValue<F> =
  F extends Column<infer C>
    ? C["notNull"] extends true
      ? C["data"]
      : C["data"] | null
    : F extends SQL<infer T>
      ? T
      : never;

/**
 * Select fields under explicit names (`column AS "key"`), so D1's row objects carry exactly
 * these keys in this order. Build it once per isolate (a module constant): the fields are static.
 */
export function named<T extends Record<string, Column | SQL>>(
  fields: T,
): { [K in keyof T]: SQL.Aliased<FieldValue<T[K]>> } {
  const out: Record<string, SQL.Aliased> = {};
  for (const [key, field] of Object.entries(fields)) out[key] = sql`${field}`.as(key);
  return out as { [K in keyof T]: SQL.Aliased<FieldValue<T[K]>> };
}

/**
 * One drizzle instance per D1 binding and isolate: it holds no per-request state (no logger, no
 * transaction), and building it (dialect, session, schema maps) on every request cost time.
 */
const orms = new WeakMap<D1Database, Database>();

export function ormFor(d1: D1Database): Database {
  let orm = orms.get(d1);
  if (!orm) {
    orm = drizzle(d1);
    orms.set(d1, orm);
  }
  return orm;
}

/**
 * A D1 session (read replication, src/lib/d1-session.ts) lives for one request, so its drizzle
 * instance does too; drizzle only needs `prepare` and `batch`, which a session has.
 */
function ormForSession(session: D1DatabaseSession): Database {
  return drizzle(session as unknown as D1Database);
}

/** Judges the session check's rows: throws if the session is not live (may read to say why). */
export type SessionVerdict = (rows: unknown) => void | Promise<void>;

export class RequestDb {
  readonly orm: Database;
  private sessionCheck: BatchItem<"sqlite"> | null = null;
  private verdict: SessionVerdict = assertSession;

  constructor(private readonly d1: D1Database | D1DatabaseSession) {
    this.orm = "withSession" in d1 ? ormFor(d1) : ormForSession(d1);
  }

  /**
   * `query` (built on `this.orm`) as a batch item for `read`, whose rows are D1's own objects
   * (see `D1Rows`); `Row` states their shape, so select the fields `named` under its keys.
   */
  rows<Row>(query: { toSQL(): { sql: string; params: unknown[] } }): D1Rows<Row> {
    const built = query.toSQL();
    return new D1Rows<Row>(this.d1.prepare(built.sql), built);
  }

  /**
   * Registers the query that must return a live session row; it runs with the next batch, and
   * `verdict` (default: at least one row) judges its rows.
   */
  requireSession(check: BatchItem<"sqlite">, verdict: SessionVerdict = assertSession) {
    this.sessionCheck = check;
    this.verdict = verdict;
  }

  async read<T extends Batch>(queries: T): Promise<Results<T>> {
    const verdict = this.verdict;
    const check = this.takeSessionCheck();
    if (!check) return (await this.orm.batch(queries as never)) as Results<T>;
    const [session, ...rest] = (await this.orm.batch([check, ...queries] as never)) as unknown[];
    await verdict(session);
    return rest as Results<T>;
  }

  async write<T extends Batch>(queries: T): Promise<Results<T>> {
    await this.ensureSession();
    return (await this.orm.batch(queries as never)) as Results<T>;
  }

  /** Runs the pending session check on its own, for requests that touch no table. */
  async ensureSession() {
    const verdict = this.verdict;
    const check = this.takeSessionCheck();
    if (check) await verdict(await check);
  }

  /**
   * Hands the pending session check to a caller that runs it in a batch of its own making (the
   * chat room's group commit); the caller must then refuse the request if it returns no row.
   */
  /** The pending session check, left pending (a fast path that may fall back to the full one). */
  peekSessionCheck() {
    return this.sessionCheck;
  }

  takeSessionCheck() {
    const check = this.sessionCheck;
    this.sessionCheck = null;
    this.verdict = assertSession;
    return check;
  }
}

export function assertSession(rows: unknown) {
  if (!Array.isArray(rows) || rows.length === 0) throw new UnauthorizedError("Session has ended");
}

/**
 * Whether `error` (or one of its causes; D1 wraps SQLite's) is a UNIQUE violation, optionally of
 * a given `table.column` or index. Verbs turn it into a 409 instead of a 500.
 */
export function isUniqueViolation(error: unknown, target = ""): boolean {
  let e = error as { message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as typeof e) {
    const message = String(e.message ?? "");
    if (message.includes("UNIQUE") && message.includes(target)) return true;
  }
  return false;
}
