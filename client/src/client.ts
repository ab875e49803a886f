/**
 * The typed client: every route of /openapi.json as `api.GET/POST/PUT/PATCH/DELETE(path, init)`
 * (openapi-fetch over the generated `paths`), answering the envelope's `data` or throwing an
 * `ApiError`. The bearer token is added to every call; a 401 renews the tokens once through
 * `POST /api/v1/auth/refresh` (concurrent 401s wait for the same renewal, because the API rotates
 * the refresh token and a second use of the old one would end the session) and the request is
 * sent again once with the new token. A request with an `Idempotency-Key` is resent with the same
 * key when the network fails, so a lost answer never duplicates the action. The latest D1 bookmark
 * (`X-D1-Bookmark`, read replication) is sent with every call, so the client reads its own writes
 * on whichever replica answers.
 */
import createFetchClient, { type FetchResponse, type MaybeOptionalInit } from "openapi-fetch";
import { ApiError } from "./errors";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
/** The pair `POST /auth/login` and `/auth/refresh` answer. */
export type TokenPair = Schemas["TokenPair"];
/** The tokens a client holds: the refresh token is absent in a browser (HttpOnly cookie). */
export type Tokens = { access_token: string; refresh_token?: string | null };

export type ClientOptions = {
  /** The API's origin, e.g. `https://api.example.org` (paths start with `/api/v1`). */
  baseUrl: string;
  /** The transport (default: the global fetch); tests pass the Worker's own. */
  fetch?: (request: Request) => Promise<Response>;
  /** Tokens kept from an earlier run (a phone's secure storage), if any. */
  tokens?: Tokens | null;
  /**
   * Called with each new pair (sign-in, refresh) and with null when the session ended: a phone
   * stores the refresh token here. The access token is best kept in memory only.
   */
  onTokens?: (pair: TokenPair | null) => void;
  /** Browser: `"same-origin"` or `"include"` sends the API's HttpOnly refresh cookie. */
  credentials?: "omit" | "same-origin" | "include";
  /** How often a request with an Idempotency-Key is resent after a network failure (default 2). */
  idempotentRetries?: number;
};

type HttpMethod = "get" | "put" | "post" | "delete" | "patch";
type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: paths[P] extends { [K in M]: {} } ? P : never;
}[keyof paths];

/** What a call resolves to: the envelope's `data` (lists: the items), or the raw body (SVG, HTML). */
export type Unwrapped<R> = R extends { data: infer D }
  ? [D] extends [never]
    ? undefined
    : D extends { success: true; data: infer X }
      ? X
      : D
  : never;

type Args<I> = undefined extends I
  ? [init?: I & { [key: string]: unknown }]
  : [init: I & { [key: string]: unknown }];

type DataMethod<M extends HttpMethod> = <
  P extends PathsWith<M>,
  I extends MaybeOptionalInit<paths[P], M>,
>(
  url: P,
  ...init: Args<I>
) => Promise<Unwrapped<FetchResponse<NonNullable<paths[P][M]>, I, `${string}/${string}`>>>;

/** Auth routes whose 401 is the answer itself (no token to renew, or the renewal failing). */
const NO_RENEWAL =
  /^\/api\/v1\/auth\/(login|refresh|logout|register|request-magic-link|verify-magic-link)$/;

