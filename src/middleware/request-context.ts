/**
 * Builds the per-request context once: request id, client address, the D1 wrapper, the PHI
 * cipher. Handlers and service verbs read it from `c.var.ctx`; the caller is filled in by auth.
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

export function phiCipherFor(env: Bindings): PhiCipher {
  let cipher = ciphers.get(env);
  if (!cipher) {
    cipher = new PhiCipher(env);
    ciphers.set(env, cipher);
  }
  return cipher;
}

export function createRequestContext(
  env: Bindings,
  request: Request,
  waitUntil: (p: Promise<unknown>) => void,
  requestId = uuidv7(),
): RequestContext {
  const agent = request.headers.get("user-agent");
  return {
    env,
    db: new RequestDb(env.DB),
    phi: phiCipherFor(env),
    requestId,
    ip: request.headers.get("cf-connecting-ip") ?? null,
    userAgent: agent ? agent.slice(0, 512) : null,
    caller: null,
    waitUntil,
  };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

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
      waitUntil = (p) => void p.catch(() => undefined);
    }
    c.set("ctx", createRequestContext(c.env, c.req.raw, waitUntil, requestId));
    await next();
    c.header("X-Request-Id", requestId);
  });
