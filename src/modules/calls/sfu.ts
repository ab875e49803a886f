/**
 * Cloudflare Realtime (SFU) over its REST API (https://rtc.live.cloudflare.com/v1): used instead of
 * peer-to-peer when `CF_REALTIME_APP_ID` and `CF_REALTIME_APP_TOKEN` are configured. Each client
 * gets SFU sessions through the call room (never the app token): it sends its offer, the room
 * creates the session or adds tracks here and relays the SFU's answer back.
 *
 * Invariants: the token travels only in the Authorization header to the API; every response is
 * parsed with zod, and an API error or an unexpected shape is an ExternalServiceError (502), never
 * a crash; `fetch` is injectable so the client is tested against a scripted API.
 */
import { z } from "zod";
import { AppError } from "../../lib/errors";

export const SFU_BASE_URL = "https://rtc.live.cloudflare.com/v1";

export type SessionDescription = { type: "offer" | "answer"; sdp: string };

export const SessionDescription = z.object({
  type: z.enum(["offer", "answer"]),
  sdp: z
    .string()
    .min(1)
    .max(64 * 1024),
});

/** A track to publish (`local`, by its transceiver `mid`) or pull from another session. */
export const TrackRequest = z.union([
  z.object({
    location: z.literal("local"),
    mid: z.string().min(1).max(16),
    trackName: z.string().min(1).max(128),
  }),
  z.object({
    location: z.literal("remote"),
    sessionId: z.string().min(1).max(128),
    trackName: z.string().min(1).max(128),
  }),
]);
export type TrackRequest = z.infer<typeof TrackRequest>;

const NewSessionResponse = z.object({
  sessionId: z.string().min(1),
  sessionDescription: SessionDescription.optional(),
  errorCode: z.string().optional(),
  errorDescription: z.string().optional(),
});

const TracksResponse = z.object({
  requiresImmediateRenegotiation: z.boolean().optional(),
  sessionDescription: SessionDescription.optional(),
  tracks: z
    .array(
      z.object({
        mid: z.string().optional(),
        trackName: z.string().optional(),
        sessionId: z.string().optional(),
        errorCode: z.string().optional(),
        errorDescription: z.string().optional(),
      }),
    )
    .optional(),
  errorCode: z.string().optional(),
  errorDescription: z.string().optional(),
});
export type TracksResult = z.infer<typeof TracksResponse>;

/** 502: the SFU answered with an error or something we cannot read. */
export class SfuError extends AppError {
  constructor(message: string) {
    super("EXTERNAL_SERVICE_ERROR", message);
  }
}

export type SfuConfig = { appId: string; token: string };

/** The SFU settings of these bindings, or null (peer-to-peer) unless both are set. */
export function sfuConfig(env: {
  CF_REALTIME_APP_ID?: string;
  CF_REALTIME_APP_TOKEN?: string;
}): SfuConfig | null {
  const appId = env.CF_REALTIME_APP_ID?.trim();
  const token = env.CF_REALTIME_APP_TOKEN?.trim();
  return appId && token ? { appId, token } : null;
}

export class RealtimeSfu {
  constructor(
    private readonly config: SfuConfig,
    private readonly fetcher: typeof fetch = fetch,
    private readonly base = SFU_BASE_URL,
  ) {}

  private async call<T>(method: string, path: string, body: unknown, schema: z.ZodType<T>) {
    const url = `${this.base}/apps/${encodeURIComponent(this.config.appId)}${path}`;
    let res: Response;
    try {
      res = await this.fetcher(url, {
        method,
        headers: {
          authorization: `Bearer ${this.config.token}`,
          "content-type": "application/json",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new SfuError("The media server is unreachable");
    }
    const json: unknown = await res.json().catch(() => null);
    const parsed = schema.safeParse(json);
    const failed = !res.ok || !parsed.success || (parsed.data as { errorCode?: string }).errorCode;
    if (failed) throw new SfuError(`The media server refused the request (${res.status})`);
    return parsed.data as T;
  }

  /** Creates an SFU session (one WebRTC connection of one client), optionally with its offer. */
  newSession(offer?: SessionDescription) {
    const body = offer ? { sessionDescription: offer } : undefined;
    return this.call("POST", "/sessions/new", body, NewSessionResponse);
  }

  /**
   * Publishes local tracks (with the client's offer) or pulls remote ones into a session; the
   * result holds the SFU's answer (or an offer, when it asks to renegotiate).
   */
  addTracks(sessionId: string, tracks: TrackRequest[], offer?: SessionDescription) {
    const body = { ...(offer ? { sessionDescription: offer } : {}), tracks };
    return this.call(
      "POST",
      `/sessions/${encodeURIComponent(sessionId)}/tracks/new`,
      body,
      TracksResponse,
    );
  }

  /** Sends the client's answer after the SFU asked to renegotiate. */
  renegotiate(sessionId: string, answer: SessionDescription) {
    return this.call(
      "PUT",
      `/sessions/${encodeURIComponent(sessionId)}/renegotiate`,
      { sessionDescription: answer },
      TracksResponse,
    );
  }
}
