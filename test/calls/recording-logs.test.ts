/** Recording a call through the media module, and the call log with the seed's filters. */
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, createUser, type Clinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { bytesOf, put } from "../media/helpers";
import { callRow, initiate, move, nextOf, openCall } from "./helpers";

let clinic: Clinic;
let other: Clinic;
beforeAll(async () => {
  [clinic, other] = await Promise.all([createClinic("Rec Clinic"), createClinic("Rec Other")]);
});

const record = (user: TestUser, id: string, body: Record<string, unknown>) =>
  api("POST", `/api/v1/calls/${id}/record`, { token: user.token, body });

const logs = (user: TestUser, query = "") =>
  api("GET", `/api/v1/call-logs${query}`, { token: user.token });

describe("happy", () => {
  it("starts a recording, takes the upload, stops, and shows a download link", async () => {
    const call = await initiate(clinic.physio, clinic.patientUser, "video");
    expectStatus(await move(clinic.patientUser, call.id, "answer"), 200);
    const patientRoom = await openCall(clinic.patientUser, call.id);
    await nextOf(patientRoom, "ready");

    const started = expectStatus(await record(clinic.physio, call.id, { action: "start" }), 200);
    const { upload, recording_id } = started.body.data;
    expect(started.body.data.status).toBe("recording");
    expect(upload.media_id).toBe(recording_id);
    expect(upload.headers["content-type"]).toBe("video/webm");
    // The patient is told at once that they are recorded.
    expect((await nextOf(patientRoom, "call:recording")).data).toEqual({
      recording: true,
      by: clinic.physio.id,
    });
    expectStatus(await record(clinic.physio, call.id, { action: "start" }), 409);

    const bytes = bytesOf(2048);
    expectStatus(await put(upload.upload_url, bytes, { "content-type": "video/webm" }), 200);
    const stopped = expectStatus(await record(clinic.physio, call.id, { action: "stop" }), 200);
    expect(stopped.body.data.status).toBe("stopped");
    expect(stopped.body.data.recording_url).toMatch(/\/api\/v1\/media\//);
    expectStatus(await record(clinic.physio, call.id, { action: "stop" }), 409);

    const got = expectStatus(
      await api("GET", `/api/v1/calls/${call.id}`, { token: clinic.patientUser.token }),
      200,
    );
    expect(got.body.data.recording).toMatchObject({
      recording_id,
      status: "stopped",
      upload_status: "uploaded",
    });
    // Through the media module, the call's rules apply: participants read, a colleague off it 404.
    const url = (token: string) =>
      api("GET", `/api/v1/media/${recording_id}/download-url`, { token });
    expectStatus(await url(clinic.patientUser.token), 200);
    expectStatus(await url(clinic.nurse.token), 404);
    patientRoom.close();
  });

  it("ending a call stops its recording", async () => {
    const call = await initiate(clinic.physio, clinic.nurse, "voice");
    expectStatus(await move(clinic.nurse, call.id, "answer"), 200);
    const started = expectStatus(await record(clinic.physio, call.id, { action: "start" }), 200);
    expect(started.body.data.upload.headers["content-type"]).toBe("audio/webm");
    expectStatus(await move(clinic.physio, call.id, "end"), 200);
    expect((await callRow(call.id))!.recording_stopped_at).not.toBeNull();
  });

  it("lists the caller's own calls from their side, with filters", async () => {
    const me = await createUser(clinic.workspaceId, "nurse");
    const a = await initiate(me, clinic.physio, "video"); // outgoing, answered
    expectStatus(await move(clinic.physio, a.id, "answer"), 200);
    expectStatus(await move(me, a.id, "end"), 200);
    const b = await initiate(clinic.doctor, me, "voice"); // incoming, declined
    expectStatus(await move(me, b.id, "decline"), 200);
    const c = await initiate(clinic.admin, me, "video"); // incoming, missed (cancelled)
    expectStatus(await move(clinic.admin, c.id, "end"), 200);

    const all = expectStatus(await logs(me), 200);
    expect(all.body.data.map((l: any) => l.id)).toEqual([c.id, b.id, a.id]);
    expect(all.body.pagination).toMatchObject({ total_items: 3, page: 1 });
    const first = all.body.data[2];
    expect(first).toMatchObject({ direction: "outgoing", type: "video", status: "answered" });
    expect(first.peers).toEqual([
      { id: clinic.physio.id, name: clinic.physio.name, role: "physiotherapist" },
    ]);
    const ids = async (q: string) => (await logs(me, q)).body.data.map((l: any) => l.id);
    expect(await ids("?direction=incoming")).toEqual([c.id, b.id]);
    expect(await ids("?direction=outgoing")).toEqual([a.id]);
    expect(await ids("?type=voice")).toEqual([b.id]);
    expect(await ids("?status=declined")).toEqual([b.id]);
    expect(await ids("?status=missed")).toEqual([c.id]);
    expect(await ids("?limit=1&page=2")).toEqual([b.id]);
    expect(
      await ids(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`),
    ).toEqual([]);
    // The doctor's log shows the declined call from the caller's side.
    const doctor = (await logs(clinic.doctor, "?direction=outgoing")).body.data;
    expect(doctor.find((l: any) => l.id === b.id)).toMatchObject({ status: "declined" });
  });
});

describe("errors", () => {
  it("refuses recording a call that is not active, and a bad body", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    expectStatus(await record(clinic.physio, call.id, { action: "start" }), 409);
    expectStatus(await record(clinic.physio, call.id, { action: "stop" }), 409);
    const bad = expectStatus(await record(clinic.physio, call.id, { action: "rewind" }), 422);
    expect(bad.body.error.details[0].field).toBe("action");
    expectStatus(await move(clinic.nurse, call.id, "answer"), 200);
    const type = expectStatus(
      await record(clinic.physio, call.id, { action: "start", content_type: "text/html" }),
      422,
    );
    expect(type.body.error.details[0].field).toBe("content_type");
  });

  it("names bad log filters", async () => {
    const res = expectStatus(
      await logs(clinic.physio, "?direction=sideways&type=fax&limit=0"),
      422,
    );
    const fields = res.body.error.details.map((d: any) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(["query.direction", "query.type", "query.limit"]),
    );
  });
});

describe("security", () => {
  it("a patient on the call cannot record; another workspace's staff cannot see the log entry", async () => {
    const call = await initiate(clinic.physio, clinic.patientUser);
    expectStatus(await move(clinic.patientUser, call.id, "answer"), 200);
    expectStatus(await record(clinic.patientUser, call.id, { action: "start" }), 403);
    const theirs = expectStatus(await logs(other.physio), 200);
    expect(theirs.body.data.map((l: any) => l.id)).not.toContain(call.id);
  });
});
