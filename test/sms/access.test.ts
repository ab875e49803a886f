/**
 * Who may text what, decided at send time: the number of a patient the caller may see now, or of
 * an SMS chat the caller takes part in. Anything else is the 404 of an unknown patient, audited as
 * denied, and the same whether or not the number belongs to someone.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createPatientRecord, type Clinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { uniquePhone } from "./helpers";

const send = (user: TestUser, body: Record<string, unknown>) =>
  api("POST", "/api/v1/messaging/send-sms", { token: user.token, body });

/** A patient with a number of their own on the physio's care team. */
async function patientWithPhone(clinic: Clinic) {
  const phone = uniquePhone();
  const patient = await createPatientRecord(clinic.workspaceId, {
    careTeam: [clinic.physio.id],
    phone,
  });
  return { ...patient, phone };
}

/** An SMS chat created by `user` (with the admin as the other participant). */
async function smsChatOf(clinic: Clinic, user: TestUser, phone: string, patientId?: string) {
  const res = await api("POST", "/api/v1/chats", {
    token: user.token,
    body: {
      name: "SMS",
      type: "SMS",
      patient_id: patientId,
      participant_ids: [clinic.admin.id],
      phone_number: phone,
    },
  });
  return expectStatus(res, 201).body.data.id as string;
}

const auditOf = async (requestId: string | null) =>
  (
    await env.DB.prepare("select action, outcome, metadata from audit_log where request_id = ?")
      .bind(requestId)
      .all<{ action: string; outcome: string; metadata: string | null }>()
  ).results;

const smsCount = async (workspaceId: string) =>
  (await env.DB.prepare("select count(*) as n from sms_messages where workspace_id = ?")
    .bind(workspaceId)
    .first<{ n: number }>())!.n;

describe("happy", () => {
  it("lets a clinician text their care-team patient by number (seed shape), by id and by chat", async () => {
    const clinic = await createClinic();
    const p = await patientWithPhone(clinic);
    const byNumber = await send(clinic.physio, { recipient_phone: p.phone, message: "Hi" });
    expect(expectStatus(byNumber, 201).body.data).toMatchObject({ to: p.phone, patient_id: p.id });
    const byId = await send(clinic.physio, { patient_id: p.id, message: "Hi again" });
    expect(expectStatus(byId, 201).body.data).toMatchObject({ to: p.phone, patient_id: p.id });
    const chatId = await smsChatOf(clinic, clinic.physio, p.phone, p.id);
    const byChat = await send(clinic.physio, { chat_id: chatId, message: "In the chat" });
    expect(expectStatus(byChat, 201).body.data).toMatchObject({
      chat_id: chatId,
      patient_id: p.id,
    });
    // An admin sees the whole workspace.
    expectStatus(await send(clinic.admin, { recipient_phone: p.phone, message: "Admin" }), 201);
  });

  it("lets a participant text the number of an SMS chat about no patient", async () => {
    const clinic = await createClinic();
    const phone = uniquePhone();
    const chatId = await smsChatOf(clinic, clinic.nurse, phone);
    const byNumber = await send(clinic.nurse, { recipient_phone: phone, message: "Hello" });
    expect(expectStatus(byNumber, 201).body.data).toMatchObject({
      chat_id: chatId,
      patient_id: null,
    });
    expectStatus(await send(clinic.nurse, { chat_id: chatId, message: "Again" }), 201);
  });
});

