/** Calls over HTTP: initiate, answer, decline, end, get; events on the user streams; idempotency. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { openStream } from "../realtime/socket";
import { auditActions, callRow, initiate, lineStates, move, nextOf } from "./helpers";

let clinic: Clinic;
let other: Clinic;
beforeAll(async () => {
  [clinic, other] = await Promise.all([createClinic("Calls Clinic"), createClinic("Calls Other")]);
});

describe("happy", () => {
  it("rings the recipient's stream, answers, ends, and records duration and events", async () => {
    const patientStream = (await openStream(clinic.patientUser.token)).socket;
    const physioStream = (await openStream(clinic.physio.token)).socket;
    await patientStream.next();
    await physioStream.next();

    const call = await initiate(clinic.physio, clinic.patientUser, "video");
    expect(call.status).toBe("ringing");
    expect(call.room_url).toBe(`/parties/call/${call.id}`);
    expect(call.ice_servers[0].urls).toContain("stun:stun.cloudflare.com:3478");
    expect(call.participants.map((p: any) => p.call_role).sort()).toEqual(["caller", "recipient"]);
    const rung = await nextOf(patientStream, "call:initiated");
    expect(rung.data).toMatchObject({
      call_id: call.id,
      call_type: "video",
      from: { id: clinic.physio.id, name: clinic.physio.name },
      to: [{ id: clinic.patientUser.id, name: clinic.patientUser.name }],
    });
    expect(rung.seq).toBeGreaterThan(0);
    expect((await callRow(call.id))!.patient_id).toBe(clinic.patient.id);

    const answered = expectStatus(await move(clinic.patientUser, call.id, "answer"), 200);
    expect(answered.body.data.status).toBe("active");
    for (const s of [patientStream, physioStream]) {
      const e = await nextOf(s, "call:answered");
      expect(e.data).toMatchObject({ call_id: call.id, user_id: clinic.patientUser.id });
    }

    const ended = expectStatus(await move(clinic.physio, call.id, "end"), 200);
    expect(ended.body.data.status).toBe("ended");
    expect(ended.body.data.duration_seconds).toBeGreaterThanOrEqual(0);
    for (const s of [patientStream, physioStream]) {
      const e = await nextOf(s, "call:ended");
      expect(e.data).toMatchObject({ call_id: call.id, status: "ended" });
    }
    expect(await lineStates(call.id)).toEqual({
      [clinic.physio.id]: "left",
      [clinic.patientUser.id]: "left",
    });
    const events = await env.DB.prepare(
      "select version, action, to_status from call_events where call_id = ? order by version",
    )
      .bind(call.id)
      .all();
    expect(events.results).toEqual([
      { version: 0, action: "initiate", to_status: "ringing" },
      { version: 1, action: "answer", to_status: "active" },
      { version: 2, action: "end", to_status: "ended" },
    ]);
    const audit = (await auditActions(call.id)).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(["call.created", "call.answered", "call.ended"]));
    patientStream.close();
    physioStream.close();
  });

  it("a decline by the only recipient declines the call and tells the caller", async () => {
    const physioStream = (await openStream(clinic.physio.token)).socket;
    await physioStream.next();
    const call = await initiate(clinic.physio, clinic.nurse, "voice");
    const res = expectStatus(await move(clinic.nurse, call.id, "decline"), 200);
    expect(res.body.data.status).toBe("declined");
    const e = await nextOf(physioStream, "call:ended");
    expect(e.data).toMatchObject({ call_id: call.id, status: "declined", duration_seconds: null });
    physioStream.close();
  });

  it("a group call stays ringing when one recipient declines and goes on when another answers", async () => {
    const call = await initiate(clinic.physio, [clinic.nurse, clinic.doctor]);
    expect(expectStatus(await move(clinic.nurse, call.id, "decline"), 200).body.data.status).toBe(
      "ringing",
    );
    expect(expectStatus(await move(clinic.doctor, call.id, "answer"), 200).body.data.status).toBe(
      "active",
    );
  });

  it("the caller cancelling a ringing call makes it missed", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    const res = expectStatus(await move(clinic.physio, call.id, "end"), 200);
    expect(res.body.data.status).toBe("missed");
    expect((await lineStates(call.id))[clinic.nurse.id]).toBe("missed");
  });

  it("a patient rings their care team; GET shows the call with names", async () => {
    const call = await initiate(clinic.patientUser, clinic.physio, "voice");
    const res = expectStatus(
      await api("GET", `/api/v1/calls/${call.id}`, { token: clinic.physio.token }),
      200,
    );
    expect(res.body.data.participants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: clinic.patientUser.id, name: clinic.patientUser.name }),
      ]),
    );
    expect(res.body.data.recording).toBeNull();
  });

  it("a retried initiate with the same Idempotency-Key makes one call", async () => {
    const headers = { "idempotency-key": `call-${crypto.randomUUID()}` };
    const body = { recipient_id: clinic.nurse.id, call_type: "voice" };
    const [a, b] = [
      await api("POST", "/api/v1/calls/initiate", { token: clinic.admin.token, body, headers }),
      await api("POST", "/api/v1/calls/initiate", { token: clinic.admin.token, body, headers }),
    ];
    expectStatus(a, 201);
    expectStatus(b, 201);
    expect(b.body.data.id).toBe(a.body.data.id);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const n = await env.DB.prepare("select count(*) as n from calls where created_by = ?")
      .bind(clinic.admin.id)
      .first<{ n: number }>();
    expect(n!.n).toBe(1);
  });
});

describe("errors", () => {
  it("names the bad fields of an initiate body", async () => {
    const res = await api("POST", "/api/v1/calls/initiate", {
      token: clinic.physio.token,
      body: { recipient_id: "nope", call_type: "hologram" },
    });
    expectStatus(res, 422);
    const fields = res.body.error.details.map((d: any) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["recipient_id", "call_type"]));
    const both = await api("POST", "/api/v1/calls/initiate", {
      token: clinic.physio.token,
      body: { recipient_id: clinic.nurse.id, recipient_ids: [clinic.nurse.id], call_type: "voice" },
    });
    expectStatus(both, 422);
  });

  it("refuses recipients outside the policy, naming each", async () => {
    const res = await api("POST", "/api/v1/calls/initiate", {
      token: clinic.nurse.token,
      body: {
        recipient_ids: [clinic.patientUser.id, clinic.nurse.id, clinic.family.id, other.physio.id],
        call_type: "video",
      },
    });
    expectStatus(res, 422);
    expect(res.body.error.details.map((d: any) => d.field)).toEqual([
      "recipient_ids.0",
      "recipient_ids.1",
      "recipient_ids.2",
      "recipient_ids.3",
    ]);
    const patientToPatient = await api("POST", "/api/v1/calls/initiate", {
      token: clinic.patientUser.token,
      body: { recipient_id: clinic.otherPatientUser.id, call_type: "voice" },
    });
    expectStatus(patientToPatient, 422);
    const offTeam = await api("POST", "/api/v1/calls/initiate", {
      token: clinic.patientUser.token,
      body: { recipient_id: clinic.doctor.id, call_type: "voice" },
    });
    expectStatus(offTeam, 422);
  });

  it("applies the state machine: illegal moves are 409 and change nothing", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    expectStatus(await move(clinic.physio, call.id, "answer"), 409); // the caller
    expectStatus(await move(clinic.nurse, call.id, "end"), 409); // ringing: decline instead
    expectStatus(await move(clinic.nurse, call.id, "answer"), 200);
    expectStatus(await move(clinic.nurse, call.id, "answer"), 409); // twice
    expectStatus(await move(clinic.nurse, call.id, "decline"), 409); // already joined
    expectStatus(await move(clinic.nurse, call.id, "end"), 200);
    for (const verb of ["answer", "decline", "end"] as const) {
      const res = expectStatus(await move(clinic.physio, call.id, verb), 409);
      expect(res.body.error.code).toBe("CONFLICT");
    }
    expect((await callRow(call.id))!.version).toBe(2);
  });

  it("two concurrent answers: one wins, the other is a 409", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    const results = await Promise.all([
      move(clinic.nurse, call.id, "answer"),
      move(clinic.nurse, call.id, "answer"),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const n = await env.DB.prepare("select count(*) as n from call_events where call_id = ?")
      .bind(call.id)
      .first<{ n: number }>();
    expect(n!.n).toBe(2);
  });
});

describe("security", () => {
  it("a colleague not on the call and another workspace get 404, audited; family 403", async () => {
    const call = await initiate(clinic.physio, clinic.patientUser);
    for (const user of [clinic.doctor, other.admin]) {
      for (const [method, path] of [
        ["GET", `/api/v1/calls/${call.id}`],
        ["POST", `/api/v1/calls/${call.id}/answer`],
        ["POST", `/api/v1/calls/${call.id}/end`],
      ] as const) {
        expectStatus(await api(method, path, { token: user.token }), 404);
      }
    }
    expectStatus(await api("GET", `/api/v1/calls/${call.id}`, { token: clinic.family.token }), 403);
    const refusals = (await auditActions(call.id)).filter((a) => a.outcome !== "success");
    expect(refusals.length).toBeGreaterThanOrEqual(7);
  });

  it("stores no names in the call tables", async () => {
    const call = await initiate(clinic.physio, clinic.patientUser);
    const raw = JSON.stringify([
      await callRow(call.id),
      (
        await env.DB.prepare("select * from call_participants where call_id = ?")
          .bind(call.id)
          .all()
      ).results,
    ]);
    expect(raw).not.toContain(clinic.patientUser.name);
    expect(raw).not.toContain(clinic.physio.name);
  });
});
