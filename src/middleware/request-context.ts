/**
 * The per-request context: request id, client address, the D1 wrapper, the PHI cipher. Handlers
 * and service verbs read it from `c.var.ctx`; the caller is filled in by auth.
 *
 * Cheap by construction, because every request pays for it: the D1 wrapper and the cipher are
 * made on first use (a route that touches no binding, like /ping, never builds them), and what
 * does not change between requests (the drizzle instance, the cipher's key ring) is made once per
 * isolate and shared.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv, Bindings } from "../env";
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

  constructor(
    readonly env: Bindings,
    readonly requestId: string,
    readonly ip: string | null,
    readonly userAgent: string | null,
    readonly waitUntil: (promise: Promise<unknown>) => void,
  ) {}

  get db(): RequestDb {
    return (this.dbValue ??= new RequestDb(this.env.DB));
  }
  set db(value: RequestDb) {
    this.dbValue = value;
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
): RequestContext {
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

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

const dropRejection = (p: Promise<unknown>) => void p.catch(() => undefined);

/** Request id, context and the X-Request-Id response header. */
export const requestContext = () =>
  createMiddleware<AppEnv>(async function requestContext(c, next) {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    c.set("requestId", requestId);
    let waitUntil: (p: Promise<unknown>) => void;
    try {
      const execution = c.executionCtx;
      waitUntil = (p) => execution.waitUntil(p);
    } catch {
      waitUntil = dropRejection;
    }
    c.set("ctx", createRequestContext(c.env, c.req.raw, waitUntil, requestId));
    await next();
    c.header("X-Request-Id", requestId);
  });
