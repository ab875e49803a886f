/**
 * `#/calls/{id}`: one call. The caller waits here while it rings (and may cancel); a recipient
 * whose line rings may answer or decline here too. Once the line is in the call the page takes
 * the camera and microphone and joins the call room (`CallLink`): the others' video and the own
 * preview, mute and camera toggles, hang up. The call's state comes from `GET /calls/{id}`, then
 * from the user stream (`call:answered`, `call:ended`) and the room (`call:state`), so both sides
 * see the end whoever hangs up.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api, session, type Schemas } from "../../api";
import { useStream } from "../../stream";
import { errorText } from "../../ui";
import { CallLink, type PeerState } from "./rtc";

type Call = Schemas["Call"];
type Person = Call["participants"][number];

const TERMINAL = new Set(["ended", "missed", "declined"]);

/** Whether this user's line is in the call room now. */
function inRoom(call: Call, me: string): boolean {
  const line = call.participants.find((p) => p.id === me);
  if (!line || TERMINAL.has(call.status)) return false;
  if (line.call_role === "caller") return line.state === "joined";
  return call.status === "active" && line.state === "joined";
}

function elapsed(since: string | null, now: number): string {
  if (!since) return "";
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

function Video(props: {
  stream: MediaStream | null;
  muted?: boolean;
  id?: string;
  peer?: string;
  label: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = props.stream;
    if (props.stream) void el.play().catch(() => undefined);
  }, [props.stream]);
  return (
    <figure class={props.peer ? "tile remote" : "tile local"}>
      <video
        ref={ref}
        id={props.id}
        data-peer={props.peer}
        class={props.peer ? "remote-video" : "local-video"}
        autoplay
        playsinline
        muted={props.muted}
      />
      <figcaption>{props.label}</figcaption>
    </figure>
  );
}

