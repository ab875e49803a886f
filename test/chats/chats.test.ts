/** Chats over HTTP: create by type, list with unread and pinned, get with cursor pages, participants, delete. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { careTeamChat, familyChat, sendText } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Chat Clinic");
});

describe("happy", () => {
  it("creates a care-team chat, sends, lists with last message and unread, pages by cursor", async () => {
    const chat = await careTeamChat(clinic);
    for (let i = 1; i <= 5; i++) {
      const res = await sendText(clinic.physio, chat.id, `Exercise note ${i}`);
      expect(res.status, res.text).toBe(201);
      expect(res.body.data.seq).toBe(i);
    }
    const list = await api("GET", "/api/v1/chats", { token: clinic.patientUser.token });
    const item = list.body.data.find((c: any) => c.id === chat.id);
    expect(item, list.text).toMatchObject({
      unread_count: 5,
      last_message: "Exercise note 5",
      type: "Care Team",
      name: "Care Team - knee rehab",
    });
    const page1 = await api("GET", `/api/v1/chats/${chat.id}?limit=2`, {
      token: clinic.patientUser.token,
    });
    expect(page1.body.data.messages.map((m: any) => m.seq)).toEqual([5, 4]);
    expect(page1.body.data.participants).toHaveLength(2);
    const page2 = await api(
      "GET",
      `/api/v1/chats/${chat.id}?limit=2&before_seq=${page1.body.data.next_before_seq}`,
      { token: clinic.patientUser.token },
    );
    expect(page2.body.data.messages.map((m: any) => m.content)).toEqual([
      "Exercise note 3",
      "Exercise note 2",
    ]);
    const readAll = await api("POST", `/api/v1/chats/${chat.id}/messages/read-all`, {
      token: clinic.patientUser.token,
    });
    expect(readAll.body.data.last_read_seq).toBe(5);
    const after = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.physio.token });
    expect(after.body.data.messages[0].is_read, "the sender sees it was read").toBe(true);
    const mine = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.patientUser.token });
    expect(mine.body.data.unread_count).toBe(0);
  });

  it("edits keeping the original, soft-deletes, read receipt per message", async () => {
    const chat = await careTeamChat(clinic);
    const sent = await sendText(clinic.physio, chat.id, "Do 3 sets");
    const id = sent.body.data.id;
    const edit = await api("PUT", `/api/v1/messages/${id}`, {
      token: clinic.physio.token,
      body: { content: "Do 4 sets" },
    });
    expect(edit.status, edit.text).toBe(200);
    expect(edit.body.data.edited_at).toBeTruthy();
    const raw = await env.DB.prepare("select * from chat_messages where id = ?")
      .bind(id)
      .first<any>();
    expect(raw.original_body_enc, "the original is kept").toBeTruthy();
    expect(JSON.stringify(raw)).not.toContain("sets");
    const read = await api("POST", `/api/v1/messages/${id}/read`, {
      token: clinic.patientUser.token,
    });
    expect(read.body.data.last_read_seq).toBe(1);
    const del = await api("DELETE", `/api/v1/messages/${id}`, { token: clinic.physio.token });
    expect(del.status, del.text).toBe(204);
    const got = await api("GET", `/api/v1/messages/${id}`, { token: clinic.patientUser.token });
    expect(got.body.data).toMatchObject({ content: null, seq: 1 });
    expect(got.body.data.deleted_at).toBeTruthy();
  });

  it("pins per user, filters pinned, adds and removes participants, soft-deletes the chat", async () => {
    const chat = await careTeamChat(clinic);
    const pin = await api("POST", `/api/v1/chats/${chat.id}/pin`, {
      token: clinic.patientUser.token,
    });
    expect(pin.body.data.is_pinned).toBe(true);
    const pinned = await api("GET", "/api/v1/chats?pinned=true", {
      token: clinic.patientUser.token,
    });
    expect(pinned.body.data.map((c: any) => c.id)).toEqual([chat.id]);
    const add = await api("POST", `/api/v1/chats/${chat.id}/participants`, {
      token: clinic.physio.token,
      body: { user_id: clinic.admin.id },
    });
    expect(add.status, add.text).toBe(200);
    expect(add.body.data.participants).toHaveLength(3);
    const rm = await api("DELETE", `/api/v1/chats/${chat.id}/participants/${clinic.admin.id}`, {
      token: clinic.physio.token,
    });
    expect(rm.status, rm.text).toBe(204);
    const gone = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.admin.token });
    expect(gone.status).toBe(404);
    expect(
      (await api("DELETE", `/api/v1/chats/${chat.id}`, { token: clinic.physio.token })).status,
    ).toBe(204);
    expect(
      (await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.physio.token })).status,
    ).toBe(404);
    const row = await env.DB.prepare("select deleted_at from chats where id = ?")
      .bind(chat.id)
      .first<any>();
    expect(row.deleted_at, "soft delete keeps the row").toBeTruthy();
  });

  it("a family member with the chat scope reads and writes in a Family Update chat", async () => {
    const chat = await familyChat(clinic);
    const res = await sendText(clinic.family, chat.id, "How did today go?");
    expect(res.status, res.text).toBe(201);
  });
});

describe("errors", () => {
  it("names the bad fields: type rules, missing patient, Direct size, unknown users", async () => {
    const bad = async (body: unknown, field: string) => {
      const res = await api("POST", "/api/v1/chats", { token: clinic.physio.token, body });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
    };
    await bad(
      { name: "x", type: "Care Team", participant_ids: [clinic.patientUser.id] },
      "patient_id",
    );
    await bad({ name: "x", type: "SMS", participant_ids: [clinic.nurse.id] }, "phone_number");
    await bad(
      { name: "x", type: "Direct", participant_ids: [clinic.nurse.id, clinic.doctor.id] },
      "participant_ids",
    );
    await bad(
      { name: "x", type: "Internal Staff", participant_ids: [clinic.patientUser.id] },
      "participant_ids.1",
    );
    await bad(
      { name: "x", type: "Direct", participant_ids: [clinic.family.id] },
      "participant_ids.1",
    );
    await bad(
      {
        name: "x",
        type: "Care Team",
        patient_id: clinic.patient.id,
        participant_ids: [clinic.family.id],
      },
      "participant_ids.1",
    );
    await bad({ name: "", type: "Nope", participant_ids: [] }, "type");
    const other = await createClinic();
    await bad(
      { name: "x", type: "Internal Staff", participant_ids: [other.nurse.id] },
      "participant_ids.1",
    );
  });

  it("refuses empty and oversized messages, and edits by someone else", async () => {
    const chat = await careTeamChat(clinic);
    const empty = await api("POST", `/api/v1/chats/${chat.id}/messages`, {
      token: clinic.physio.token,
      body: { type: "text", content: "  " },
    });
    expect(empty.status).toBe(422);
    const huge = await sendText(clinic.physio, chat.id, "x".repeat(9000));
    expect(huge.status).toBe(422);
    const sent = await sendText(clinic.physio, chat.id, "hello");
    const edit = await api("PUT", `/api/v1/messages/${sent.body.data.id}`, {
      token: clinic.patientUser.token,
      body: { content: "changed" },
    });
    // Not the sender: the same 404 as an unknown message (no existence oracle).
    expect(edit.status).toBe(404);
  });
});

describe("security", () => {
  it("a family member whose grant lost the chat scope can no longer read", async () => {
    const chat = await familyChat(clinic);
    await env.DB.prepare("update family_access set scopes = ? where family_user_id = ?")
      .bind(JSON.stringify(["session_summaries"]), clinic.family.id)
      .run();
    try {
      const res = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.family.token });
      expect(res.status).toBe(404);
      const list = await api("GET", "/api/v1/chats", { token: clinic.family.token });
      expect(list.body.data.map((c: any) => c.id)).not.toContain(chat.id);
      const audit = await env.DB.prepare(
        "select outcome from audit_log where resource_id = ? and actor_id = ? and action = 'chat.read'",
      )
        .bind(chat.id, clinic.family.id)
        .all<any>();
      expect(audit.results.map((r) => r.outcome)).toContain("denied");
    } finally {
      await env.DB.prepare("update family_access set scopes = ? where family_user_id = ?")
        .bind(JSON.stringify(["chat", "session_summaries"]), clinic.family.id)
        .run();
    }
  });

  it("non-participants and other workspaces get 404; names and bodies are encrypted at rest", async () => {
    const chat = await careTeamChat(clinic);
    await sendText(clinic.physio, chat.id, "Private knee update");
    for (const user of [clinic.nurse, clinic.otherPatientUser, clinic.admin]) {
      const res = await api("GET", `/api/v1/chats/${chat.id}`, { token: user.token });
      expect(res.status, user.role).toBe(404);
      expect((await sendText(user, chat.id, "intrude")).status).toBe(404);
    }
    const other = await createClinic();
    expect(
      (await api("GET", `/api/v1/chats/${chat.id}`, { token: other.admin.token })).status,
    ).toBe(404);
    const rows = await env.DB.prepare(
      "select c.*, m.body_enc from chats c join chat_messages m on m.chat_id = c.id where c.id = ?",
    )
      .bind(chat.id)
      .all();
    expect(JSON.stringify(rows.results)).not.toMatch(/knee|Private/i);
  });
});
