/**
 * The incoming-call overlay, on every page while signed in: `call:initiated` on the user stream
 * shows who rings with Answer and Decline; it goes away when the call is answered (by this user,
 * on another device too), ends (the caller cancelled, the ring timed out) or its ring expires.
 * Answer moves the line (`POST /calls/{id}/answer`) and opens the call page. At start (and after
 * a stream resync) the calls still ringing for this user are read from the call log.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api, session } from "../../api";
import { useStream } from "../../stream";
import { errorText } from "../../ui";

type Ringing = {
  callId: string;
  from: string;
  callType: string;
  expiresAt: number;
};

export function IncomingCalls() {
  const [ringing, setRinging] = useState<Ringing[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const answerButton = useRef<HTMLButtonElement>(null);
  const before = useRef<Element | null>(null);
  const me = session.user?.id;

  const drop = (callId: string) => setRinging((list) => list.filter((r) => r.callId !== callId));
  const add = (r: Ringing) =>
    setRinging((list) => (list.some((x) => x.callId === r.callId) ? list : [...list, r]));

  // A call that began ringing before this page loaded (or during a gap the stream could not
  // replay) is found in the call log and offered too.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    if (session.user?.role === "family") return; // family take no part in calls
    void (async () => {
      const logs = await api.GET("/api/v1/call-logs", {
        params: { query: { status: "ringing", direction: "incoming", page_size: 5 } },
      });
      for (const log of logs) {
        const call = await api.GET("/api/v1/calls/{id}", { params: { path: { id: log.call_id } } });
        const line = call.participants.find((p) => p.id === me);
        const caller = call.participants.find((p) => p.call_role === "caller");
        const expiresAt = Date.parse(call.ring_expires_at);
        if (!live || call.status !== "ringing" || line?.state !== "ringing" || !caller) continue;
        if (expiresAt > Date.now())
          add({ callId: call.id, from: caller.name, callType: call.call_type, expiresAt });
      }
    })().catch(() => undefined); // the stream still brings new rings; nothing to show in place
    return () => {
      live = false;
    };
  }, [tick]);
  useStream(["resync"], () => setTick((t) => t + 1));

  useStream(["call:initiated"], (data) => {
    const from = data.from as { id: string; name: string } | undefined;
    const expiresAt = Date.parse(String(data.ring_expires_at));
    // A replayed ring that already expired is not shown.
    if (!from || from.id === me || !(expiresAt > Date.now())) return;
    add({
      callId: String(data.call_id),
      from: from.name,
      callType: String(data.call_type),
      expiresAt,
    });
  });
  useStream(["call:answered"], (data) => {
    if (data.user_id === me) drop(String(data.call_id));
  });
  useStream(["call:ended"], (data) => drop(String(data.call_id)));

  const current = ringing[0];

  // The ring ends by itself at its expiry (the server's timer makes the line missed).
  useEffect(() => {
    if (!current) return;
    const timer = setTimeout(() => drop(current.callId), current.expiresAt - Date.now());
    return () => clearTimeout(timer);
  }, [current?.callId]);

  // Focus goes to Answer when a call rings, and back where it was when the overlay closes.
  useEffect(() => {
    if (current) {
      before.current ??= document.activeElement;
      setError(null);
      answerButton.current?.focus();
    } else if (before.current) {
      (before.current as HTMLElement).focus?.();
      before.current = null;
    }
  }, [current?.callId]);

  if (!current) return null;

  const answer = async () => {
    setBusy(true);
    try {
      await api.POST("/api/v1/calls/{id}/answer", { params: { path: { id: current.callId } } });
      before.current = null; // focus goes to the call page
      drop(current.callId);
      location.hash = `#/calls/${current.callId}`;
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const decline = async () => {
    setBusy(true);
    try {
      await api.POST("/api/v1/calls/{id}/decline", { params: { path: { id: current.callId } } });
      drop(current.callId);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const kind = current.callType === "video" ? "Video call" : "Voice call";
  return (
    <div class="incoming" id="incoming-call" data-call={current.callId}>
      <div
        class="incoming-card"
        role="alertdialog"
        aria-labelledby="incoming-title"
        aria-describedby="incoming-desc"
      >
        <h2 id="incoming-title">Incoming {kind.toLowerCase()}</h2>
        <p id="incoming-desc">
          <strong>{current.from}</strong> is calling you.
        </p>
        {error ? (
          <p class="error" role="alert">
            {error}{" "}
            <button type="button" class="link" onClick={() => drop(current.callId)}>
              Dismiss
            </button>
          </p>
        ) : null}
        <p class="inline">
          <button
            type="button"
            id="answer-call"
            class="answer"
            ref={answerButton}
            disabled={busy}
            onClick={answer}
          >
            Answer
          </button>
          <button type="button" id="decline-call" class="decline" disabled={busy} onClick={decline}>
            Decline
          </button>
        </p>
      </div>
    </div>
  );
}
