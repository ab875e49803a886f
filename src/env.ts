/** The Worker's bindings and the per-request variables every handler reads from the context. */
import type { CallRoom } from "../party/call-room";
import type { ChatRoom } from "../party/chat-room";
import type { ClinicianCalendar } from "../party/clinician-calendar";
import type { PoseStream } from "../party/pose";
import type { RateLimiter } from "../party/rate-limiter";
import type { LiveSession } from "../party/live-session";
import type { UserStream } from "../party/user-stream";
import type { JobMessage } from "./jobs/jobs.schemas";
import type { RequestContext } from "./middleware/request-context";

export type Bindings = {
  DB: D1Database;
  MEDIA: R2Bucket;
  JOBS: Queue<JobMessage>;
  /** Audit entries of reads only (src/lib/audit-queue.ts); same consumer, larger batches. */
  AUDIT: Queue<JobMessage>;
  UserStream: DurableObjectNamespace<UserStream>;
  LiveSession: DurableObjectNamespace<LiveSession>;
  RateLimiter: DurableObjectNamespace<RateLimiter>;
  ClinicianCalendar: DurableObjectNamespace<ClinicianCalendar>;
  ChatRoom: DurableObjectNamespace<ChatRoom>;
  PoseStream: DurableObjectNamespace<PoseStream>;
  /** The pose estimator Worker (pose/wrangler.toml), over a service binding. */
  POSE?: Fetcher;
  /** The assets-only Worker (assets/wrangler.toml: public/), over a service binding. */
  ASSETS: Fetcher;
  /** Present only where Workers AI is reachable (`--env production`); see src/ai. */
  AI?: Ai;
  ENVIRONMENT: "development" | "test" | "production";
  APP_BASE_URL: string;
  CORS_ORIGINS: string;
  AI_TEXT_MODEL: string;
  /** A Workers AI keypoint model id; when set (and AI bound) it replaces the POSE Worker. */
  AI_POSE_KEYPOINT_MODEL?: string;
  AI_POSE_MODEL: string;
  /** Speech-to-text model (Whisper family); defaults to @cf/openai/whisper-large-v3-turbo. */
  AI_TRANSCRIBE_MODEL?: string;
  /** Optional Cloudflare AI Gateway id; Workers AI calls go through it when set. */
  AI_GATEWAY_ID?: string;
  /** Audit retention in days (src/lib/audit-retention.ts): reads (default 90), the rest (2192). */
  AUDIT_READ_RETENTION_DAYS?: string;
  AUDIT_WRITE_RETENTION_DAYS?: string;
  // Secrets (`.dev.vars` locally, `wrangler secret put` in production).
  JWT_SECRET: string;
  PHI_KEYS: string;
  PHI_ACTIVE_KEY_ID: string;
  BLIND_INDEX_KEY: string;
  AUDIT_HMAC_KEY: string;
  PASSWORD_PEPPER: string;
  DEV_SEED_TOKEN?: string;
  EMAIL_API_URL?: string;
  EMAIL_API_KEY?: string;
  EMAIL_FROM?: string;
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  /** Sender of notification SMS for a workspace without its own number (src/modules/sms/sms.number.ts). */
  TWILIO_FROM_NUMBER?: string;
  /** SMS send limits (src/modules/sms/sms.limits.ts): per user and per workspace, count per window. */
  SMS_USER_LIMIT?: string;
  SMS_USER_WINDOW_SECONDS?: string;
  SMS_WORKSPACE_LIMIT?: string;
  SMS_WORKSPACE_WINDOW_SECONDS?: string;
  /** R2 API credentials: when all three are set, media URLs are R2 presigned URLs (aws4fetch). */
  R2_ACCOUNT_ID?: string;
  R2_ACCESS_KEY_ID?: string;
  R2_SECRET_ACCESS_KEY?: string;
  R2_BUCKET_NAME?: string;
  /** Upload-URL requests (single and multipart) a user may make per minute; default 10. */
  UPLOAD_URL_RATE_PER_MINUTE?: string;
  /** Calls: one room per call; ring time, STUN servers, and Cloudflare Realtime (SFU) credentials. */
  CallRoom: DurableObjectNamespace<CallRoom>;
  CALL_RING_SECONDS?: string;
  /** Minutes a user must stay offline before a notification goes out by email/SMS (default 5). */
  NOTIFY_OFFLINE_MINUTES?: string;
  CALL_STUN_URLS?: string;
  CF_REALTIME_APP_ID?: string;
  CF_REALTIME_APP_TOKEN?: string;
  /** Session limits (src/lib/session-limits.ts): idle minutes, staff hours, device days. */
  SESSION_IDLE_MINUTES?: string;
  SESSION_STAFF_HOURS?: string;
  SESSION_DEVICE_DAYS?: string;
  SESSION_TOUCH_SECONDS?: string;
  SESSION_DEVICE_IDLE_MINUTES?: string;
  /** Rate limits per minute (src/middleware/rate-limit.ts); "0" turns one off. */
  RATE_LIMIT_IP_PER_MIN?: string;
  RATE_LIMIT_USER_PER_MIN?: string;
  RATE_LIMIT_POSE_PER_MIN?: string;
  RATE_LIMIT_CALLS_PER_MIN?: string;
  RATE_LIMIT_SFU_PER_MIN?: string;
};

export type AppEnv = {
  Bindings: Bindings;
  Variables: { ctx: RequestContext; requestId: string };
};
