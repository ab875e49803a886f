/**
 * Sessions and the credentials that open them.
 * Invariants: no token is stored in the clear, only its SHA-256 (magic links, invites, backup
 * codes) or its jti (refresh tokens, which are signed). A session is one refresh-token family:
 * revoking it ends every access and refresh token issued under it at once. A session is live while
 * not revoked, `expires_at` (absolute) and `idle_expires_at` (idle) are both in the future.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, timestamp, workspaceId } from "./columns";
import { ROLES } from "./users";

export const authSessions = sqliteTable(
  "auth_sessions",
  {
    id: id(),
    userId: text("user_id").notNull(),
    workspaceId: workspaceId(),
    method: text("method", { enum: ["password", "magic_link", "invite"] }).notNull(),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: timestamp("revoked_at"),
    revokedReason: text("revoked_reason"),
    /** Moved by requests at most once per SESSION_TOUCH_SECONDS (src/lib/session-limits.ts). */
    lastSeenAt: timestamp("last_seen_at"),
    /** `last_seen_at` plus the idle window; the session ends then. Null (older rows): ended. */
    idleExpiresAt: timestamp("idle_expires_at"),
  },
  (t) => [index("auth_sessions_user").on(t.userId)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    jti: text("jti").primaryKey(),
    sessionId: text("session_id").notNull(),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
    usedAt: timestamp("used_at"),
  },
  (t) => [index("refresh_tokens_session").on(t.sessionId)],
);

export const magicLinks = sqliteTable(
  "magic_links",
  {
    id: id(),
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id"),
    inviteId: text("invite_id"),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
    usedAt: timestamp("used_at"),
  },
  (t) => [uniqueIndex("magic_links_token").on(t.tokenHash)],
);

export const invites = sqliteTable(
  "invites",
  {
    id: id(),
    workspaceId: workspaceId(),
    emailEnc: text("email_enc").notNull(),
    emailIndex: text("email_index").notNull(),
    nameEnc: text("name_enc"),
    role: text("role", { enum: ROLES }).notNull(),
    patientId: text("patient_id"),
    invitedBy: text("invited_by").notNull(),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
    acceptedAt: timestamp("accepted_at"),
    acceptedUserId: text("accepted_user_id"),
  },
  (t) => [index("invites_workspace").on(t.workspaceId, t.createdAt)],
);

export const mfaBackupCodes = sqliteTable(
  "mfa_backup_codes",
  {
    id: id(),
    userId: text("user_id").notNull(),
    codeHash: text("code_hash").notNull(),
    createdAt: createdAt(),
    usedAt: timestamp("used_at"),
  },
  (t) => [index("mfa_backup_codes_user").on(t.userId)],
);

/** Replay guard for TOTP: a (user, time step) pair is accepted once. */
export const mfaUsedSteps = sqliteTable(
  "mfa_used_steps",
  {
    userId: text("user_id").notNull(),
    step: integer("step").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("mfa_used_steps_pk").on(t.userId, t.step)],
);
