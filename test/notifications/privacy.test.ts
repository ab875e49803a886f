/**
 * What a notification may say and to whom: a family member's notification never carries the
 * message text (so no diagnosis), a recipient reading the chat (socket open in it) gets no
 * message notification, and a retried send or event notifies once.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { careTeamMembers } from "../../src/db/schema/patients";
import { uuidv7 } from "../../src/lib/ids";
import { notify, systemContext } from "../../src/modules/notifications/notifications.service";
import { careTeamChat, clientId, familyChat, openChat, sendText } from "../chats/helpers";
import { createClinic } from "../helpers/fixtures";
import { expectStatus } from "../helpers/http";
import { inbox, inboxOf, nextNotification, stream } from "./helpers";

const DIAGNOSIS = "rheumatoid arthritis";

describe("security: family notifications carry no clinical text", () => {
  it("the family member gets the sender and a fixed sentence; the patient gets the preview", async () => {
    const clinic = await createClinic();
    const chat = await familyChat(clinic);
    const familyWs = await stream(clinic.family);
    const patientWs = await stream(clinic.patientUser);
    expectStatus(
      await sendText(
        clinic.physio,
        chat.id,
        `Diagnosis confirmed: ${DIAGNOSIS}, flare in the left wrist.`,
      ),
      201,
    );
    const family = await nextNotification(familyWs);
    const patient = await nextNotification(patientWs);
    familyWs.close();
    patientWs.close();
    expect(family.data.title).toBe(`New message from ${clinic.physio.name}`);
    expect(family.data.body).toBe("Open the family update chat to read it.");
    for (const text of [JSON.stringify(family.data), JSON.stringify(await inbox(clinic.family))]) {
      expect(text).not.toMatch(/arthritis|diagnos|wrist|flare/i);
      expect(text).not.toContain("Family update"); // the chat's name
    }
    // The same event does reach the patient with the text: the check above can fail.
    expect(patient.data.body).toContain(DIAGNOSIS);
  });
});

describe("happy: who is already reading gets no message notification", () => {
  it("a recipient with the chat socket open is skipped; once it closes, the next message notifies", async () => {
    const clinic = await createClinic();
    const chat = await careTeamChat(clinic);
    const room = await openChat(clinic.patientUser, chat.id);
    expectStatus(await sendText(clinic.physio, chat.id, "while reading"), 201);
    await room.next(); // message:received in the room
    room.close();
    await room.closed;
    await new Promise((r) => setTimeout(r, 200));
    expectStatus(await sendText(clinic.physio, chat.id, "after leaving"), 201);
    const items = await inboxOf(clinic.patientUser, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await inbox(clinic.patientUser)).data.map((n) => n.body)).toEqual(["after leaving"]);
    expect(items[0].body).toBe("after leaving");
  });

  it("only the chat's audience now: a participant whose relation ended is not notified", async () => {
    const clinic = await createClinic();
    // The doctor joins the care team and the chat, then leaves the care team: still a
    // participant row, but outside the audience rule (chats.audience.ts) now.
    const db = drizzle(env.DB);
    const member = { id: uuidv7(), workspaceId: clinic.workspaceId, patientId: clinic.patient.id };
    await db.insert(careTeamMembers).values({
      ...member,
      userId: clinic.doctor.id,
      createdAt: new Date().toISOString(),
    });
    const chat = await careTeamChat(clinic, [clinic.doctor.id]);
    await db.delete(careTeamMembers).where(eq(careTeamMembers.id, member.id));
    expectStatus(await sendText(clinic.physio, chat.id, "team update"), 201);
    await inboxOf(clinic.patientUser, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await inbox(clinic.doctor)).data).toEqual([]);
  });
});

describe("errors: retries do not duplicate", () => {
  it("a resent message (same client id) notifies once", async () => {
    const clinic = await createClinic();
    const chat = await careTeamChat(clinic);
    const id = clientId();
    expectStatus(await sendText(clinic.physio, chat.id, "once", id), 201);
    const again = await sendText(clinic.physio, chat.id, "once", id);
    expect(again.status).toBeLessThan(300);
    await inboxOf(clinic.patientUser, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await inbox(clinic.patientUser)).data.length).toBe(1);
  });

  it("the same event notified twice stores, pushes and audits once", async () => {
    const clinic = await createClinic();
    const ws = await stream(clinic.physio);
    const ctx = systemContext(env as never);
    const input = {
      workspaceId: clinic.workspaceId,
      type: "note" as const,
      recipients: [clinic.physio.id],
      dedupeKey: "note:retry-test",
      link: "/clinical-notes/x",
      patientId: clinic.patient.id,
      content: () => ({ title: "Note ready to sign", body: "A note waits for you." }),
    };
    const first = await notify(ctx, input);
    const second = await notify(ctx, input);
    expect(first.created.length).toBe(1);
    expect(second.created).toEqual([]);
    await nextNotification(ws);
    ws.close();
    expect((await inbox(clinic.physio)).data.length).toBe(1);
    const audits = await env.DB.prepare(
      "select count(*) as n from audit_log where action = 'notification.created' and resource_id = ?",
    )
      .bind(first.created[0])
      .first<{ n: number }>();
    expect(audits!.n).toBe(1);
    // A link with anything but ids and path words is refused before anything is stored.
    await expect(
      notify(ctx, { ...input, dedupeKey: "x", link: "/chats?name=Jane Doe" }),
    ).rejects.toThrow();
  });
});
