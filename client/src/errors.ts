/**
 * The API's refusals as one typed error. The codes are the API's closed set (src/lib/errors.ts);
 * test/client/client.test.ts fails if the two lists differ.
 */
export const ERROR_CODES = [
  "VALIDATION_ERROR",
  "INVALID_REQUEST",
  "UNAUTHORIZED",
  "SESSION_EXPIRED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "DUPLICATE_ENTRY",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "EXTERNAL_SERVICE_ERROR",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_SERVER_ERROR",
] as const;

/** An API error code, or `NETWORK_ERROR` when no answer arrived at all. */
export type ApiErrorCode = (typeof ERROR_CODES)[number] | "NETWORK_ERROR";

/** One field a VALIDATION_ERROR names (`Idempotency-Key` and query names included). */
export type FieldIssue = { field: string; message: string };

/** An answer that was not a success: status, the envelope's code and message, and its fields. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: unknown,
    readonly requestId: string | null = null,
  ) {
    super(message);
  }

  /** The fields a VALIDATION_ERROR named (empty for other errors). */
  get fields(): FieldIssue[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is FieldIssue =>
        typeof d === "object" &&
        d !== null &&
        typeof d.field === "string" &&
        typeof d.message === "string",
    );
  }

  /** Builds the error from a response and its parsed body (the envelope, or anything else). */
  static from(response: Response, body: unknown): ApiError {
    const envelope = body as {
      error?: { code?: string; message?: string; details?: unknown };
      meta?: { request_id?: string };
    } | null;
    const code = (ERROR_CODES as readonly string[]).includes(envelope?.error?.code ?? "")
      ? (envelope!.error!.code as ApiErrorCode)
      : statusCode(response.status);
    return new ApiError(
      response.status,
      code,
      envelope?.error?.message ?? (response.statusText || `HTTP ${response.status}`),
      envelope?.error?.details,
      envelope?.meta?.request_id ?? response.headers.get("x-request-id"),
    );
  }
}

/** A code for an answer without the envelope (a proxy's 502, an HTML error page). */
function statusCode(status: number): ApiErrorCode {
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "FORBIDDEN";
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 422) return "VALIDATION_ERROR";
  if (status === 429) return "RATE_LIMITED";
  if (status === 502) return "EXTERNAL_SERVICE_ERROR";
  if (status === 503) return "SERVICE_UNAVAILABLE";
  if (status >= 500) return "INTERNAL_SERVER_ERROR";
  return "INVALID_REQUEST";
}