describe("errors", () => {
  it("names the bad fields", async () => {
    const clinic = await createClinic();
    const bad = await send(clinic.physio, { recipient_phone: "+0", message: "x".repeat(1601) });
    expectStatus(bad, 422);
    const fields = bad.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["recipient_phone", "message"]));
    const none = expectStatus(await send(clinic.physio, { message: "Hi" }), 422);
    expect(none.body.error.details).toEqual([
      expect.objectContaining({ field: "recipient_phone" }),
    ]);
    // A patient with no phone on record: the field to give is named.
    const noPhone = await createPatientRecord(clinic.workspaceId, { careTeam: [clinic.physio.id] });
    await env.DB.prepare("update patients set phone_enc = null, phone_index = null where id = ?")
      .bind(noPhone.id)
      .run();
    const missing = expectStatus(
      await send(clinic.physio, { patient_id: noPhone.id, message: "Hi" }),
      422,
    );
    expect(missing.body.error.details[0].field).toBe("recipient_phone");
  });

  it("refuses to send without a workspace sender number (409 naming the setting)", async () => {
    const clinic = await createClinic();
    expectStatus(
      await api("PUT", "/api/v1/messaging/sms-number", {
        token: clinic.admin.token,
        body: { phone_number: null },
      }),
      200,
    );
    const res = expectStatus(
      await send(clinic.physio, { patient_id: clinic.patient.id, message: "Hi" }),
      409,
    );
    expect(res.body.error.details[0].field).toBe("sms_number");
    expect(await smsCount(clinic.workspaceId)).toBe(0);
  });
});

describe("security", () => {
  it("refuses a clinician texting a patient outside their care team: 404 as for any number, audited", async () => {
    const clinic = await createClinic();
    const p = await patientWithPhone(clinic);
    const attempts = [
      await send(clinic.doctor, { recipient_phone: p.phone, message: "Hi" }),
      await send(clinic.doctor, { patient_id: p.id, message: "Hi" }),
      await send(clinic.doctor, { recipient_phone: uniquePhone(), message: "Hi" }),
      // A visible patient does not make another number reachable.
      await send(clinic.physio, {
        patient_id: p.id,
        recipient_phone: uniquePhone(),
        message: "Hi",
      }),
    ];
    for (const res of attempts) {
      expectStatus(res, 404);
      expect(res.body.error).toEqual(attempts[0]!.body.error);
      const audit = await auditOf(res.headers.get("x-request-id"));
      expect(audit).toEqual([expect.objectContaining({ action: "sms.sent", outcome: "denied" })]);
      expect(audit[0]!.metadata ?? "").not.toContain(p.phone);
    }
    expect(await smsCount(clinic.workspaceId)).toBe(0);
  });

  it("stops a clinician removed from the care team at once, on every path", async () => {
    const clinic = await createClinic();
    const p = await patientWithPhone(clinic);
    const chatId = await smsChatOf(clinic, clinic.physio, p.phone, p.id);
    const first = await send(clinic.physio, {
      patient_id: p.id,
      message: "Before",
      client_id: "c-1",
    });
    expectStatus(first, 201);
    expectStatus(
      await api("DELETE", `/api/v1/patients/${p.id}/care-team/${clinic.physio.id}`, {
        token: clinic.admin.token,
      }),
      204,
    );
    const after = [
      await send(clinic.physio, { recipient_phone: p.phone, message: "After" }),
      await send(clinic.physio, { patient_id: p.id, message: "After" }),
      await send(clinic.physio, { chat_id: chatId, message: "After" }),
      // Not even a replay of the first send shows the number again.
      await send(clinic.physio, { patient_id: p.id, message: "Before", client_id: "c-1" }),
    ];
    for (const res of after) {
      expectStatus(res, 404);
      expect(await auditOf(res.headers.get("x-request-id"))).toContainEqual(
        expect.objectContaining({ action: "sms.sent", outcome: "denied" }),
      );
    }
    expect(await smsCount(clinic.workspaceId)).toBe(1);
  });

  it("refuses a chat about no patient whose number is a patient the caller may not see", async () => {
    const clinic = await createClinic();
    const p = await patientWithPhone(clinic);
    const chatId = await smsChatOf(clinic, clinic.nurse, p.phone);
    expectStatus(await send(clinic.nurse, { chat_id: chatId, message: "Hi" }), 404);
    expectStatus(await send(clinic.nurse, { recipient_phone: p.phone, message: "Hi" }), 404);
    // Another clinic's caller reaches nothing here either.
    const other = await createClinic("Other clinic");
    expectStatus(await send(other.admin, { recipient_phone: p.phone, message: "Hi" }), 404);
    expectStatus(await send(other.admin, { chat_id: chatId, message: "Hi" }), 404);
  });
});
