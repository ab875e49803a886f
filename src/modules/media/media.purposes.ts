/**
 * What may be uploaded, per purpose: the allowed content types and the size cap. A purpose is
 * chosen by the module attaching the media (sessions, chats, notes, calls, posture analyses).
 */
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const VIDEO = ["video/mp4", "video/quicktime", "video/webm"] as const;
const IMAGE = ["image/jpeg", "image/png", "image/webp"] as const;
const AUDIO = ["audio/mpeg", "audio/mp4", "audio/webm", "audio/wav"] as const;
const PDF = "application/pdf";

/**
 * Per purpose: allowed content types, size cap, and the owner kinds it may hang off (a session
 * video belongs to an exercise session or a patient, never to a chat). Each owner kind named here
 * has its access check in media.owners.ts `MEDIA_OWNERS` (the type checker holds that).
 */
export const MEDIA_PURPOSES = {
  session_video: {
    contentTypes: VIDEO,
    maxBytes: 2 * GiB,
    owners: ["exercise_session", "patient"],
  },
  exercise_video: {
    contentTypes: VIDEO,
    maxBytes: 2 * GiB,
    owners: ["exercise_session", "patient"],
  },
  session_metadata: {
    contentTypes: ["application/json"],
    maxBytes: 64 * MiB,
    owners: ["exercise_session", "patient"],
  },
  chat_file: {
    contentTypes: [...IMAGE, PDF],
    maxBytes: 25 * MiB,
    owners: ["chat", "user", "patient"],
  },
  voice_message: { contentTypes: AUDIO, maxBytes: 25 * MiB, owners: ["chat", "user", "patient"] },
  call_recording: { contentTypes: [...AUDIO, ...VIDEO], maxBytes: 4 * GiB, owners: ["call"] },
  note_attachment: { contentTypes: [...IMAGE, PDF], maxBytes: 10 * MiB, owners: ["clinical_note"] },
  posture_image: { contentTypes: IMAGE, maxBytes: 20 * MiB, owners: ["patient", "user"] },
} as const satisfies Record<
  string,
  { contentTypes: readonly string[]; maxBytes: number; owners: readonly string[] }
>;

export type MediaPurpose = keyof typeof MEDIA_PURPOSES;
export const MEDIA_PURPOSE_NAMES = Object.keys(MEDIA_PURPOSES) as [MediaPurpose, ...MediaPurpose[]];

/**
 * The largest body one `PUT /uploads/{token}` takes. Workers cap request bodies (100 MB on most
 * plans), so anything bigger goes through multipart.
 */
export const SINGLE_PUT_MAX_BYTES = 95 * MiB;

/** R2 needs every part but the last to be the same size, at least 5 MiB. */
export const MIN_PART_BYTES = 5 * MiB;
export const DEFAULT_PART_BYTES = 16 * MiB;
export const MAX_PART_BYTES = 95 * MiB;
export const MAX_PARTS = 10_000;

/** How long an issued upload URL stays valid (multipart: the whole upload, resumable). */
export const UPLOAD_TTL_SECONDS = 3600;
export const MULTIPART_TTL_SECONDS = 24 * 3600;
/**
 * Download links live minutes: long enough for a slow phone to start a video and seek (every
 * Range request re-uses the URL while it is valid), short enough that a leaked link is soon dead.
 * A player that outlives its link asks the API for a new one. Each request through the link also
 * re-checks access at that moment (media.download.ts), so a link never outlives the relation.
 */
export const DOWNLOAD_TTL_SECONDS = 5 * 60;
export const MAX_DOWNLOAD_TTL_SECONDS = 15 * 60;

/** The media type without parameters, lower-cased (`Video/MP4; codecs=…` → `video/mp4`). */
export const bareType = (value: string | undefined | null) =>
  (value ?? "").split(";")[0]!.trim().toLowerCase();

export const allowsType = (purpose: MediaPurpose, contentType: string) =>
  (MEDIA_PURPOSES[purpose].contentTypes as readonly string[]).includes(contentType);

export const allowsOwner = (purpose: MediaPurpose, ownerKind: string) =>
  (MEDIA_PURPOSES[purpose].owners as readonly string[]).includes(ownerKind);
