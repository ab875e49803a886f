/** `@rehab-edge/client`: the typed API client, its errors, the Idempotency-Key helper, the sockets. */
export { createClient } from "./client";
export type { ClientOptions, RehabClient, Schemas, TokenPair, Tokens, Unwrapped } from "./client";
export { ApiError, ERROR_CODES } from "./errors";
export type { ApiErrorCode, FieldIssue } from "./errors";
export { idempotencyKey, idempotent } from "./idempotency";
export { roomSocket, userStream } from "./sockets";
export type { RoomSocketOptions, UserEvent, UserStream, UserStreamOptions } from "./sockets";
export type { components, paths } from "./schema";
