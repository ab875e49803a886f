/**
 * The per-request context: request id, client address, the D1 wrapper, the PHI cipher. Handlers
 * and service verbs read it from `c.var.ctx`; the caller is filled in by auth.
 *
 * Cheap by construction, because every request pays for it: the D1 wrapper and the cipher are
 * made on first use (a route that touches no binding, like /ping, never builds them), and what
 * does not change between requests (the drizzle instance, the cipher's key ring) is made once per
 * isolate and shared.
 */
import type { Bindings } from "../env";
import { PhiCipher } from "../lib/crypto/phi";
import { RequestDb } from "../lib/db";
import { uuidv7 } from "../lib/ids";
import type { Role } from "../db/schema/users";

export type Caller = { userId: string; workspaceId: string; role: Role; sessionId: string };

export type RequestContext = {
  env: Bindings;
  db: RequestDb;
  phi: PhiCipher;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  caller: Caller | null;
  waitUntil: (promise: Promise<unknown>) => void;
  /**
   * Read replication (src/lib/d1-session.ts), on a request's context only: contexts built by hand
   * for jobs and rooms leave them out, and their queries go to the primary.
   */
  useD1Session?(start: string): void;
  d1Bookmark?(): string | null;
};

const ciphers = new WeakMap<object, PhiCipher>();

/** The cipher of these bindings, built once per isolate (it parses the key ring). */
export function phiCipherFor(env: Bindings): PhiCipher {
  let cipher = ciphers.get(env);
  if (!cipher) {
    cipher = new PhiCipher(env);
    ciphers.set(env, cipher);
  }
  return cipher;
}

/**
 * A context whose `db` and `phi` are built on first access. Plain data properties otherwise, so
 * tests and verbs may still assign `caller` (or even `db`) as before.
 */
class LazyContext implements RequestContext {
  caller: Caller | null = null;
  private dbValue: RequestDb | null = null;
  private phiValue: PhiCipher | null = null;
  /** Where this request's D1 session starts; null: no session, every query on the primary. */
  private sessionStart: string | null = null;
  private d1Session: D1DatabaseSession | null = null;

  constructor(
    readonly env: Bindings,
    readonly requestId: string,
    readonly ip: string | null,
    readonly userAgent: string | null,
    readonly waitUntil: (promise: Promise<unknown>) => void,
  ) {}

  get db(): RequestDb {
    if (this.dbValue) return this.dbValue;
    if (this.sessionStart) this.d1Session = this.env.DB.withSession(this.sessionStart);
    return (this.dbValue = new RequestDb(this.d1Session ?? this.env.DB));
  }
  set db(value: RequestDb) {
    this.dbValue = value;
  }

  /** Runs this request's queries in one D1 session starting at `start` (a bookmark or constraint). */
  useD1Session(start: string) {
    this.sessionStart = start;
  }

  /** The bookmark after this request's queries, if it opened a session and ran any. */
  d1Bookmark(): string | null {
    return this.d1Session?.getBookmark() ?? null;
  }

  get phi(): PhiCipher {
    return (this.phiValue ??= phiCipherFor(this.env));
  }
  set phi(value: PhiCipher) {
    this.phiValue = value;
  }
}

export function createRequestContext(
  env: Bindings,
  request: Request,
  waitUntil: (p: Promise<unknown>) => void,
  requestId = uuidv7(),
): LazyContext {
  const agent = request.headers.get("user-agent");
  return new LazyContext(
    env,
    requestId,
    request.headers.get("cf-connecting-ip") ?? null,
    agent ? agent.slice(0, 512) : null,
    waitUntil,
  );
}

/**
 * The context a Durable Object room (chat, live session) builds for a service verb it calls on
 * behalf of a socket's caller: the same lazy context as a request's, with the caller set and,
 * when `checkSession`, the caller's session re-checked in the verb's first D1 round trip.
 */
export function roomContext(
  env: Bindings,
  caller: Caller,
  meta: { requestId?: string; ip?: string | null; userAgent?: string | null },
  waitUntil: (p: Promise<unknown>) => void,
  sessionCheck: ((ctx: RequestContext, caller: Caller) => unknown) | null = null,
): RequestContext {
  const ctx = new LazyContext(
    env,
    meta.requestId ?? uuidv7(),
    meta.ip ?? null,
    meta.userAgent ?? null,
    waitUntil,
  );
  ctx.caller = caller;
  if (sessionCheck) ctx.db.requireSession(sessionCheck(ctx, caller) as never);
  return ctx;
}
