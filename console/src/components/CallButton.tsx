/**
 * Rings someone through the calls API (`POST /calls/initiate`) and opens the call page
 * (`#/calls/{id}`), which joins the call room and waits for the answer. Give the person's user id
 * (`userId`), or a patient record's id (`patientId`): the patient's login is then read from the
 * chart when the button is pressed. Whom one may ring is the API's rule (care team, staff); its
 * refusal is shown beside the button.
 *
 * One Idempotency-Key per intended call: a click retried after a network error rings once.
 */
import { useState } from "hono/jsx/dom";
import { api, ApiError, idempotent } from "../api";
import { errorText } from "../ui";
import { island } from "../view";

export type CallButtonProps = {
  /** The user to ring. */
  userId?: string;
  /** Or the patient whose login to ring. */
  patientId?: string;
  /** Who is rung (the button's accessible name says it). */
  name: string;
  callType?: "video" | "voice";
};

async function recipientOf(props: CallButtonProps): Promise<string> {
  if (props.userId) return props.userId;
  const patient = await api.GET("/api/v1/patients/{id}", {
    params: { path: { id: props.patientId! } },
  });
  const userId = "user_id" in patient ? patient.user_id : null;
  if (!userId) throw new Error(`${props.name} has no login to ring yet.`);
  return userId;
}

export function CallButton(props: CallButtonProps) {
  const callType = props.callType ?? "video";
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(() => crypto.randomUUID());

  const ring = async () => {
    setBusy(true);
    setError(null);
    try {
      const recipient = await recipientOf(props);
      const call = await api.POST("/api/v1/calls/initiate", {
        body: { recipient_id: recipient, call_type: callType },
        ...idempotent(key),
      });
      setKey(crypto.randomUUID());
      location.hash = `#/calls/${call.id}`;
    } catch (e) {
      const fields = e instanceof ApiError ? (e.fields ?? []) : [];
      // A refused recipient comes back as recipient_id / recipient_ids.N: say it plainly.
      setError(
        fields.some((f) => f.field.includes("recipient"))
          ? `You cannot ring ${props.name}: ${fields.map((f) => f.message).join("; ")}`
          : errorText(e),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <span class="call-button">
      <button
        type="button"
        class="call"
        data-call={props.userId ?? props.patientId}
        aria-label={`${callType === "video" ? "Video call" : "Voice call"} ${props.name}`}
        disabled={busy}
        onClick={ring}
      >
        {busy ? "Ringing…" : callType === "video" ? "Video call" : "Call"}
      </button>
      {error ? (
        <span class="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

/** The button inside a hand-built page (ui.ts `h`), unmounted with the page. */
export function callButtonIsland(props: CallButtonProps): HTMLElement {
  const host = island(<CallButton {...props} />);
  host.className = "call-island";
  return host;
}
