/** Calls in tests: ringing someone over HTTP, opening a call's room, reading D1 rows. */
import { env } from "cloudflare:test";
import type { TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { upgrade, wrapSocket, type StreamEvent, type TestSocket } from "../realtime/socket";

export async function initiate(
  from: TestUser,
  to: TestUser | TestUser[],
  callType: "voice" | "video" = "video",
  headers: Record<string, string> = {},
) {
  const body = Array.isArray(to)
    ? { recipient_ids: to.map((u) => u.id), call_type: callType }
    : { recipient_id: to.id, call_type: callType };
  const res = expectStatus(
    await api("POST", "/api/v1/calls/initiate", { token: from.token, body, headers }),
    201,
  );
  return res.body.data as { id: string; status: string; [k: string]: any };
}

export const move = (user: TestUser, callId: string, verb: "answer" | "decline" | "end") =>
  api("POST", `/api/v1/calls/${callId}/${verb}`, { token: user.token });

/** Opens the call room with the token in the subprotocol, as browsers do. */
export async function openCall(user: TestUser, callId: string): Promise<TestSocket> {
  const res = await upgrade(`/parties/call/${callId}`, {
    "sec-websocket-protocol": `rehab.v1, bearer.${user.token}`,
  });
  if (res.status !== 101 || !res.webSocket) {
    throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  }
  return wrapSocket(res.webSocket);
}

/** The next event of a kind, skipping others (peer:joined, call:state…). */
export async function nextOf(
  socket: TestSocket,
  event: string,
  timeoutMs = 3000,
): Promise<StreamEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no ${event} within ${timeoutMs} ms`);
    const e = await socket.next(left);
    if (e.event === event) return e;
  }
}

export async function callRow(id: string) {
  return env.DB.prepare("select * from calls where id = ?").bind(id).first<Record<string, any>>();
}

export async function lineStates(id: string) {
  const rows = await env.DB.prepare(
    "select user_id, state from call_participants where call_id = ?",
  )
    .bind(id)
    .all<{ user_id: string; state: string }>();
  return Object.fromEntries(rows.results.map((r) => [r.user_id, r.state]));
}

export async function auditActions(resourceId: string) {
  const rows = await env.DB.prepare(
    "select action, outcome from audit_log where resource_id = ? order by created_at",
  )
    .bind(resourceId)
    .all<{ action: string; outcome: string }>();
  return rows.results;
}

export const roomStub = (callId: string) => env.CallRoom.get(env.CallRoom.idFromName(callId));
