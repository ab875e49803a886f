/** Shared helpers of the notification tests: the user stream, the inbox, the outbox rows. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { openStream, type StreamEvent, type TestSocket } from "../realtime/socket";

/** Opens the user's `/ws` and waits for `ready`. */
export async function stream(user: TestUser): Promise<TestSocket> {
  const { socket } = await openStream(user.token);
  expect((await socket.next()).event).toBe("ready");
  return socket;
}

/** The next `notification:new` on a stream, skipping other events. */
export async function nextNotification(socket: TestSocket, timeoutMs = 5000): Promise<StreamEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no notification:new within ${timeoutMs} ms`);
    const e = await socket.next(left);
    if (e.event === "notification:new") return e;
  }
}

/** Resolves true if no `notification:new` arrives within `ms` (other events are skipped). */
export async function noNotification(socket: TestSocket, ms = 600) {
  try {
    await nextNotification(socket, ms);
    return false;
  } catch {
    return true;
  }
}

/** The seed's fields (seed 002 §3) and nothing carrying text besides title and body. */
export function expectSeedShape(event: StreamEvent, type: string) {
  expect(event.event).toBe("notification:new");
  expect(event.data, JSON.stringify(event.data)).toMatchObject({
    id: expect.any(String),
    type,
    title: expect.any(String),
    body: expect.any(String),
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    link: expect.stringMatching(/^\/[a-z0-9/-]+$/),
  });
}

export async function inbox(user: TestUser, query = "") {
  const res = expectStatus(
    await api("GET", `/api/v1/notifications${query ? `?${query}` : ""}`, { token: user.token }),
    200,
  );
  return res.body as { data: any[]; pagination: any };
}

/** Waits until the user's inbox holds `n` notifications (hooks run after the response). */
export async function inboxOf(user: TestUser, n: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await inbox(user);
    if (page.data.length >= n || Date.now() > deadline) return page.data;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Outbound email/SMS rows of a workspace made by the notification fallback. */
export async function fallbackRows(workspaceId: string) {
  const rows = await env.DB.prepare(
    `select id, channel, template, body_enc from outbound_messages
     where workspace_id = ? and template like 'notification_%' order by created_at`,
  )
    .bind(workspaceId)
    .all<{ id: string; channel: string; template: string; body_enc: string }>();
  return rows.results;
}

export const later = (minutes = 10) => new Date(Date.now() + minutes * 60_000);
