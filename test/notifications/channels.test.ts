/**
 * Preferences decide the channels, and email/SMS go out only after the user stayed offline:
 * the fallback check (the delayed `notify_offline` job, run here with a later clock) queues an
 * email and/or SMS through the outbound outbox, PHI-free, once; a connected user, a read
 * notification, a disabled channel or `notifications_enabled: false` gets nothing on it.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runJob } from "../../src/jobs/consumer";
import {
  escalateNotification,
  fallbackText,
} from "../../src/modules/notifications/notifications.offline";
import { phiCipherFor } from "../../src/middleware/request-context";
import { careTeamChat, sendText } from "../chats/helpers";
import { createClinic, type Clinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { fallbackRows, inboxOf, later, nextNotification, noNotification, stream } from "./helpers";

const SECRET = "Your MRI shows a torn meniscus";

async function preferences(user: TestUser, body: Record<string, boolean>) {
  expectStatus(await api("PUT", "/api/v1/users/me/preferences", { token: user.token, body }), 200);
}

/** Sends one message to the patient (offline) and returns its notification id. */
async function messagePatient(clinic: Clinic, chatId: string, n: number) {
  expectStatus(await sendText(clinic.physio, chatId, SECRET), 201);
  const items = await inboxOf(clinic.patientUser, n);
  expect(items.length).toBe(n);
  return items[0].id as string;
}

const decrypt = (id: string, column: string, value: string) =>
  phiCipherFor(env as never).decrypt(value, { table: "outbound_messages", column, rowId: id });

describe("happy: email after the offline window, with no patient data", () => {
  it("queues one email (defaults: email on, SMS off); a redelivered check adds nothing", async () => {
    const clinic = await createClinic();
    const chat = await careTeamChat(clinic);
    const id = await messagePatient(clinic, chat.id, 1);
    // Before the window ends nothing is sent (the job re-queues itself for the rest).
    expect(await escalateNotification(env as never, id, new Date())).toBe("early");
    expect(await fallbackRows(clinic.workspaceId)).toEqual([]);
    const outcome = await escalateNotification(env as never, id, later());
    expect(outcome).toMatchObject({ queued: [expect.any(String)] });
    const rows = await fallbackRows(clinic.workspaceId);
    expect(rows.map((r) => r.channel)).toEqual(["email"]);
    const body = await decrypt(rows[0]!.id, "body", rows[0]!.body_enc);
    expect(body).toContain("You have a new message in rehab-edge");
    expect(body).toContain(`/chats/${chat.id}`);
    expect(body).not.toContain("meniscus");
    expect(body).not.toContain(clinic.physio.name);
    expect(body).toBe(fallbackText(env as never, "message", `/chats/${chat.id}`).email);
    // The queue redelivers the same check: decided once.
    expect(await escalateNotification(env as never, id, later())).toBe("decided");
    await runJob({ type: "notify_offline", notification_id: id }, env as never);
    expect((await fallbackRows(clinic.workspaceId)).length).toBe(1);
  });

  it("SMS only when the user turned SMS on and email off, to their phone", async () => {
    const clinic = await createClinic();
    await preferences(clinic.patientUser, { email_notifications: false, sms_notifications: true });
    expectStatus(
      await api("PUT", "/api/v1/users/me", {
        token: clinic.patientUser.token,
        body: { phone_number: "+15550002222" },
      }),
      200,
    );
    const chat = await careTeamChat(clinic);
    const id = await messagePatient(clinic, chat.id, 1);
    expect(await escalateNotification(env as never, id, later())).toMatchObject({
      queued: [expect.any(String)],
    });
    const rows = await fallbackRows(clinic.workspaceId);
    expect(rows.map((r) => r.channel)).toEqual(["sms"]);
    const body = await decrypt(rows[0]!.id, "body", rows[0]!.body_enc);
    expect(body).not.toContain("meniscus");
    const raw = await env.DB.prepare("select recipient_enc from outbound_messages where id = ?")
      .bind(rows[0]!.id)
      .first<{ recipient_enc: string }>();
    expect(await decrypt(rows[0]!.id, "recipient", raw!.recipient_enc)).toBe("+15550002222");
  });
});

describe("errors: no channel the preferences or presence rule out", () => {
  it("email and SMS off: the inbox keeps it, the outbox gets nothing", async () => {
    const clinic = await createClinic();
    await preferences(clinic.patientUser, { email_notifications: false, sms_notifications: false });
    const chat = await careTeamChat(clinic);
    const id = await messagePatient(clinic, chat.id, 1);
    expect(await escalateNotification(env as never, id, later())).toBe("no_channel");
    expect(await fallbackRows(clinic.workspaceId)).toEqual([]);
  });

  it("notifications_enabled false: no push on /ws, no email, still in the inbox", async () => {
    const clinic = await createClinic();
    await preferences(clinic.patientUser, { notifications_enabled: false });
    const chat = await careTeamChat(clinic);
    const ws = await stream(clinic.patientUser);
    expectStatus(await sendText(clinic.physio, chat.id, SECRET), 201);
    const [item] = await inboxOf(clinic.patientUser, 1);
    expect(item).toMatchObject({ type: "message" });
    expect(await noNotification(ws)).toBe(true);
    ws.close();
    await new Promise((r) => setTimeout(r, 200));
    // Offline since: the next one is not emailed either.
    const id = await messagePatient(clinic, chat.id, 2);
    expect(await escalateNotification(env as never, id, later())).toBe("no_channel");
    expect(await fallbackRows(clinic.workspaceId)).toEqual([]);
  });

  it("a user connected since the notification gets no email; nor does one who read it", async () => {
    const clinic = await createClinic();
    const chat = await careTeamChat(clinic);
    const ws = await stream(clinic.patientUser);
    expectStatus(await sendText(clinic.physio, chat.id, SECRET), 201);
    const pushed = await nextNotification(ws);
    expect(await escalateNotification(env as never, pushed.data.id, later())).toBe("online");
    ws.close();
    // Closed after the notification: they were online since, so still nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect(await escalateNotification(env as never, pushed.data.id, later())).toBe("decided");

    const id = await messagePatient(clinic, chat.id, 2);
    expectStatus(
      await api("POST", `/api/v1/notifications/${id}/read`, { token: clinic.patientUser.token }),
      200,
    );
    expect(await escalateNotification(env as never, id, later())).toBe("read");
    expect(await fallbackRows(clinic.workspaceId)).toEqual([]);
  });
});
