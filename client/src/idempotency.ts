/**
 * `Idempotency-Key` (src/middleware/idempotency.ts): a POST that carries one runs once per user;
 * a retry with the same key and the same body gets the first answer again (header
 * `Idempotent-Replayed: true`). Make ONE key per intended action, keep it across retries of that
 * action, and make a new one for the next action.
 */

/** A fresh key (a UUID: 36 characters of the allowed `[A-Za-z0-9._:-]{8,128}`). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * Options for a call that a retry must not repeat:
 * `api.POST("/api/v1/sessions", { body, ...idempotent(key) })`.
 */
export function idempotent(key: string = idempotencyKey()): {
  headers: { "Idempotency-Key": string };
} {
  return { headers: { "Idempotency-Key": key } };
}
