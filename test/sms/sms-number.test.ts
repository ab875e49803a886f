/**
 * The workspace's own sender number: an admin setting (E.164, unique across workspaces), the
 * `From` of its SMS, and what routes a reply back to it.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, PATIENT_PHONE, uniqueSmsNumber } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { eventually, messageSid, rawSms, rawSmsBySid, twilioPost } from "./helpers";

const PATH = "/api/v1/messaging/sms-number";

describe("happy", () => {
  it("lets an admin read and change the number; new SMS go out from it, replies follow it", async () => {
    const clinic = await createClinic();
    const read = expectStatus(await api("GET", PATH, { token: clinic.admin.token }), 200);
    expect(read.body.data.phone_number).toBe(clinic.smsNumber);
    const next = uniqueSmsNumber();
    const set = await api("PUT", PATH, { token: clinic.admin.token, body: { phone_number: next } });
    expect(expectStatus(set, 200).body.data.phone_number).toBe(next);
    expect(
      await env.DB.prepare("select action, metadata from audit_log where request_id = ?")
        .bind(set.headers.get("x-request-id"))
        .first(),
    ).toMatchObject({
      action: "workspace.updated",
      metadata: expect.stringContaining("sms_number"),
    });

    const sent = await api("POST", "/api/v1/messaging/send-sms", {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, message: "From the new number" },
    });
    expect(expectStatus(sent, 201).body.data.from).toBe(next);
    await eventually(
      () => rawSms(sent.body.data.id),
      (r) => r?.status === "outbox",
    );
    // The old number is nobody's now: a reply to it is acknowledged and kept nowhere.
    const old = messageSid();
    await twilioPost("/api/v1/messaging/webhook/sms", {
      MessageSid: old,
      From: PATIENT_PHONE,
      To: clinic.smsNumber,
      Body: "late",
    });
    expect((await rawSmsBySid(old)).results).toHaveLength(0);
    const fresh = messageSid();
    await twilioPost("/api/v1/messaging/webhook/sms", {
      MessageSid: fresh,
      From: PATIENT_PHONE,
      To: next,
      Body: "hello",
    });
    expect((await rawSmsBySid(fresh)).results[0]).toMatchObject({
      workspace_id: clinic.workspaceId,
      patient_id: clinic.patient.id,
    });
  });
});

describe("errors", () => {
  it("names a number that is not E.164, and a missing one", async () => {
    const clinic = await createClinic();
    for (const body of [{ phone_number: "555-0100" }, {}]) {
      const res = expectStatus(await api("PUT", PATH, { token: clinic.admin.token, body }), 422);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(
        "phone_number",
      );
    }
  });
});

describe("security", () => {
  it("refuses another workspace's number (409) and leaves both unchanged", async () => {
    const [a, b] = await Promise.all([createClinic("A"), createClinic("B")]);
    const res = await api("PUT", PATH, {
      token: b.admin.token,
      body: { phone_number: a.smsNumber },
    });
    expectStatus(res, 409);
    expect(res.body.error).toMatchObject({
      code: "DUPLICATE_ENTRY",
      details: [{ field: "phone_number", message: "Already in use" }],
    });
    const ownerOf = (number: string) =>
      env.DB.prepare("select id from workspaces where sms_number = ?").bind(number).all();
    expect((await ownerOf(a.smsNumber)).results).toEqual([{ id: a.workspaceId }]);
    expect((await ownerOf(b.smsNumber)).results).toEqual([{ id: b.workspaceId }]);
  });

  it("is an admin setting: staff of other roles get 403, audited", async () => {
    const clinic = await createClinic();
    const res = await api("PUT", PATH, {
      token: clinic.physio.token,
      body: { phone_number: uniqueSmsNumber() },
    });
    expectStatus(res, 403);
    expect(
      await env.DB.prepare("select outcome from audit_log where request_id = ?")
        .bind(res.headers.get("x-request-id"))
        .first(),
    ).toEqual({ outcome: "denied" });
  });
});
