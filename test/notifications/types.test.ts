/**
 * Every notification type reaches the recipient's `/ws` as seed 002 §3 shows it
 * (`notification:new { id, type, title, body, timestamp, link }`) and lands in their inbox:
 * a new message, a declined and a missed call, a note ready to sign and signed, a session
 * awaiting review. Then the inbox: unread filter, paging, read, read-all, another user's id.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { careTeamMembers } from "../../src/db/schema/patients";
import { uuidv7 } from "../../src/lib/ids";
import { expireCall } from "../../src/modules/calls/calls.service";
import { notifySessionReview } from "../../src/modules/notifications/notifications.content";
import { systemContext } from "../../src/modules/notifications/notifications.service";
import { drizzle } from "drizzle-orm/d1";
import { initiate, move } from "../calls/helpers";
import { careTeamChat, sendText } from "../chats/helpers";
import { N, PASSWORD, soap } from "../clinical-notes/helpers";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { expectSeedShape, inbox, inboxOf, nextNotification, stream } from "./helpers";

describe("happy: each type is published with the seed's fields and kept in the inbox", () => {
  it("a new message: sender's name in the title, a preview in the body, the chat as link", async () => {
    const clinic = await createClinic();
    const chat = await careTeamChat(clinic);
    const ws = await stream(clinic.patientUser);
    expectStatus(await sendText(clinic.physio, chat.id, "How are you feeling today?"), 201);
    const event = await nextNotification(ws);
    ws.close();
    expectSeedShape(event, "message");
    expect(event.data.title).toBe(`New message from ${clinic.physio.name}`);
    expect(event.data.body).toBe("How are you feeling today?");
    expect(event.data.link).toBe(`/chats/${chat.id}`);
    const [item] = await inboxOf(clinic.patientUser, 1);
    expect(item).toMatchObject({ id: event.data.id, type: "message", read_at: null });
    // The sender is not notified of their own message.
    expect(await inbox(clinic.physio)).toMatchObject({ data: [] });
    // Stored encrypted: the raw row holds neither the title nor the body.
    const raw = await env.DB.prepare("select * from notifications where id = ?")
      .bind(event.data.id)
      .first();
    expect(JSON.stringify(raw)).not.toContain("feeling");
    expect(JSON.stringify(raw)).not.toContain(clinic.physio.name);
    // It concerns a patient: audited, ids only.
    const audit = await env.DB.prepare(
      "select metadata from audit_log where action = 'notification.created' and resource_id = ?",
    )
      .bind(event.data.id)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit!.metadata)).toMatchObject({
      patient_id: clinic.patient.id,
      type: "message",
    });
  });

  it("a declined call tells the caller; a missed call tells the recipient", async () => {
    const clinic = await createClinic();
    const physioWs = await stream(clinic.physio);
    const patientWs = await stream(clinic.patientUser);
    const declined = await initiate(clinic.physio, clinic.patientUser, "video");
    expectStatus(await move(clinic.patientUser, declined.id, "decline"), 200);
    const d = await nextNotification(physioWs);
    expectSeedShape(d, "call");
    expect(d.data).toMatchObject({
      title: `${clinic.patientUser.name} declined your call`,
      body: "Declined video call",
      link: `/calls/${declined.id}`,
    });

    const missed = await initiate(clinic.physio, clinic.patientUser, "voice");
    expect(await expireCall(env as never, clinic.workspaceId, missed.id)).toBe(true);
    const m = await nextNotification(patientWs);
    physioWs.close();
    patientWs.close();
    expectSeedShape(m, "call");
    expect(m.data).toMatchObject({
      title: `Missed call from ${clinic.physio.name}`,
      body: "Missed voice call",
      link: `/calls/${missed.id}`,
    });
    expect((await inbox(clinic.patientUser)).data.map((n) => n.id)).toEqual([m.data.id]);
    expect((await inbox(clinic.physio)).data.map((n) => n.id)).toEqual([d.data.id]);
  });

  it("a finalized note is ready to sign for its author; a signed note tells the care team", async () => {
    const clinic = await createClinic();
    // The doctor joins the patient's care team, so someone besides the signer hears of it.
    await drizzle(env.DB).insert(careTeamMembers).values({
      id: uuidv7(),
      workspaceId: clinic.workspaceId,
      patientId: clinic.patient.id,
      userId: clinic.doctor.id,
      createdAt: new Date().toISOString(),
    });
    const physioWs = await stream(clinic.physio);
    const doctorWs = await stream(clinic.doctor);
    const created = expectStatus(
      await api("POST", N, {
        token: clinic.physio.token,
        body: { patient_id: clinic.patient.id, template_type: "soap", sections: soap },
      }),
      201,
    ).body.data;
    expectStatus(
      await api("POST", `${N}/${created.id}/finalize`, { token: clinic.physio.token }),
      200,
    );
    const ready = await nextNotification(physioWs);
    expectSeedShape(ready, "note");
    expect(ready.data).toMatchObject({
      title: "Note ready to sign",
      link: `/clinical-notes/${created.id}`,
    });
    expectStatus(
      await api("POST", `${N}/${created.id}/sign`, {
        token: clinic.physio.token,
        body: { password: PASSWORD },
      }),
      200,
    );
    const signed = await nextNotification(doctorWs);
    physioWs.close();
    doctorWs.close();
    expectSeedShape(signed, "note");
    expect(signed.data.title).toBe("Note signed");
    expect(signed.data.body).toContain(clinic.physio.name);
    // Never the note's clinical text.
    for (const event of [ready, signed]) {
      expect(JSON.stringify(event.data)).not.toContain("knee");
      expect(JSON.stringify(event.data)).not.toContain("132/84");
    }
  });

  it("a session awaiting review reaches the care team's clinicians", async () => {
    const clinic = await createClinic();
    const ws = await stream(clinic.physio);
    const session = {
      id: uuidv7(),
      patientId: clinic.patient.id,
      repCount: 10,
      qualityScore: 0.82,
    };
    await notifySessionReview(systemContext(env as never), clinic.workspaceId, session, "squat");
    const event = await nextNotification(ws);
    ws.close();
    expectSeedShape(event, "session");
    expect(event.data).toMatchObject({
      title: "Session awaiting review",
      body: "squat session: 10 reps, quality 82%.",
      link: `/sessions/${session.id}`,
      kind: "session.review_pending",
      session_id: session.id,
    });
    // Family and patients never get the review queue's notifications.
    expect(await inbox(clinic.family)).toMatchObject({ data: [] });
  });
});

describe("happy: the inbox", () => {
  it("filters unread, pages, marks one read and then all read", async () => {
    const clinic = await createClinic();
    const chat = await careTeamChat(clinic);
    for (const text of ["one", "two", "three"]) {
      expectStatus(await sendText(clinic.physio, chat.id, text), 201);
    }
    const all = await inboxOf(clinic.patientUser, 3);
    expect(all.map((n) => n.body)).toEqual(["three", "two", "one"]);
    const page = await inbox(clinic.patientUser, "page=2&page_size=2");
    expect(page.pagination).toEqual({ page: 2, page_size: 2, total_items: 3, total_pages: 2 });
    expect(page.data.map((n) => n.body)).toEqual(["one"]);

    const read = expectStatus(
      await api("POST", `/api/v1/notifications/${all[1].id}/read`, {
        token: clinic.patientUser.token,
      }),
      200,
    ).body.data;
    expect(read).toMatchObject({ id: all[1].id, read_at: expect.any(String) });
    // Again: still read, at the first time.
    const again = expectStatus(
      await api("POST", `/api/v1/notifications/${all[1].id}/read`, {
        token: clinic.patientUser.token,
      }),
      200,
    ).body.data;
    expect(again.read_at).toBe(read.read_at);
    const unread = await inbox(clinic.patientUser, "unread=true");
    expect(unread.data.map((n) => n.body)).toEqual(["three", "one"]);
    expect(unread.pagination.total_items).toBe(2);

    const all2 = expectStatus(
      await api("POST", "/api/v1/notifications/read-all", { token: clinic.patientUser.token }),
      200,
    ).body.data;
    expect(all2.updated).toBe(2);
    expect((await inbox(clinic.patientUser, "unread=true")).data).toEqual([]);
  });
});

describe("security: a user reads and marks only their own", () => {
  it("another user's notification is 404 (audited) and read-all leaves others' alone", async () => {
    const clinic = await createClinic();
    const chat = await careTeamChat(clinic);
    expectStatus(await sendText(clinic.physio, chat.id, "hello"), 201);
    const [mine] = await inboxOf(clinic.patientUser, 1);
    for (const user of [clinic.physio, clinic.admin, clinic.family]) {
      const res = await api("POST", `/api/v1/notifications/${mine.id}/read`, { token: user.token });
      expect(res.status, res.text).toBe(404);
      expectStatus(await api("POST", "/api/v1/notifications/read-all", { token: user.token }), 200);
    }
    const other = await createClinic();
    const res = await api("POST", `/api/v1/notifications/${mine.id}/read`, {
      token: other.patientUser.token,
    });
    expect(res.status).toBe(404);
    expect((await inbox(clinic.patientUser, "unread=true")).data.map((n) => n.id)).toEqual([
      mine.id,
    ]);
    const bad = await api("GET", "/api/v1/notifications?unread=maybe&page_size=1000", {
      token: clinic.patientUser.token,
    });
    expect(bad.status, bad.text).toBe(422);
    expect(bad.text).toContain("unread");
    expect(bad.text).toContain("page_size");
  });
});
