/**
 * Two clinics on one deployment, each with its own sender number, both texting the same patient
 * phone: a reply is routed by the number it was sent to (`To`), so clinic A's reply lands in
 * clinic A only, however recently clinic B texted the same phone.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, PATIENT_PHONE, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { messageSid, rawSmsBySid, smsChat, twilioPost } from "./helpers";

const WEBHOOK = "/api/v1/messaging/webhook/sms";

const send = (clinic: Clinic, body: Record<string, unknown>) =>
  api("POST", "/api/v1/messaging/send-sms", { token: clinic.physio.token, body });

async function chatContents(clinic: Clinic, chatId: string) {
  const res = expectStatus(
    await api("GET", `/api/v1/chats/${chatId}`, { token: clinic.physio.token }),
    200,
  );
  return (res.body.data.messages as { content: string }[]).map((m) => m.content);
}

async function logMessages(clinic: Clinic) {
  const res = await api(
    "GET",
    `/api/v1/messaging/sms-logs?phone=${encodeURIComponent(PATIENT_PHONE)}&direction=inbound`,
    { token: clinic.admin.token },
  );
  return expectStatus(res, 200).body.data.map((s: { message: string }) => s.message) as string[];
}

describe("security", () => {
  it("lands a reply in the clinic whose number it was sent to, never in the other", async () => {
    const [a, b] = await Promise.all([createClinic("Clinic A"), createClinic("Clinic B")]);
    // Both clinics' patients have the same phone (the fixture's), and each has an SMS chat with it.
    const chatA = await smsChat(a, PATIENT_PHONE);
    const chatB = await smsChat(b, PATIENT_PHONE);
    const sentA = expectStatus(await send(a, { chat_id: chatA, message: "A: how is it?" }), 201);
    // Clinic B texts the same phone afterwards: its outbound is the latest anywhere.
    const sentB = expectStatus(await send(b, { chat_id: chatB, message: "B: any pain?" }), 201);
    expect(sentA.body.data.from).toBe(a.smsNumber);
    expect(sentB.body.data.from).toBe(b.smsNumber);

    const sidA = messageSid();
    const toA = await twilioPost(WEBHOOK, {
      MessageSid: sidA,
      From: PATIENT_PHONE,
      To: a.smsNumber,
      Body: "Reply for clinic A",
    });
    expect(toA.status, toA.text).toBe(200);
    expect((await rawSmsBySid(sidA)).results).toEqual([
      expect.objectContaining({
        workspace_id: a.workspaceId,
        patient_id: a.patient.id,
        chat_id: chatA,
      }),
    ]);
    expect(await chatContents(a, chatA)).toContain("Reply for clinic A");
    expect(await chatContents(b, chatB)).not.toContain("Reply for clinic A");
    expect(await logMessages(a)).toEqual(["Reply for clinic A"]);
    expect(await logMessages(b)).toEqual([]);

    const sidB = messageSid();
    await twilioPost(WEBHOOK, {
      MessageSid: sidB,
      From: PATIENT_PHONE,
      To: b.smsNumber,
      Body: "Reply for clinic B",
    });
    expect((await rawSmsBySid(sidB)).results[0]).toMatchObject({
      workspace_id: b.workspaceId,
      patient_id: b.patient.id,
      chat_id: chatB,
    });
    expect(await chatContents(b, chatB)).toContain("Reply for clinic B");
    expect(await chatContents(a, chatA)).not.toContain("Reply for clinic B");
    expect(await logMessages(a)).toEqual(["Reply for clinic A"]);
    expect(await logMessages(b)).toEqual(["Reply for clinic B"]);
    // The audit entries of the two replies belong to their own workspaces.
    const audited = await env.DB.prepare(
      "select workspace_id from audit_log where request_id = ? and action = 'sms.received'",
    )
      .bind(toA.headers.get("x-request-id"))
      .all<{ workspace_id: string }>();
    expect(audited.results).toEqual([{ workspace_id: a.workspaceId }]);
  });

  it("routes a reply to a clinic that texted the phone by patient (no chat) to that patient", async () => {
    const [a, b] = await Promise.all([createClinic("Clinic A"), createClinic("Clinic B")]);
    expectStatus(await send(a, { patient_id: a.patient.id, message: "A: reminder" }), 201);
    expectStatus(await send(b, { patient_id: b.patient.id, message: "B: reminder" }), 201);
    const sid = messageSid();
    await twilioPost(WEBHOOK, {
      MessageSid: sid,
      From: PATIENT_PHONE,
      To: a.smsNumber,
      Body: "ok",
    });
    expect((await rawSmsBySid(sid)).results[0]).toMatchObject({
      workspace_id: a.workspaceId,
      patient_id: a.patient.id,
    });
  });
});
