/**
 * SMS end to end inside workerd: sending (stored, queued, held in the development outbox without
 * Twilio), the incoming webhook (signature, repeated MessageSid, landing in the SMS chat), status
 * callbacks and the log with its filters.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createPatientRecord, PATIENT_PHONE } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { waitForAuditRows } from "../helpers/queued-audit";
import {
  eventually,
  messageSid,
  rawSms,
  rawSmsBySid,
  smsChat,
  twilioPost,
  uniquePhone,
} from "./helpers";

const WEBHOOK = "/api/v1/messaging/webhook/sms";
const STATUS = "/api/v1/messaging/webhook/sms-status";
/** A number no workspace sends from. */
const UNOWNED_NUMBER = "+15005550009";

const auditActions = async (requestId: string | null) =>
  (
    await env.DB.prepare("select action, outcome from audit_log where request_id = ?")
      .bind(requestId)
      .all<{ action: string; outcome: string }>()
  ).results;

async function chatMessages(token: string, chatId: string) {
  const res = expectStatus(await api("GET", `/api/v1/chats/${chatId}`, { token }), 200);
  return res.body.data.messages as { content: string; sender: { id: string } }[];
}

describe("happy", () => {
  it("stores an SMS encrypted, queues it and, without Twilio, holds it in the outbox", async () => {
    const clinic = await createClinic();
    const phone = PATIENT_PHONE;
    const res = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: {
        recipient_phone: phone,
        message: "Your session is at 2 PM",
        patient_id: clinic.patient.id,
      },
    });
    expectStatus(res, 201);
    const sms = res.body.data;
    expect(sms).toMatchObject({
      direction: "outbound",
      from: clinic.smsNumber,
      to: phone,
      message: "Your session is at 2 PM",
    });
    expect(sms.replayed).toBe(false);
    expect(await auditActions(res.headers.get("x-request-id"))).toContainEqual({
      action: "sms.sent",
      outcome: "success",
    });
    const raw = await eventually(
      () => rawSms(sms.id),
      (r) => r?.status === "outbox",
    );
    expect(JSON.stringify(raw)).not.toContain(phone);
    expect(JSON.stringify(raw)).not.toContain("2 PM");
    const outbox = await api("GET", "/api/v1/dev/outbox?channel=sms", {
      token: clinic.admin.token,
    });
    expectStatus(outbox, 200);
    expect(outbox.body.data).toContainEqual(
      expect.objectContaining({
        recipient: phone,
        body: "Your session is at 2 PM",
        status: "outbox",
      }),
    );
  });

  it("returns the first SMS for a retry with the same Idempotency-Key", async () => {
    const clinic = await createClinic();
    const phone = PATIENT_PHONE;
    const send = () =>
      api("POST", "/api/v1/messaging/send-sms", {
        token: clinic.physio.token,
        headers: { "idempotency-key": "sms-retry-0001" },
        body: { recipient_phone: phone, message: "Reminder" },
      });
    const first = expectStatus(await send(), 201).body.data;
    const second = expectStatus(await send(), 201).body.data;
    expect(second.id).toBe(first.id);
    // The Idempotency-Key middleware or, behind it, the stored client id: the same SMS either way.
    const third = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { recipient_phone: phone, message: "Reminder", client_id: "sms-retry-0001" },
    });
    expect(expectStatus(third, 201).body.data).toMatchObject({ id: first.id, replayed: true });
    const count = await env.DB.prepare(
      "select count(*) as n from sms_messages where workspace_id = ?",
    )
      .bind(clinic.workspaceId)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("posts to the SMS chat, and lands the reply there once however often Twilio repeats it", async () => {
    const clinic = await createClinic();
    const phone = uniquePhone();
    const chatId = await smsChat(clinic, phone);
    const sent = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { chat_id: chatId, message: "How is the knee today?" },
    });
    expectStatus(sent, 201);
    expect(sent.body.data).toMatchObject({
      to: phone,
      chat_id: chatId,
      patient_id: clinic.patient.id,
    });

    const sid = messageSid();
    const reply = { MessageSid: sid, From: phone, To: clinic.smsNumber, Body: "Better, pain 3/10" };
    for (let i = 0; i < 3; i++) {
      const res = await twilioPost(WEBHOOK, reply);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/xml");
    }
    const rows = (await rawSmsBySid(sid)).results;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      direction: "inbound",
      status: "received",
      workspace_id: clinic.workspaceId,
      patient_id: clinic.patient.id,
      chat_id: chatId,
    });
    const messages = await chatMessages(clinic.physio.token, chatId);
    expect(messages.map((m) => m.content).sort()).toEqual(
      ["Better, pain 3/10", "How is the knee today?"].sort(),
    );
    const replyMessage = messages.find((m) => m.content === "Better, pain 3/10");
    expect(replyMessage?.sender.id).toBe(clinic.patientUser.id);
  });

  it("applies status callbacks forward only", async () => {
    const clinic = await createClinic();
    const sent = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, message: "See you Monday" },
    });
    const id = expectStatus(sent, 201).body.data.id as string;
    await eventually(
      () => rawSms(id),
      (r) => r?.status === "outbox",
    );
    // As if Twilio had accepted it (the Twilio path itself: twilio-client.test.ts).
    const sid = messageSid();
    await env.DB.prepare("update sms_messages set provider_sid = ?, status = 'sent' where id = ?")
      .bind(sid, id)
      .run();
    const delivered = await twilioPost(STATUS, { MessageSid: sid, MessageStatus: "delivered" });
    expect(delivered.status, delivered.text).toBe(204);
    expect((await rawSms(id))?.status).toBe("delivered");
    expect(await auditActions(delivered.headers.get("x-request-id"))).toContainEqual({
      action: "sms.status_updated",
      outcome: "success",
    });
    // A late "sent" does not undo "delivered"; an unknown SID changes nothing.
    expect((await twilioPost(STATUS, { MessageSid: sid, MessageStatus: "sent" })).status).toBe(204);
    expect((await rawSms(id))?.status).toBe("delivered");
    const unknown = await twilioPost(STATUS, { MessageSid: messageSid(), MessageStatus: "failed" });
    expect(unknown.status).toBe(204);
  });

  it("lists the log newest first with phone, direction and patient filters, audited", async () => {
    const clinic = await createClinic();
    const phone = uniquePhone();
    const patient = await createPatientRecord(clinic.workspaceId, {
      careTeam: [clinic.physio.id],
      phone,
    });
    for (const message of ["First", "Second"]) {
      expectStatus(
        await api("POST", "/api/v1/messaging/send-sms", {
          token: clinic.physio.token,
          body: { recipient_phone: phone, message, patient_id: patient.id },
        }),
        201,
      );
    }
    expectStatus(
      await api("POST", "/api/v1/messaging/send-sms", {
        token: clinic.physio.token,
        body: { recipient_phone: PATIENT_PHONE, message: "Other number" },
      }),
      201,
    );
    await twilioPost(WEBHOOK, {
      MessageSid: messageSid(),
      From: phone,
      To: clinic.smsNumber,
      Body: "Reply",
    });

    const byPhone = await api(
      "GET",
      `/api/v1/messaging/sms-logs?phone=${encodeURIComponent(phone)}`,
      {
        token: clinic.physio.token,
      },
    );
    expectStatus(byPhone, 200);
    expect(byPhone.body.data.map((s: { message: string }) => s.message)).toEqual([
      "Reply",
      "Second",
      "First",
    ]);
    expect(byPhone.body.pagination.total_items).toBe(3);
    await waitForAuditRows(byPhone.headers.get("x-request-id"));

    const inbound = await api("GET", "/api/v1/messaging/sms-logs?direction=inbound", {
      token: clinic.admin.token,
    });
    expect(inbound.body.data.map((s: { message: string }) => s.message)).toEqual(["Reply"]);
    const forPatient = await api(
      "GET",
      `/api/v1/messaging/sms-logs?patient_id=${patient.id}&page_size=1`,
      { token: clinic.admin.token },
    );
    expect(forPatient.body.data).toHaveLength(1);
    expect(forPatient.body.pagination.total_items).toBe(3);
  });
});

