/**
 * Pose data bodies (seed 000 §2): MediaPipe BlazePose frames, strictly validated so the analysis
 * never sees a malformed frame. Numbers must be finite (zod rejects NaN and ±Infinity), visibility
 * lies in [0, 1], every frame has exactly 33 landmarks (and 33 world landmarks when given), and
 * timestamps rise strictly within a chunk. Client-computed angles, quality and issues are accepted
 * and stored, never trusted: the server's analysis replaces them.
 */
import { z } from "@hono/zod-openapi";
import { FrameSize } from "./sessions.schemas";

export const LANDMARK_COUNT = 33;
/** Frames per chunk; the 1 MB body limit usually binds first (about 300 frames with world). */
export const MAX_FRAMES_PER_CHUNK = 1800;
/** The longest session we accept: 2 hours at 30 fps. */
export const MAX_FRAMES_PER_SESSION = 216_000;

// Normalised image coordinates stray a little outside [0, 1]; world ones are metres. The bound
// keeps squares and products finite in the analysis.
const Coordinate = z.number().min(-100).max(100);

export const LandmarkInput = z
  .object({
    type: z
      .string()
      .regex(/^[A-Z_]{1,40}$/)
      .optional(),
    x: Coordinate,
    y: Coordinate,
    z: Coordinate,
    visibility: z.number().min(0).max(1),
  })
  .openapi("PoseLandmark", {
    description: "x, y normalised to the image (0–1, may stray slightly outside); z relative",
  });

const Landmarks = z.array(LandmarkInput).length(LANDMARK_COUNT, {
  message: `Exactly ${LANDMARK_COUNT} BlazePose landmarks, in BlazePose order`,
});

const ClientIssue = z
  .object({
    type: z.string().max(60).optional(),
    joint: z.string().max(40).optional(),
    message: z.string().max(300).optional(),
    severity: z.string().max(20).optional(),
  })
  .openapi("ClientFormIssue");

/** What a client may send beside the landmarks: stored with the frames, never trusted. */
export const ClientBits = z.object({
  angles: z.record(z.string().max(40), z.number()).optional(),
  quality_score: z.number().min(0).max(1).optional(),
  form_issues: z.array(ClientIssue).max(20).optional(),
});
export type ClientBitsInput = z.infer<typeof ClientBits>;

export const PoseFrameInput = z
  .object({
    timestamp: z.number().min(0).max(1e13).openapi({
      example: 1706630400000,
      description:
        "Milliseconds (epoch or since start; fractions allowed, as performance.now() gives)",
    }),
    landmarks: Landmarks,
    world_landmarks: Landmarks.optional().openapi({ description: "Metres, hip-centred" }),
  })
  .extend(ClientBits.shape)
  .openapi("PoseFrame");
export type PoseFrameInput = z.infer<typeof PoseFrameInput>;

/** A chunk's fields other than its frames. */
export const ChunkExtras = z.object({
  frame_size: FrameSize.optional(),
  chunk_index: z.number().int().min(0).max(100_000).optional(),
  summary_statistics: z
    .object({
      total_frames: z.number().int().min(0).optional(),
      average_quality: z.number().min(0).max(1).optional(),
      peak_angles: z.record(z.string().max(60), z.number()).optional(),
    })
    .optional(),
});

/**
 * The chunk body as documented in OpenAPI. The route does not run it: `parsePoseChunk`
 * (pose.validate.ts) applies the same rules without copying every landmark.
 */
export const PoseChunkInput = z
  .object({ frames: z.array(PoseFrameInput).min(1).max(MAX_FRAMES_PER_CHUNK) })
  .extend(ChunkExtras.shape)
  .superRefine((chunk, ctx) => {
    for (let i = 1; i < chunk.frames.length; i++) {
      if (chunk.frames[i]!.timestamp <= chunk.frames[i - 1]!.timestamp) {
        ctx.addIssue({
          code: "custom",
          path: ["frames", i, "timestamp"],
          message: "Timestamps must increase strictly within a chunk",
        });
        return;
      }
    }
  })
  .openapi("PoseChunkInput", {
    description:
      "One chunk of frames. A chunk is identified by its first timestamp: a retry of the same " +
      "chunk answers the stored result; chunks of a session must not overlap in time.",
  });
export type PoseChunkInput = z.infer<typeof PoseChunkInput>;

export const PoseChunkResult = z
  .object({
    session_id: z.string(),
    chunk_id: z.string(),
    frames_received: z.number().int(),
    first_timestamp: z.number(),
    last_timestamp: z.number(),
    total_frames: z.number().int(),
    status: z.string(),
    replayed: z.boolean(),
  })
  .openapi("PoseChunkResult");

export const FramesQuery = z.object({
  from_ms: z.coerce.number().int().min(0).default(0).openapi({
    description: "Milliseconds from the session's first frame",
  }),
  to_ms: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(3000).default(900),
});
export type FramesQuery = z.infer<typeof FramesQuery>;

export const FrameOut = z.object({
  timestamp: z.number(),
  offset_ms: z.number(),
  landmarks: z.array(LandmarkInput),
  world_landmarks: z.array(LandmarkInput).optional(),
  client: z
    .object({
      angles: z.record(z.string(), z.number()).optional(),
      quality_score: z.number().optional(),
      form_issues: z.array(ClientIssue).optional(),
    })
    .optional(),
});

export const FramesWindow = z
  .object({
    session_id: z.string(),
    from_ms: z.number(),
    to_ms: z.number().nullable(),
    frames: z.array(FrameOut),
    next_from_ms: z.number().nullable().openapi({ description: "Continue here when truncated" }),
  })
  .openapi("PoseFramesWindow");
