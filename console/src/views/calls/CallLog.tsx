/**
 * `#/calls`: the caller's call log (`GET /call-logs`, newest first): who, which way, answered,
 * missed or declined, when and for how long; each row opens the call, and the other person can be
 * rung back. It refreshes itself when a call of this user ends (`call:ended` on the stream).
 */
import { useState } from "hono/jsx/dom";
import { api, type Schemas } from "../../api";
import { CallButton } from "../../components/CallButton";
import { useStream } from "../../stream";
import { fmt } from "../../ui";
import { Loading, useLoad } from "../../view";

type Log = Schemas["CallLog"];
type Filter = "" | "missed" | "answered" | "declined";

const STATUS: Record<Log["status"], string> = {
  answered: "Answered",
  missed: "Missed",
  declined: "Declined",
  ringing: "Ringing",
};

export function CallLogView() {
  const [filter, setFilter] = useState<Filter>("");
  const logs = useLoad(
    () =>
      api.GET("/api/v1/call-logs", {
        params: { query: { page_size: 50, ...(filter && { status: filter }) } },
      }),
    [filter],
  );
  useStream(["call:ended", "call:initiated", "resync"], logs.reload, []);

  return (
    <>
      <h2>Calls</h2>
      <p class="inline">
        <label for="call-filter">Show</label>
        <select
          id="call-filter"
          value={filter}
          onChange={(e: Event) => setFilter((e.target as HTMLSelectElement).value as Filter)}
        >
          <option value="">All calls</option>
          <option value="answered">Answered</option>
          <option value="missed">Missed</option>
          <option value="declined">Declined</option>
        </select>
        <button type="button" onClick={logs.reload}>
          Refresh
        </button>
      </p>
      <Loading loaded={logs}>
        {(list) =>
          list.length ? (
            <ul class="list call-log" id="call-log">
              {list.map((l) => (
                <li key={l.id} data-call={l.call_id} data-status={l.status}>
                  <a href={`#/calls/${l.call_id}`}>
                    <strong>{l.peers.map((p) => p.name).join(", ") || "—"}</strong>
                  </a>{" "}
                  <span class={`pill status-${l.status}`}>{STATUS[l.status]}</span>{" "}
                  {l.direction === "incoming" ? "incoming" : "outgoing"} {l.type} ·{" "}
                  {fmt.date(l.created_at)}
                  {l.duration ? <span class="duration"> · {l.duration}</span> : null}{" "}
                  {l.peers.length === 1 ? (
                    <CallButton userId={l.peers[0]!.id} name={l.peers[0]!.name} callType={l.type} />
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <p>No calls{filter ? ` (${STATUS[filter]})` : ""}.</p>
          )
        }
      </Loading>
    </>
  );
}
