/**
 * The closed set of error codes of the API (DESIGN.md, "API conventions").
 * Service verbs throw these; one `onError` shapes every one of them into the error envelope.
 * Messages are written for the client and must never contain patient data.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 422,
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  /** The login session ended by its idle or absolute limit (src/lib/session-limits.ts). */
  SESSION_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  DUPLICATE_ENTRY: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  EXTERNAL_SERVICE_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type FieldIssue = { field: string; message: string };

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export class ValidationError extends AppError {
  constructor(details: FieldIssue[], message = "Invalid input data provided") {
    super("VALIDATION_ERROR", message, details);
  }
}

export class BadRequestError extends AppError {
  constructor(message = "Malformed request", details?: unknown) {
    super("INVALID_REQUEST", message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "Authentication required", details?: unknown) {
    super("UNAUTHORIZED", message, details, { "WWW-Authenticate": "Bearer" });
  }
}

/** The session timed out (idle or absolute lifetime): the client signs in again. */
export class SessionExpiredError extends AppError {
  constructor() {
    super("SESSION_EXPIRED", "Session has expired; sign in again", undefined, {
      "WWW-Authenticate": 'Bearer error="invalid_token"',
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You do not have permission to do this") {
    super("FORBIDDEN", message);
  }
}

export class NotFoundError extends AppError {
  constructor(resource = "Resource") {
    super("NOT_FOUND", `${resource} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(
    message: string,
    details?: unknown,
    code: "CONFLICT" | "DUPLICATE_ENTRY" = "CONFLICT",
  ) {
    super(code, message, details);
  }
}

/** Which limit refused a request: its name, allowance and window (for the body and headers). */
export type RefusingLimit = { name: string; limit: number; windowMs: number };

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, refusing?: RefusingLimit) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      "RATE_LIMITED",
      refusing
        ? `Rate limit ${refusing.name} reached; try again later`
        : "Too many requests; try again later",
      {
        retry_after_seconds: seconds,
        ...(refusing && {
          limit: refusing.name,
          limit_per_window: refusing.limit,
          window_seconds: Math.round(refusing.windowMs / 1000),
        }),
      },
      {
        "Retry-After": String(seconds),
        // draft-ietf-httpapi-ratelimit-headers: the policy that refused, by name.
        ...(refusing && {
          "RateLimit-Policy": `"${refusing.name}";q=${refusing.limit};w=${Math.round(refusing.windowMs / 1000)}`,
        }),
      },
    );
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super("PAYLOAD_TOO_LARGE", `Request body exceeds ${limitBytes} bytes`, {
      limit_bytes: limitBytes,
    });
  }
}

export class ExternalServiceError extends AppError {
  constructor(service: string) {
    super("EXTERNAL_SERVICE_ERROR", `${service} is unavailable`);
  }
}
