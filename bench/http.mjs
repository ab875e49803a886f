// A small JSON client for the API (retries what is safe to retry), a signed-in session that
// refreshes its access token before it expires, and a bounded-concurrency pool with progress.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class ApiError extends Error {
  constructor(method, path, status, body) {
    const detail = body?.error ? `${body.error.code}: ${body.error.message}` : JSON.stringify(body);
    super(`${method} ${path} answered ${status} (${detail?.slice(0, 500)})`);
    this.status = status;
    this.body = body;
  }
}

/**
 * `request(method, path, { token, body, headers })` resolves to `{ status, body }` for any answer;
 * `call(...)` resolves to the envelope's `data` and throws `ApiError` on anything but 2xx.
 * Network errors, 5xx and short 429s are retried (callers make their writes idempotent).
 */
export class Api {
  constructor(base) {
    this.base = base;
  }

  async request(method, path, { token, body, headers = {}, attempts = 4 } = {}) {
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await fetch(this.base + path, {
          method,
          headers: {
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...headers,
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        if (attempt >= attempts) throw error;
        await sleep(250 * attempt);
        continue;
      }
      const text = await res.text();
      let parsed = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = { raw: text.slice(0, 200) };
      }
      const retryAfterS = Number(res.headers.get("retry-after") ?? "1");
      const retryable = res.status >= 500 || (res.status === 429 && retryAfterS <= 10);
      if (retryable && attempt < attempts) {
        await sleep(res.status === 429 ? retryAfterS * 1000 : 250 * attempt);
        continue;
      }
      return { status: res.status, body: parsed };
    }
  }

  async call(method, path, options = {}) {
    const { status, body } = await this.request(method, path, options);
    if (status < 200 || status > 299) throw new ApiError(method, path, status, body);
    return body?.data;
  }
}

/** A signed-in user. `token()` refreshes the access token when it has under 3 minutes left. */
export class Session {
  static async login(api, email, password) {
    const pair = await api.call("POST", "/api/v1/auth/login", { body: { email, password } });
    return new Session(api, pair);
  }

  constructor(api, pair) {
    this.api = api;
    this.user = pair.user;
    this.#accept(pair);
  }

  #accept(pair) {
    this.accessToken = pair.access_token;
    this.refreshToken = pair.refresh_token;
    this.expiresAt = Date.now() + pair.expires_in * 1000;
  }

  /** One refresh at a time: a refresh token works once, a second use would revoke the session. */
  refresh() {
    this.refreshing ??= this.api
      .call("POST", "/api/v1/auth/refresh", { body: { refresh_token: this.refreshToken } })
      .then((pair) => this.#accept(pair))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  async token(minRemainingMs = 180_000) {
    if (this.expiresAt - Date.now() < minRemainingMs) await this.refresh();
    return this.accessToken;
  }

  /** `Api.call` as this user; a 401 (token expired in between) refreshes once and retries. */
  async call(method, path, options = {}) {
    try {
      return await this.api.call(method, path, { ...options, token: await this.token() });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      await this.refresh();
      return this.api.call(method, path, { ...options, token: this.accessToken });
    }
  }
}

/**
 * Runs `work(item, index)` over `items` with at most `concurrency` in flight; prints progress every
 * 10 seconds. The first failure stops the pool (nothing new starts) and is rethrown. Returns the
 * results in order and the rate achieved.
 */
export async function runPool(items, concurrency, work, { label, deadline }) {
  const results = new Array(items.length);
  const started = Date.now();
  let next = 0;
  let done = 0;
  let failure = null;
  const report = (final) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const eta = rate > 0 ? Math.round((items.length - done) / rate) : "?";
    const tail = final ? `in ${seconds.toFixed(1)} s` : `eta ${eta} s`;
    console.log(`  ${label}: ${done}/${items.length} (${rate.toFixed(1)}/s, ${tail})`);
  };
  const ticker = setInterval(() => report(false), 10_000);
  const lane = async () => {
    while (failure === null && next < items.length) {
      if (Date.now() > deadline) {
        failure = new Error(`Deadline reached while seeding ${label}`);
        break;
      }
      const index = next++;
      try {
        results[index] = await work(items[index], index);
        done++;
      } catch (error) {
        failure ??= error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  } finally {
    clearInterval(ticker);
  }
  if (failure) throw failure;
  report(true);
  const seconds = (Date.now() - started) / 1000;
  return { results, seconds, perSecond: items.length / Math.max(seconds, 0.001) };
}
