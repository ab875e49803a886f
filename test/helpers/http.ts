/** Calling the Worker from tests through its real fetch handler (SELF). */
import { SELF } from "cloudflare:test";

/** A success body (`ok()`): `api<Ok<Patient>>(…)` types `res.body.data`. */
export type Ok<T> = { success: true; data: T; meta: Record<string, unknown> };
/** A list body (`okList()`). */
export type OkList<T> = Ok<T[]> & { pagination?: Record<string, number> };
/** An error body: `api<ApiError>(…)` types `res.body.error.details`. */
export type ApiError = {
  success: false;
  error: { code: string; message: string; details?: { field: string; message: string }[] };
  meta: Record<string, unknown>;
};

export type ApiResponse<T = any> = { status: number; body: T; headers: Headers; text: string };

export async function api<T = any>(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    raw?: BodyInit;
  } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.body);
  }
  const res = await SELF.fetch(`https://api.test${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (HTML docs, media): keep the text.
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** Asserts a status with the body in the message, so a failure explains itself. */
export function expectStatus<T>(res: ApiResponse<T>, status: number): ApiResponse<T> {
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 800)}`);
  }
  return res;
}
