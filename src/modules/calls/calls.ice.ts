/**
 * ICE servers handed to call clients. STUN URLs come from `CALL_STUN_URLS` (comma-separated),
 * parsed once per isolate; with Cloudflare Realtime configured, clients connect to the SFU,
 * which is reachable through Cloudflare's STUN server. No credentials are ever handed out here.
 */
import type { IceServer } from "./calls.schemas";

export const DEFAULT_STUN_URLS = "stun:stun.cloudflare.com:3478";
const STUN = /^stuns?:[A-Za-z0-9.-]+(:\d{1,5})?$/;

const cache = new Map<string, IceServer[]>();

/** The ICE servers of this configuration; malformed entries are dropped (and never echoed). */
export function iceServers(env: { CALL_STUN_URLS?: string }): IceServer[] {
  const raw = env.CALL_STUN_URLS ?? DEFAULT_STUN_URLS;
  let servers = cache.get(raw);
  if (!servers) {
    const urls = raw
      .split(",")
      .map((u) => u.trim())
      .filter((u) => STUN.test(u));
    servers = urls.length ? [{ urls }] : [];
    cache.set(raw, servers);
  }
  return servers;
}

/** How long a call rings before it is missed (`CALL_RING_SECONDS`, 5–300, default 45). */
export function ringSeconds(env: { CALL_RING_SECONDS?: string }): number {
  const n = Number(env.CALL_RING_SECONDS ?? "45");
  return Number.isInteger(n) && n >= 5 && n <= 300 ? n : 45;
}