describe("errors", () => {
  it("names the bad fields of a send", async () => {
    const clinic = await createClinic();
    const bad = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { recipient_phone: "555-0100", message: "" },
    });
    expectStatus(bad, 422);
    const fields = bad.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["recipient_phone", "message"]));

    const noNumber = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { message: "Hello" },
    });
    expectStatus(noNumber, 422);
    expect(noNumber.body.error.details[0].field).toBe("recipient_phone");
  });

  it("refuses a chat that is not an SMS chat", async () => {
    const clinic = await createClinic();
    const chat = await api("POST", "/api/v1/chats", {
      token: clinic.physio.token,
      body: {
        name: "Care team",
        type: "Care Team",
        patient_id: clinic.patient.id,
        participant_ids: [clinic.patientUser.id],
      },
    });
    const res = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { chat_id: chat.body.data.id, recipient_phone: uniquePhone(), message: "Hello" },
    });
    expectStatus(res, 422);
    expect(res.body.error.details[0].field).toBe("chat_id");
  });

  it("answers 422 to signed but malformed webhook parameters, storing nothing", async () => {
    const res = await twilioPost(WEBHOOK, { MessageSid: "nope", From: "12", To: UNOWNED_NUMBER });
    expectStatus(res, 422);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["MessageSid", "From"]));
    const status = await twilioPost(STATUS, { MessageSid: messageSid() });
    expectStatus(status, 422);
  });

  it("answers 422 to bad log filters", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/messaging/sms-logs?status=lost&phone=abc", {
      token: clinic.admin.token,
    });
    expectStatus(res, 422);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["query.status", "query.phone"]));
  });
});

