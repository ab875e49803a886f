/** The refresh-token cookie that web dashboards use beside the JSON body. */
import { setCookie } from "hono/cookie";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { TOKEN_KINDS } from "../../lib/tokens";

export const REFRESH_COOKIE = "rehab_refresh";
export const COOKIE_PATH = "/api/v1/auth";

/** The refresh token also travels in an HttpOnly cookie, for web dashboards. */
export function setRefreshCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, REFRESH_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: COOKIE_PATH,
    maxAge: TOKEN_KINDS.refresh.ttlSeconds,
  });
}
