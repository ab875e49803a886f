/**
 * The console's API access: the typed client of client/ (types generated from /openapi.json, so
 * a changed response breaks this build). The access token lives in memory only (never in storage,
 * so a script injected later cannot read a saved one); the refresh token stays in the API's
 * HttpOnly cookie (`POST /auth/refresh` with no body renews the pair after a reload).
 */
import { ApiError, createClient, type Schemas, type TokenPair } from "../../client/src/index";

export { ApiError, idempotencyKey, idempotent } from "../../client/src/index";
export type { Schemas } from "../../client/src/index";

export type Me = Schemas["SessionUser"];
export type Role = Me["role"];

let me: Me | null = null;

/** Every API call of the console goes through this client. */
export const api = createClient({
  baseUrl: location.origin,
  credentials: "same-origin",
  onTokens: (pair: TokenPair | null) => {
    me = pair?.user ?? null;
  },
});

export const session = {
  get token() {
    return api.accessToken;
  },
  get user() {
    return me;
  },
};

/** Password sign-in; `mfaCode` once the API answered that a second factor is required. */
export async function signIn(email: string, password: string, mfaCode?: string): Promise<Me> {
  const pair = await api.signIn({ email, password, ...(mfaCode && { mfa_code: mfaCode }) });
  return pair.user;
}

/** Renews the tokens from the refresh cookie; false when there is no valid session. */
export function refresh(): Promise<boolean> {
  return api.refresh();
}

export function signOut(): Promise<void> {
  return api.signOut();
}

/** True when the API says this login needs its second factor. */
export function needsMfa(error: unknown): boolean {
  const d = error instanceof ApiError ? (error.details as { mfa_required?: boolean }) : null;
  return !!d?.mfa_required;
}
