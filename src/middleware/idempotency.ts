/**
 * `Idempotency-Key` for POST requests, so retries from flaky mobile networks never duplicate
 * anything: the first request with a key runs and its answer is stored; a retry with the same key
 * and the same request gets that answer again (`Idempotent-Replayed: true`); the same key with a
 * different request is a 422; a retry while the first is still running is a 409.
 * Keys are per user (from the bearer token) and kept 24 hours. Only successful answers are
 * stored (as Stripe does): a refused or failed request did nothing, so the client may correct it
 * and retry with the same key. The stored body is encrypted: it may hold patient data.
 */
import { and, eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { idempotencyKeys } from "../db/schema/idempotency";
import type { AppEnv } from "../env";
import { toHex, utf8 } from "../lib/encoding";
import { ConflictError, ValidationError } from "../lib/errors";
import { uuidv7 } from "../lib/ids";
import { recordAudit } from "../lib/audit";
import { bearerToken, callerFromAccessToken, requireLiveSession } from "./auth";

const KEY = /^[A-Za-z0-9._:-]{8,128}$/;
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export const idempotency = () =>
  createMiddleware<AppEnv>(async function idempotency(c, next) {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!KEY.test(key)) {
      throw new ValidationError([
        { field: "Idempotency-Key", message: "8-128 characters of letters, digits, . _ : -" },
      ]);
    }
    const token = bearerToken(c.req.header("authorization"));
    const caller = token ? await callerFromAccessToken(c.env.JWT_SECRET, token) : null;
    if (!caller) return next(); // The route itself answers 401.

    const ctx = c.var.ctx;
    const db = ctx.db.orm;
    // Over the body's bytes, not its text: a binary body (pose chunks) must not lose bytes to
    // UTF-8 decoding, or two different bodies could share a fingerprint. For a text body the
    // bytes are its UTF-8, so fingerprints stored before this change still match.
    const head = utf8(`${c.req.method} ${new URL(c.req.url).pathname}\n`);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const hashed = new Uint8Array(head.length + body.length);
    hashed.set(head);
    hashed.set(body, head.length);
    const requestHash = toHex(await crypto.subtle.digest("SHA-256", hashed));
    const id = uuidv7();
    const ref = { table: "idempotency_keys", column: "response", rowId: id };
    const claimed = await db
      .insert(idempotencyKeys)
      .values({ id, userId: caller.userId, key, requestHash, createdAt: new Date().toISOString() })
      .onConflictDoNothing()
      .run();

    if (claimed.meta.changes === 0) {
      const [existing] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.userId, caller.userId), eq(idempotencyKeys.key, key)))
        .limit(1);
      if (!existing) throw new ConflictError("Idempotency-Key is being reused; retry");
      if (existing.requestHash !== requestHash) {
        throw new ValidationError([
          { field: "Idempotency-Key", message: "Already used for a different request" },
        ]);
      }
      if (existing.status === null || existing.responseEnc === null) {
        throw new ConflictError("A request with this Idempotency-Key is still in progress");
      }
      // A replay hands back stored data: the session must still be live, and the read is audited.
      ctx.caller = caller;
      requireLiveSession(ctx, caller);
      await recordAudit(ctx, {
        action: "idempotency.read",
        resourceType: "idempotent_replay",
        resourceId: existing.id,
        metadata: { path: new URL(c.req.url).pathname, status: existing.status },
      });
      const body = await ctx.phi.decrypt(existing.responseEnc, { ...ref, rowId: existing.id });
      return c.body(body, existing.status as 200, {
        "content-type": "application/json",
        "idempotent-replayed": "true",
      });
    }

    try {
      await next();
    } catch (error) {
      await db.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id));
      throw error;
    }
    if (c.res.status >= 300) {
      await db.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id));
      return;
    }
    const text = await c.res.clone().text();
    await db
      .update(idempotencyKeys)
      .set({
        status: c.res.status,
        responseEnc: await ctx.phi.encrypt(text, ref),
        completedAt: new Date().toISOString(),
      })
      .where(eq(idempotencyKeys.id, id));
  });
