/**
 * The API client: JSON envelope in and out, the access token in memory only (never in storage,
 * so a script injected later cannot read a saved one), the refresh token in the API's HttpOnly
 * cookie (`POST /auth/refresh` with no body renews the pair after a reload).
 */
export type Role = "admin" | "physiotherapist" | "doctor" | "nurse" | "patient" | "family";
export type Me = { id: string; name: string; email: string; role: Role; workspace_id: string };

/** An API refusal, with the envelope's code, message and the fields it named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
  /** "field: message" lines of a validation error, for the form's message area. */
  get fieldMessages(): string[] {
    const d = this.details as { fields?: { field: string; message: string }[] } | undefined;
    return (d?.fields ?? []).map((f) => `${f.field}: ${f.message}`);
  }
}

let accessToken: string | null = null;
let me: Me | null = null;

export const session = {
  get token() {
    return accessToken;
  },
  get user() {
    return me;
  },
};

type Envelope<T> = {
  success: boolean;
  data: T;
  error?: { code: string; message: string; details?: unknown };
};

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  retry = true,
  extra: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { ...extra };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check the connection.", null);
  }
  if (res.status === 401 && retry && accessToken && !path.startsWith("/api/v1/auth/")) {
    if (await refresh()) return call(method, path, body, false, extra);
  }
  if (res.status === 204) return undefined as T;
  const env = (await res.json().catch(() => null)) as Envelope<T> | null;
  if (!res.ok || !env?.success) {
    const e = env?.error;
    throw new ApiError(res.status, e?.code ?? "error", e?.message ?? res.statusText, e?.details);
  }
  return env.data;
}

export const api = {
  get: <T>(path: string) => call<T>("GET", path),
  post: <T>(path: string, body?: unknown) => call<T>("POST", path, body ?? {}),
  /** A POST that a retry must not repeat: the API answers a repeated key with the first result. */
  postOnce: <T>(path: string, body: unknown, key: string) =>
    call<T>("POST", path, body, true, { "idempotency-key": key }),
  put: <T>(path: string, body: unknown) => call<T>("PUT", path, body),
};

type TokenPair = { access_token: string; user: Me };

/** Password sign-in; `mfaCode` once the API answered that a second factor is required. */
export async function signIn(email: string, password: string, mfaCode?: string): Promise<Me> {
  const body: Record<string, string> = { email, password };
  if (mfaCode) body.mfa_code = mfaCode;
  const pair = await call<TokenPair>("POST", "/api/v1/auth/login", body);
  accessToken = pair.access_token;
  me = pair.user;
  return me;
}

/** Renews the tokens from the refresh cookie; false when there is no valid session. */
export async function refresh(): Promise<boolean> {
  try {
    const pair = await call<TokenPair>("POST", "/api/v1/auth/refresh", undefined, false);
    accessToken = pair.access_token;
    me = pair.user;
    return true;
  } catch {
    accessToken = null;
    me = null;
    return false;
  }
}

export async function signOut(): Promise<void> {
  await call("POST", "/api/v1/auth/logout", {}, false).catch(() => undefined);
  accessToken = null;
  me = null;
}

/** True when the API says this login needs its second factor. */
export function needsMfa(error: unknown): boolean {
  const d = error instanceof ApiError ? (error.details as { mfa_required?: boolean }) : null;
  return !!d?.mfa_required;
}
