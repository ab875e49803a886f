/**
 * The physio flow end to end: create → upload the video through the signed URL → pose data →
 * complete (analysis, notification) → review queue → review → analytics and progress; and the
 * queued analysis of a long session (202).
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { openStream } from "../realtime/socket";
import { insertAssignment } from "../exercises/helpers";
import {
  auditActions,
  createSession,
  rawRows,
  sessionClinic,
  squatFrames,
  uploadFrames,
} from "./helpers";

const REVIEW_NOTES = "Left knee drifts inward at the bottom";

describe("happy", () => {
  it("runs create → video → data → complete → review → analytics", async () => {
    const { clinic, catalog } = await sessionClinic();
    const assignment = await insertAssignment({
      workspaceId: clinic.workspaceId,
      patientId: clinic.patient.id,
      assignedBy: clinic.physio.id,
      typeId: catalog.squat!.id,
    });
    const created = await createSession(clinic, {
      exercise_type: undefined,
      assignment_id: assignment.id,
      video_content_type: "video/mp4",
    });
    const id = created.session_id;

    // The video, through the signed URL the create answered.
    const video = new Uint8Array(4096).fill(7);
    const put = await SELF.fetch(`https://api.test${new URL(created.upload_urls.video).pathname}`, {
      method: "PUT",
      headers: { ...created.upload_urls.video_upload.headers, "content-type": "video/mp4" },
      body: video,
    });
    expect(put.status, await put.clone().text()).toBeLessThan(300);

    await uploadFrames(clinic.patientUser.token, id, squatFrames({ reps: 10 }), 300);
    const { socket } = await openStream(clinic.physio.token);
    expect((await socket.next()).event).toBe("ready");

    const done = expectStatus(
      await api("POST", `/api/v1/sessions/${id}/complete`, { token: clinic.patientUser.token }),
      200,
    ).body.data;
    expect(done.status).toBe("review_pending");
    expect(done.pose_data.rep_count).toBe(10);
    expect(done.pose_data.partial_reps).toBe(0);
    expect(done.pose_data.angle_ranges.knee_left.min).toBeGreaterThan(88);
    expect(done.pose_data.angle_ranges.knee_left.min).toBeLessThan(92);
    const note = await socket.next(5000);
    expect(note.event).toBe("notification:new");
    expect(note.data).toMatchObject({
      type: "session",
      kind: "session.review_pending",
      session_id: id,
      rep_count: 10,
    });
    socket.close();

    const queue = expectStatus(
      await api("GET", "/api/v1/physio/sessions", { token: clinic.physio.token }),
      200,
    );
    expect(queue.body.data.map((s: any) => s.id)).toEqual([id]);
    const patients = expectStatus(
      await api("GET", "/api/v1/physio/patients", { token: clinic.physio.token }),
      200,
    );
    expect(patients.body.data).toEqual([
      expect.objectContaining({
        id: clinic.patient.id,
        sessions_total: 1,
        sessions_pending_review: 1,
      }),
    ]);

    const review = await api("POST", "/api/v1/physio/reviews", {
      token: clinic.physio.token,
      body: {
        session_id: id,
        notes: REVIEW_NOTES,
        overall_assessment: "GOOD",
        form_feedback: [
          { timestamp: 1_706_630_415_000, issue: "Knee valgus", recommendation: "Push knees out" },
        ],
        next_steps: { recommended_exercises: ["glute_bridge"], frequency: "3 times per week" },
      },
    });
    expect(expectStatus(review, 201).body.data).toMatchObject({ status: "reviewed" });
    const twice = await api("POST", "/api/v1/physio/reviews", {
      token: clinic.physio.token,
      body: { session_id: id, overall_assessment: "FAIR" },
    });
    expectStatus(twice, 409);
    const [rawReview] = await rawRows("session_reviews", "session_id", id);
    expect(JSON.stringify(rawReview)).not.toContain("valgus");

    const detail = expectStatus(
      await api("GET", `/api/v1/sessions/${id}`, { token: clinic.patientUser.token }),
      200,
    ).body.data;
    expect(detail.session.status).toBe("reviewed");
    expect(detail.session.video_url).toMatch(/\/api\/v1\/media\//);
    expect(detail.review).toMatchObject({ notes: REVIEW_NOTES, overall_assessment: "GOOD" });
    expect(detail.review.physiotherapist_name).toBe(clinic.physio.name);
    expect(detail.pose_data).toMatchObject({
      frame_count: 901,
      rep_count: 10,
      sampling_rate: expect.any(Number),
    });

    const analytics = expectStatus(
      await api("GET", `/api/v1/physio/analytics?patient_id=${clinic.patient.id}`, {
        token: clinic.physio.token,
      }),
      200,
    ).body.data;
    expect(analytics.exercises).toHaveLength(1);
    expect(analytics.exercises[0]).toMatchObject({
      exercise_type: "squat",
      sessions: 1,
      total_reps: 10,
      adherence: { assigned_per_week: 3, completed_sessions: 1 },
    });
    expect(analytics.exercises[0].range_of_motion.last).toBeGreaterThan(85);

    const progress = expectStatus(
      await api("GET", `/api/v1/patients/${clinic.patient.id}/progress`, {
        token: clinic.family.token,
      }),
      200,
    ).body.data;
    expect(progress.exercises[0].series[0]).toMatchObject({ session_id: id, rep_count: 10 });
    const svg = await api("GET", `/api/v1/patients/${clinic.patient.id}/progress.svg`, {
      token: clinic.physio.token,
    });
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toContain("image/svg+xml");
    expect(svg.text).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.text).toContain("<polyline");
    expect(svg.text).toContain("10 reps");
    expect(svg.text).not.toContain("Pat ");

    const closed = await api("PUT", `/api/v1/sessions/${id}`, {
      token: clinic.physio.token,
      body: { status: "completed" },
    });
    expect(expectStatus(closed, 200).body.data.status).toBe("completed");
    expect((await auditActions(id)).map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "exercise_session.created",
        "pose_data.uploaded",
        "exercise_session.completed",
        "exercise_session.analyzed",
        "session_review.created",
        "exercise_session.read",
      ]),
    );
  }, 60_000);

  it("analyses on the queue (202) when a long session's frames must all be read back", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic, { frame_size: { width: 720, height: 720 } });
    // The first chunk last: the analysis saved as chunks arrived cannot be used (it began at the
    // second chunk), so all 2,791 frames must be read back, more than the inline limit.
    const frames = squatFrames({ reps: 31 });
    await uploadFrames(clinic.patientUser.token, session_id, frames.slice(300), 300);
    await uploadFrames(clinic.patientUser.token, session_id, frames.slice(0, 300), 300);
    const res = await api("POST", `/api/v1/sessions/${session_id}/complete`, {
      token: clinic.patientUser.token,
    });
    expect(expectStatus(res, 202).body.data.status).toBe("processing");
    let status = "processing";
    for (let i = 0; i < 60 && status === "processing"; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = String((await rawRows("exercise_sessions", "id", session_id))[0]!.status);
    }
    expect(status).toBe("review_pending");
    const [row] = await rawRows("exercise_sessions", "id", session_id);
    expect(row!.rep_count).toBe(31);
  }, 60_000);
});

describe("errors", () => {
  it("refuses to review a session that is not awaiting review (409)", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    const res = await api("POST", "/api/v1/physio/reviews", {
      token: clinic.physio.token,
      body: { session_id, overall_assessment: "GOOD" },
    });
    expect(expectStatus(res, 409).body.error.details[0].field).toBe("session_id");
    const bad = await api("POST", "/api/v1/physio/reviews", {
      token: clinic.physio.token,
      body: { session_id, overall_assessment: "SUPERB", form_feedback: [{}] },
    });
    const fields = expectStatus(bad, 422).body.error.details.map((d: any) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["overall_assessment", "form_feedback.0.issue"]));
  });
});

describe("security", () => {
  it("keeps reviews to the care team's clinicians", async () => {
    const { clinic } = await sessionClinic();
    const { session_id } = await createSession(clinic);
    await uploadFrames(clinic.patientUser.token, session_id, squatFrames({ reps: 2 }), 300);
    expectStatus(
      await api("POST", `/api/v1/sessions/${session_id}/complete`, {
        token: clinic.patientUser.token,
      }),
      200,
    );
    const body = { session_id, overall_assessment: "GOOD" };
    expectStatus(
      await api("POST", "/api/v1/physio/reviews", { token: clinic.doctor.token, body }),
      404,
    );
    expectStatus(
      await api("POST", "/api/v1/physio/reviews", { token: clinic.patientUser.token, body }),
      403,
    );
    const queue = await api("GET", "/api/v1/physio/sessions", { token: clinic.doctor.token });
    expect(expectStatus(queue, 200).body.data).toHaveLength(0);
  });
});
