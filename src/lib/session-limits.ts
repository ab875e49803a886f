/**
 * How long a login session lives (issue 19; seed 002 §6.4: automatic logoff after 30 minutes).
 *
 * Two limits, both stored on the session row so every reader (the request's session check, token
 * refresh, the rooms' minute check) compares one column with now and needs no configuration:
 * - absolute: `expires_at`, set at login from the kind of client. Staff sessions last
 *   SESSION_STAFF_HOURS (default 12), patients' and family members' devices
 *   SESSION_DEVICE_DAYS (default 30). A change of these applies to sessions opened after it.
 * - idle: `idle_expires_at` = `last_seen_at` + SESSION_IDLE_MINUTES (default 30, kept within
 *   5–240). Requests move `last_seen_at` at most once per SESSION_TOUCH_SECONDS (default 60)
 *   per session, off the response path, so a session may end up to that long before a full idle
 *   window has passed since its very last request (never later).
 * Patients' and family members' own devices get their own idle window,
 * SESSION_DEVICE_IDLE_MINUTES, by default their whole absolute lifetime: a phone app should not ask
 * for a password every 30 minutes (the phone's own lock guards it), a shared workstation must.
 * There is no workspace settings route yet, so the idle window is per deployment (env), not per
 * workspace.
 */
import type { Role } from "../db/schema/users";

export type SessionEnv = {
  SESSION_IDLE_MINUTES?: string;
  SESSION_STAFF_HOURS?: string;
  SESSION_DEVICE_DAYS?: string;
  SESSION_TOUCH_SECONDS?: string;
  SESSION_DEVICE_IDLE_MINUTES?: string;
};

export type SessionLimits = {
  idleMs: number;
  staffLifetimeMs: number;
  deviceLifetimeMs: number;
  touchMs: number;
  deviceIdleMs: number;
};

export const IDLE_MINUTES_BOUNDS = { min: 5, max: 240 } as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A positive number from env, else the default; clamped into [min, max]. */
function setting(raw: string | undefined, fallback: number, min: number, max: number) {
  const value = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(value) || value <= 0) return fallback;
  return Math.min(max, Math.max(min, value));
}

const cache = new Map<string, SessionLimits>();

/** The limits of these bindings, parsed once per isolate and set of values. */
export function sessionLimits(env: SessionEnv): SessionLimits {
  const key = `${env.SESSION_IDLE_MINUTES}|${env.SESSION_STAFF_HOURS}|${env.SESSION_DEVICE_DAYS}|${env.SESSION_TOUCH_SECONDS}|${env.SESSION_DEVICE_IDLE_MINUTES}`;
  let limits = cache.get(key);
  if (!limits) {
    const idleMinutes = setting(
      env.SESSION_IDLE_MINUTES,
      30,
      IDLE_MINUTES_BOUNDS.min,
      IDLE_MINUTES_BOUNDS.max,
    );
    // The touch interval stays well inside the idle window (at most a fifth of it).
    const touchSeconds = setting(env.SESSION_TOUCH_SECONDS, 60, 1, (idleMinutes * 60) / 5);
    const deviceLifetimeMs = setting(env.SESSION_DEVICE_DAYS, 30, 1, 365) * DAY;
    limits = {
      idleMs: idleMinutes * MINUTE,
      staffLifetimeMs: setting(env.SESSION_STAFF_HOURS, 12, 1, 24 * 30) * HOUR,
      deviceLifetimeMs,
      touchMs: touchSeconds * 1000,
      deviceIdleMs: Math.min(
        deviceLifetimeMs,
        setting(env.SESSION_DEVICE_IDLE_MINUTES, deviceLifetimeMs / MINUTE, 5, 365 * 24 * 60) *
          MINUTE,
      ),
    };
    if (cache.size > 16) cache.clear();
    cache.set(key, limits);
  }
  return limits;
}

/** Patients and family members sign in on their own devices; everyone else is staff. */
export const isDeviceRole = (role: Role) => role === "patient" || role === "family";

export const sessionLifetimeMs = (limits: SessionLimits, role: Role) =>
  isDeviceRole(role) ? limits.deviceLifetimeMs : limits.staffLifetimeMs;

/** The idle window of a session of this role: staff workstations short, own devices long. */
export const idleWindowMs = (limits: SessionLimits, role: Role) =>
  isDeviceRole(role) ? limits.deviceIdleMs : limits.idleMs;