describe("security", () => {
  it("answers 403 to a missing, wrong or other-URL signature, audited, storing nothing", async () => {
    const sid = messageSid();
    const params = { MessageSid: sid, From: uniquePhone(), To: UNOWNED_NUMBER, Body: "Hi" };
    const attempts = [
      await twilioPost(WEBHOOK, params, { signature: null }),
      await twilioPost(WEBHOOK, params, { signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" }),
      await twilioPost(WEBHOOK, params, {
        signedUrl: "https://evil.example/api/v1/messaging/webhook/sms",
      }),
      await twilioPost(
        STATUS,
        { MessageSid: sid, MessageStatus: "delivered" },
        { signature: null },
      ),
    ];
    for (const res of attempts) {
      expect(res.status, res.text).toBe(403);
      expect(await auditActions(res.headers.get("x-request-id"))).toEqual([
        { action: "sms.received", outcome: "denied" },
      ]);
    }
    expect((await rawSmsBySid(sid)).results).toHaveLength(0);
  });

  it("acknowledges an SMS to a number no workspace owns and stores it nowhere", async () => {
    const clinic = await createClinic();
    const sid = messageSid();
    const res = await twilioPost(WEBHOOK, {
      MessageSid: sid,
      From: PATIENT_PHONE,
      To: UNOWNED_NUMBER,
      Body: "Private words",
    });
    expect(res.status, res.text).toBe(200);
    expect((await rawSmsBySid(sid)).results).toHaveLength(0);
    const audit = await env.DB.prepare(
      "select workspace_id, outcome, metadata from audit_log where request_id = ?",
    )
      .bind(res.headers.get("x-request-id"))
      .all<{ workspace_id: string | null; outcome: string; metadata: string }>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ workspace_id: null, outcome: "not_found" });
    expect(audit.results[0]!.metadata).not.toContain(PATIENT_PHONE);
    expect(audit.results[0]!.metadata).not.toContain("Private words");
    const log = await api(
      "GET",
      `/api/v1/messaging/sms-logs?phone=${encodeURIComponent(PATIENT_PHONE)}`,
      { token: clinic.admin.token },
    );
    expect(log.body.data).toEqual([]);
  });

  it("keeps an SMS from a number the clinic never texted in that clinic, unattached", async () => {
    const clinic = await createClinic();
    const sid = messageSid();
    const stranger = uniquePhone();
    await twilioPost(WEBHOOK, { MessageSid: sid, From: stranger, To: clinic.smsNumber, Body: "?" });
    expect((await rawSmsBySid(sid)).results[0]).toMatchObject({
      workspace_id: clinic.workspaceId,
      patient_id: null,
      chat_id: null,
    });
  });

  it("scopes sends and the log to the caller's patients", async () => {
    const clinic = await createClinic();
    const other = await createClinic("Other clinic");
    // The doctor is not on clinic.patient's care team: 404 as for an unknown patient.
    const offTeam = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.doctor.token,
      body: { recipient_phone: PATIENT_PHONE, message: "Hi", patient_id: clinic.patient.id },
    });
    expectStatus(offTeam, 404);
    const foreign = await api("POST", "/api/v1/messaging/send-sms", {
      token: other.physio.token,
      body: { recipient_phone: PATIENT_PHONE, message: "Hi", patient_id: clinic.patient.id },
    });
    expectStatus(foreign, 404);
    expectStatus(
      await api("POST", "/api/v1/messaging/send-sms", {
        token: clinic.physio.token,
        body: { recipient_phone: PATIENT_PHONE, message: "Hi", patient_id: clinic.patient.id },
      }),
      201,
    );
    const doctorLog = await api("GET", "/api/v1/messaging/sms-logs", {
      token: clinic.doctor.token,
    });
    expect(doctorLog.body.data).toEqual([]);
    const otherLog = await api("GET", "/api/v1/messaging/sms-logs", { token: other.admin.token });
    expect(otherLog.body.data).toEqual([]);
    const physioLog = await api("GET", "/api/v1/messaging/sms-logs", {
      token: clinic.physio.token,
    });
    expect(physioLog.body.data).toHaveLength(1);
  });
});