export function createClient(options: ClientOptions) {
  const transport = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const retries = options.idempotentRetries ?? 2;
  let accessToken = options.tokens?.access_token ?? null;
  let refreshToken = options.tokens?.refresh_token ?? null;
  let renewing: Promise<string | null> | null = null;
  let bookmark: string | null = null;

  function setTokens(pair: TokenPair | null) {
    accessToken = pair?.access_token ?? null;
    // A browser keeps its refresh token in the cookie; the body's copy is not needed there.
    refreshToken = pair?.refresh_token ?? null;
    options.onTokens?.(pair);
  }

  async function send(request: Request): Promise<Response> {
    const key = request.headers.get("idempotency-key");
    for (let attempt = 0; ; attempt++) {
      if (bookmark) request.headers.set("x-d1-bookmark", bookmark);
      // A spare copy only when a resend may follow (a body can be read once).
      const spare = key && attempt < retries ? request.clone() : null;
      try {
        const response = await transport(request);
        // Bookmarks order by position in the database's history: keep the latest seen, whatever
        // order concurrent answers arrive in.
        const seen = response.headers.get("x-d1-bookmark");
        if (seen && (!bookmark || seen > bookmark)) bookmark = seen;
        return response;
      } catch (error) {
        if (!spare) throw error;
        request = spare;
      }
    }
  }

  async function authorised(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const token = accessToken;
    const renewable = token !== null && !NO_RENEWAL.test(path);
    if (token) request.headers.set("authorization", `Bearer ${token}`);
    const spare = renewable ? request.clone() : null;
    const response = await send(request);
    if (response.status !== 401 || !spare) return response;
    // Another call may have renewed the token while this one was in flight.
    const fresh = accessToken !== token ? accessToken : await renew();
    if (!fresh) return response;
    spare.headers.set("authorization", `Bearer ${fresh}`);
    return send(spare);
  }

  const raw = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    fetch: authorised,
    ...(options.credentials && { credentials: options.credentials }),
  });

  /** One renewal at a time; every caller waiting on it gets its token (null: signed out). */
  function renew(): Promise<string | null> {
    renewing ??= (async () => {
      try {
        const { data } = await raw.POST("/api/v1/auth/refresh", {
          body: refreshToken ? { refresh_token: refreshToken } : {},
        });
        setTokens(data?.data ?? null);
      } catch {
        setTokens(null);
      }
      return accessToken;
    })().finally(() => {
      renewing = null;
    });
    return renewing;
  }

  async function unwrap(call: Promise<{ data?: unknown; error?: unknown; response: Response }>) {
    let result: Awaited<typeof call>;
    try {
      result = await call;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(0, "NETWORK_ERROR", "The server cannot be reached", null);
    }
    if (!result.response.ok) throw ApiError.from(result.response, result.error);
    const body = result.data as { success?: unknown; data?: unknown } | undefined;
    return body && typeof body === "object" && body.success === true && "data" in body
      ? body.data
      : body;
  }

  const method = <M extends HttpMethod>(
    name: "GET" | "PUT" | "POST" | "DELETE" | "PATCH",
  ): DataMethod<M> =>
    ((url: string, init?: object) =>
      unwrap((raw[name] as (u: string, i?: object) => Promise<never>)(url, init))) as DataMethod<M>;

  return {
    GET: method<"get">("GET"),
    POST: method<"post">("POST"),
    PUT: method<"put">("PUT"),
    PATCH: method<"patch">("PATCH"),
    DELETE: method<"delete">("DELETE"),
    /** openapi-fetch itself (typed `{ data, error, response }`, same token handling): for headers or pagination. */
    raw,
    /** The current access token (for a socket, or an `<img>` fetched by hand). */
    get accessToken() {
      return accessToken;
    },
    /** Password sign-in; a 401 whose details say `mfa_required` asks for `mfa_code` too. */
    async signIn(body: Schemas["LoginInput"]): Promise<TokenPair> {
      const pair = (await unwrap(raw.POST("/api/v1/auth/login", { body }))) as TokenPair;
      setTokens(pair);
      return pair;
    },
    /** Renews the tokens now (a browser after a reload: from the refresh cookie). False when signed out. */
    async refresh(): Promise<boolean> {
      return (await renew()) !== null;
    },
    /** Ends the login session on the server, then forgets the tokens. */
    async signOut(): Promise<void> {
      await unwrap(raw.POST("/api/v1/auth/logout", {})).catch(() => undefined);
      setTokens(null);
    },
    /** Adopts tokens obtained elsewhere (a magic link, MFA verification). */
    setTokens,
    /**
     * PUTs a file to a signed upload URL (`upload_urls.video` of a new session, or
     * `POST /upload/generate-url`). The URL carries its own authority: no bearer token is sent.
     */
    async upload(
      url: string,
      body: Blob | ArrayBuffer | Uint8Array,
      headers: Record<string, string> = {},
    ) {
      const response = await transport(
        new Request(new URL(url, options.baseUrl), {
          method: "PUT",
          headers,
          body: body as BodyInit,
        }),
      );
      const parsed = await response.json().catch(() => null);
      if (!response.ok) throw ApiError.from(response, parsed);
      return (parsed as { data?: unknown } | null)?.data ?? parsed;
    },
  };
}

export type RehabClient = ReturnType<typeof createClient>;