export function CallView(props: { callId: string }) {
  const me = session.user!.id;
  const [call, setCall] = useState<Call | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<{ status: number | null; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [remotes, setRemotes] = useState<Record<string, MediaStream>>({});
  const [peerStates, setPeerStates] = useState<Record<string, PeerState>>({});
  const [muted, setMuted] = useState(false);
  const [cameraOff, setCameraOff] = useState(false);
  const [now, setNow] = useState(Date.now());
  const [announce, setAnnounce] = useState("");
  const [tick, setTick] = useState(0);
  const link = useRef<CallLink | null>(null);

  useEffect(() => {
    let live = true;
    api.GET("/api/v1/calls/{id}", { params: { path: { id: props.callId } } }).then(
      (c) => {
        if (!live) return;
        setCall(c);
        setLoadError(null);
      },
      (e) =>
        live &&
        setLoadError({ status: (e as { status?: number }).status ?? null, text: errorText(e) }),
    );
    return () => {
      live = false;
    };
  }, [props.callId, tick]);
  const reload = () => setTick((t) => t + 1);

  // The stream tells both sides when a line joins and when the call is over.
  useStream(
    ["call:answered", "call:ended"],
    (data, frame) => {
      if (data.call_id !== props.callId) return;
      if (frame.event === "call:answered") {
        setCall((c) =>
          c && !TERMINAL.has(c.status)
            ? {
                ...c,
                status: "active",
                answered_at: c.answered_at ?? (data.answered_at as string | null),
                participants: c.participants.map((p) =>
                  p.id === data.user_id ? { ...p, state: "joined" } : p,
                ),
              }
            : c,
        );
      } else {
        setCall((c) =>
          c
            ? {
                ...c,
                status: data.status as Call["status"],
                ended_at: data.ended_at as string | null,
                duration: data.duration as string | null,
                duration_seconds: data.duration_seconds as number | null,
              }
            : c,
        );
      }
    },
    [props.callId],
  );
  useStream(["resync"], reload, []);

  const joinable = call ? inRoom(call, me) : false;

  // In the room: camera and microphone, then the room. Leaving (end, navigation) stops both.
  useEffect(() => {
    if (!joinable || !call) return;
    let stopped = false;
    let media: MediaStream | null = null;
    const audioOnly = call.call_type === "voice";
    navigator.mediaDevices
      .getUserMedia({ audio: true, video: !audioOnly })
      .catch((e: Error) => {
        setMediaError(
          `Your ${audioOnly ? "microphone" : "camera or microphone"} is not available (${e.name}). You can still see and hear the others.`,
        );
        return null;
      })
      .then((stream) => {
        if (stopped) return stream?.getTracks().forEach((t) => t.stop());
        media = stream;
        setLocal(stream);
        link.current = new CallLink(props.callId, me, stream, {
          remote: (peer, s) =>
            setRemotes((r) => {
              const next = { ...r };
              if (s) next[peer] = s;
              else delete next[peer];
              return next;
            }),
          peerState: (peer, state) => {
            setPeerStates((p) => ({ ...p, [peer]: state }));
            if (state === "connected") setAnnounce(`Connected with ${nameOf(peer)}.`);
            if (state === "waiting") setAnnounce("");
          },
          room: (event, data) => {
            if (event === "call:state") {
              const lines = (data.lines as { user_id: string; state: Person["state"] }[]) ?? [];
              setCall((c) =>
                c
                  ? {
                      ...c,
                      status: data.status as Call["status"],
                      participants: c.participants.map((p) => ({
                        ...p,
                        state: lines.find((l) => l.user_id === p.id)?.state ?? p.state,
                      })),
                    }
                  : c,
              );
              if (TERMINAL.has(String(data.status))) reload();
            } else if (event === "error") setError(String(data.message ?? "Signalling error"));
          },
          closed: (code) => {
            // 4000: the call is over; read its final state (duration) from the API.
            if (code !== 4000) setError("The call's connection closed.");
            reload();
          },
        });
      });
    return () => {
      stopped = true;
      link.current?.close();
      link.current = null;
      media?.getTracks().forEach((t) => t.stop());
      setLocal(null);
      setRemotes({});
    };
  }, [joinable]);

  // The call's clock while it is active.
  useEffect(() => {
    if (call?.status !== "active") return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [call?.status]);

  useEffect(() => {
    if (!call) return;
    if (call.status === "ringing") setAnnounce(`Ringing ${others(call)}…`);
    else if (TERMINAL.has(call.status))
      setAnnounce(
        call.status === "ended"
          ? `Call ended${call.duration ? ` after ${call.duration}` : ""}.`
          : `Call ${call.status}.`,
      );
  }, [call?.status]);

  function nameOf(id: string) {
    return call?.participants.find((p) => p.id === id)?.name ?? "the other side";
  }

  const act = async (verb: "answer" | "decline" | "end") => {
    setBusy(true);
    setError(null);
    try {
      const path = `/api/v1/calls/{id}/${verb}` as const;
      const next = await api.POST(path, { params: { path: { id: props.callId } } });
      setCall(next);
    } catch (e) {
      setError(errorText(e));
      reload();
    } finally {
      setBusy(false);
    }
  };

  const toggleMute = () => {
    const next = !muted;
    local?.getAudioTracks().forEach((t) => (t.enabled = !next));
    setMuted(next);
  };
  const toggleCamera = () => {
    const next = !cameraOff;
    local?.getVideoTracks().forEach((t) => (t.enabled = !next));
    setCameraOff(next);
  };

  if (loadError)
    return (
      <>
        <h2>Call</h2>
        <p class="error" role="alert">
          {loadError.status === 404 ? "That call is not one of yours." : loadError.text}{" "}
          <a href="#/calls">Call log</a>
        </p>
      </>
    );
  if (!call) return <p aria-busy="true">Loading…</p>;

  const mine = call.participants.find((p) => p.id === me);
  const over = TERMINAL.has(call.status);
  const ringingHere = call.status === "ringing" && mine?.call_role === "recipient";
  const peers = call.participants.filter((p) => p.id !== me);

  return (
    <section class="call-page" aria-labelledby="call-title" data-status={call.status}>
      <h2 id="call-title">
        {call.call_type === "video" ? "Video call" : "Voice call"} with {others(call)}
      </h2>
      <p id="call-state" class="pill" data-state={call.status}>
        {stateText(call, now)}
      </p>
      <p class="sr-only" aria-live="polite" id="call-live">
        {announce}
      </p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {mediaError ? (
        <p class="error" role="alert">
          {mediaError}
        </p>
      ) : null}

      {ringingHere ? (
        <p class="inline">
          <button type="button" class="answer" disabled={busy} onClick={() => act("answer")}>
            Answer
          </button>
          <button type="button" class="decline" disabled={busy} onClick={() => act("decline")}>
            Decline
          </button>
        </p>
      ) : null}

      {joinable ? (
        <>
          <div class="tiles">
            {peers.map((p) => (
              <Video
                stream={remotes[p.id] ?? null}
                peer={p.id}
                label={`${p.name}: ${peerText(peerStates[p.id], p.state)}`}
              />
            ))}
            {call.call_type === "video" ? (
              <Video
                stream={local}
                muted
                id="local-video"
                label={cameraOff ? "You (camera off)" : "You"}
              />
            ) : null}
          </div>
          <p class="inline call-controls">
            <button
              type="button"
              id="mute"
              aria-pressed={muted ? "true" : "false"}
              disabled={!local?.getAudioTracks().length}
              onClick={toggleMute}
            >
              {muted ? "Unmute" : "Mute"}
            </button>
            {call.call_type === "video" ? (
              <button
                type="button"
                id="camera"
                aria-pressed={cameraOff ? "true" : "false"}
                disabled={!local?.getVideoTracks().length}
                onClick={toggleCamera}
              >
                {cameraOff ? "Camera on" : "Camera off"}
              </button>
            ) : null}
            <button
              type="button"
              id="hang-up"
              class="decline"
              disabled={busy}
              onClick={() => act("end")}
            >
              {call.status === "ringing" ? "Cancel call" : "Hang up"}
            </button>
          </p>
        </>
      ) : null}

      {over ? (
        <p>
          <a href="#/calls">Call log</a> · <a href="#/">Home</a>
        </p>
      ) : null}
    </section>
  );
}

function others(call: Call): string {
  const me = session.user?.id;
  return (
    call.participants
      .filter((p) => p.id !== me)
      .map((p) => p.name)
      .join(", ") || "—"
  );
}

function stateText(call: Call, now: number): string {
  switch (call.status) {
    case "ringing":
      return "Ringing…";
    case "active":
      return `In call ${elapsed(call.answered_at, now)}`;
    case "ended":
      return `Ended${call.duration ? ` · ${call.duration}` : ""}`;
    case "declined":
      return "Declined";
    case "missed":
      return "Missed (nobody answered)";
  }
}

function peerText(state: PeerState | undefined, line: Person["state"]): string {
  if (line === "ringing") return "ringing";
  if (line === "declined" || line === "missed" || line === "left") return line;
  if (!state || state === "waiting" || state === "new") return "joining";
  return state;
}
