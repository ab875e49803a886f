/**
 * The live room's per-frame path, from the socket's text to the feedback it answers: size and
 * JSON check, the flat frame check (live-frames.ts), the resend filter, the incremental movement
 * analysis (src/analysis/live.ts) and the feedback's serialisation.
 *
 * Pure: no bindings, storage or sockets, so `bench/live.mjs` runs this same module in Node and
 * times it per frame (workerd's clocks stand still while JavaScript runs, so the room cannot
 * time itself). The room (live-session.ts) adds only the sends and the storage queue.
 */
import { createLiveAnalyzer, type LiveAnalyzer, type LiveFeedback } from "../src/analysis/live";
import type { PoseFrame } from "../src/analysis/landmarks";
import type { AnalysisConfig } from "../src/modules/exercise-types/exercise-types.analysis";
import type { PoseFrameInput } from "../src/modules/sessions/pose.schemas";
import { checkFramesMessage, type FieldError } from "./live-frames";
import type { LiveOut } from "../src/realtime/live-session.messages";
import { LiveIn, MAX_LIVE_MESSAGE_BYTES } from "../src/realtime/live-session.schemas";

export type FrameSize = { width: number; height: number };
export type ParsedMessage = LiveIn | { errors: FieldError[] };

const decoder = new TextDecoder();

/**
 * Reads one client message: at most MAX_LIVE_MESSAGE_BYTES, JSON, then `frames` (the hot path)
 * through the flat check and anything else (the rare cue and ping) through the zod union.
 * Errors name the bad fields, as zod would.
 */
export function parseLiveMessage(message: string | ArrayBuffer | ArrayBufferView): ParsedMessage {
  const size = typeof message === "string" ? message.length : message.byteLength;
  if (size > MAX_LIVE_MESSAGE_BYTES) {
    return { errors: [{ field: "message", message: `At most ${MAX_LIVE_MESSAGE_BYTES} bytes` }] };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof message === "string" ? message : decoder.decode(message));
  } catch {
    return { errors: [{ field: "message", message: "Messages are JSON objects with a type" }] };
  }
  if (typeof json === "object" && json !== null && (json as { type?: unknown }).type === "frames") {
    const checked = checkFramesMessage(json as Record<string, unknown>);
    return checked.ok ? checked.value : { errors: checked.errors };
  }
  const parsed = LiveIn.safeParse(json);
  if (parsed.success) return parsed.data;
  return {
    errors: parsed.error.issues.slice(0, 10).map((i) => ({
      field: i.path.join(".") || "type",
      message: i.message,
    })),
  };
}

/** What one `frames` message did: the frames to store, the resends skipped, the answer. */
export type Accepted = {
  fresh: PoseFrameInput[];
  ignored: number;
  /** The serialised `feedback` message (for the last new frame, or the current one). */
  reply: string;
  /** Whether any frame was new (watchers then get the feedback and the skeleton too). */
  advanced: boolean;
};

export const IDLE_FEEDBACK: LiveFeedback = {
  timestamp: 0,
  rep_count: 0,
  partial_rep: false,
  phase: "unknown",
  primary_angle: null,
  cues: [],
};

/**
 * One session's running analysis. Frames at or before the newest accepted timestamp are resends
 * (a device reconnecting resends what `stored` did not confirm): skipped and counted, so nothing
 * is analysed or stored twice.
 */
export class FeedbackPipeline {
  /** Newest timestamp accepted: anything at or before it is a resend. */
  newest = -Infinity;
  private last: LiveFeedback = IDLE_FEEDBACK;
  private readonly analyzer: LiveAnalyzer;

  constructor(
    config: AnalysisConfig,
    private frameSize: FrameSize | null,
  ) {
    this.analyzer = createLiveAnalyzer(config);
  }

  /** Feeds a stored frame back after eviction (no answer, no storage). */
  replay(frame: PoseFrame): void {
    if (frame.timestamp <= this.newest) return;
    this.newest = frame.timestamp;
    this.last = this.analyzer.push(frame, this.frameSize ?? undefined);
  }

  /** Analyses the new frames of a checked `frames` message and serialises the answer. */
  accept(frames: PoseFrameInput[], frameSize: FrameSize | null): Accepted {
    if (frameSize) this.frameSize = frameSize;
    const size = this.frameSize ?? undefined;
    const fresh: PoseFrameInput[] = [];
    let ignored = 0;
    for (const frame of frames) {
      if (frame.timestamp <= this.newest) {
        ignored++;
        continue;
      }
      this.newest = frame.timestamp;
      this.last = this.analyzer.push(frame as PoseFrame, size);
      fresh.push(frame);
    }
    return {
      fresh,
      ignored,
      reply: feedbackMessage(this.last, ignored),
      advanced: fresh.length > 0,
    };
  }

  /** The running analysis's session result so far (for `ready` after a reconnect). */
  summaryRepCount(): number {
    return this.analyzer.summary().rep_count;
  }
}

/** The `feedback` message; `ignored` only when some frames were resends. */
export function feedbackMessage(feedback: LiveFeedback, ignored: number): string {
  const out: LiveOut = { type: "feedback", ...feedback, ...(ignored > 0 && { ignored }) };
  return JSON.stringify(out);
}
