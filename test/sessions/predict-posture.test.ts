/**
 * Motion prediction (seed 004) and posture analyses (seed 003), on frames of the analysis
 * module's kinematic model rendered as a portrait phone video (720×1280).
 */
import { describe, expect, it } from "vitest";
import { render, STANDING } from "../analysis/kinematics";
import { DEMOS, perform } from "../analysis/performances";
import { insertAssignment } from "../exercises/helpers";
import { api, expectStatus } from "../helpers/http";
import { createSession, rawRows, sessionClinic, uploadFrames } from "./helpers";

const camera = { view: "side" as const, width: 720, height: 1280 };
const portrait = { width: 720, height: 1280 };
const recorded = (slug: string) => perform(DEMOS[slug]!, { reps: 4 }).frames(30, { camera });

describe("happy", () => {
  it("predicts the motion of a session and tells whether it matches the assignment", async () => {
    const { clinic, catalog } = await sessionClinic();
    const assignment = await insertAssignment({
      workspaceId: clinic.workspaceId,
      patientId: clinic.patient.id,
      assignedBy: clinic.physio.id,
      typeId: catalog.squat!.id,
    });
    const squat = await createSession(clinic, {
      assignment_id: assignment.id,
      frame_size: portrait,
    });
    await uploadFrames(clinic.patientUser.token, squat.session_id, recorded("squat"), 300);
    const curl = await createSession(clinic, {
      assignment_id: assignment.id,
      frame_size: portrait,
    });
    await uploadFrames(clinic.patientUser.token, curl.session_id, recorded("bicep_curl"), 300);

    const match = expectStatus(
      await api("POST", "/api/v1/predict", {
        token: clinic.patientUser.token,
        body: { session_id: squat.session_id },
      }),
      201,
    ).body.data;
    expect(match).toMatchObject({
      video_id: squat.session_id,
      exercise_id: assignment.id,
      expected_motion: "squat",
      predicted_motion: "squat",
      is_match: true,
    });
    expect(match.confidence_score).toBeGreaterThan(0.5);
    expect(match.raw_results.ranking).toHaveLength(Object.keys(catalog).length);

    const miss = expectStatus(
      await api("POST", "/api/v1/predict", {
        token: clinic.physio.token,
        body: { session_id: curl.session_id },
      }),
      201,
    ).body.data;
    expect(miss).toMatchObject({ predicted_motion: "bicep_curl", is_match: false });

    const video = expectStatus(
      await api("GET", `/api/v1/videos/${squat.session_id}`, { token: clinic.physio.token }),
      200,
    ).body.data;
    expect(video).toMatchObject({
      id: squat.session_id,
      status: "Processed",
      prediction: { id: match.id },
    });
    const mine = await api("GET", `/api/v1/videos/patient/${clinic.patient.id}`, {
      token: clinic.patientUser.token,
    });
    expect(expectStatus(mine, 200).body.pagination.total_items).toBe(2);
    const forAssignment = await api("GET", `/api/v1/predict/exercise/${assignment.id}/videos`, {
      token: clinic.physio.token,
    });
    expect(
      expectStatus(forAssignment, 200)
        .body.data.map((v: any) => v.prediction?.predicted_motion)
        .sort(),
    ).toEqual(["bicep_curl", "squat"]);
  }, 60_000);

  it("scores, saves, lists, reads and deletes posture analyses on both paths", async () => {
    const { clinic } = await sessionClinic();
    const landmarks = render(STANDING, 0, {
      camera: { view: "front", width: 720, height: 1280 },
    }).landmarks;
    const saved = expectStatus(
      await api("POST", "/api/v1/analysis/save", {
        token: clinic.patientUser.token,
        body: { landmarks, frame_size: portrait, text: "Neck pain after long desk days" },
      }),
      201,
    ).body.data;
    expect(saved).toMatchObject({ message: expect.any(String), patient_id: clinic.patient.id });
    expect(saved.posture_score).toBeGreaterThan(80);
    expect(saved.analysis_id).toBe(saved.id);
    const [raw] = await rawRows("posture_analyses", "id", saved.id);
    expect(JSON.stringify(raw)).not.toContain("Neck pain");

    const listed = expectStatus(
      await api("GET", "/api/v1/analysis/list", { token: clinic.physio.token }),
      200,
    );
    // The seed's path answers the seed's shape: { analyses: [...] }.
    expect(listed.body.data.analyses.map((a: any) => a.id)).toEqual([saved.id]);
    expect(listed.body.pagination).toMatchObject({ page: 1, total_items: 1 });
    const rest = expectStatus(
      await api("GET", "/api/v1/posture-analyses", { token: clinic.physio.token }),
      200,
    );
    expect(rest.body.data.map((a: any) => a.id)).toEqual([saved.id]);
    const got = expectStatus(
      await api("GET", `/api/v1/posture-analyses/${saved.id}`, { token: clinic.physio.token }),
      200,
    );
    expect(got.body.data.text).toBe("Neck pain after long desk days");
    expectStatus(
      await api("DELETE", `/api/v1/analysis/${saved.id}`, { token: clinic.patientUser.token }),
      200,
    );
    expectStatus(
      await api("GET", `/api/v1/analysis/${saved.id}`, { token: clinic.patientUser.token }),
      404,
    );
  });
});

describe("seed 003 body", () => {
  it("saves { video_url, text } without landmarks: the URL kept encrypted, never fetched, no score", async () => {
    const { clinic } = await sessionClinic();
    const videoUrl = "https://videos.example.com/posture/desk-7.mp4";
    const saved = expectStatus(
      await api("POST", "/api/v1/analysis/save", {
        token: clinic.patientUser.token,
        body: { video_url: videoUrl, text: "Slouching at the desk in the afternoon" },
      }),
      201,
    ).body.data;
    expect(saved).toMatchObject({
      video_url: videoUrl,
      posture_score: null,
      text: "Slouching at the desk in the afternoon",
      media_id: null,
    });
    const [raw] = await rawRows("posture_analyses", "id", saved.id);
    expect(JSON.stringify(raw)).not.toContain("videos.example.com");
    expect(JSON.stringify(raw)).not.toContain("Slouching");
    const listed = expectStatus(
      await api("GET", "/api/v1/analysis/list", { token: clinic.patientUser.token }),
      200,
    );
    expect(listed.body.data.analyses[0]).toMatchObject({ id: saved.id, video_url: videoUrl });
  });

  it("names a bad video_url, a missing source, both sources and media that is not the patient's", async () => {
    const { clinic } = await sessionClinic();
    const save = (body: Record<string, unknown>) =>
      api("POST", "/api/v1/analysis/save", { token: clinic.patientUser.token, body });
    for (const url of [
      "http://videos.example.com/a.mp4",
      "file:///etc/passwd",
      "https://user:pw@videos.example.com/a.mp4",
      "not a url",
    ]) {
      const res = expectStatus(await save({ video_url: url, text: "x" }), 422);
      expect(res.body.error.details[0].field, url).toBe("video_url");
    }
    const none = expectStatus(await save({ text: "only notes" }), 422);
    expect(none.body.error.details[0].field).toBe("video_url");
    const both = expectStatus(
      await save({ video_url: "https://v.example.com/a.mp4", media_id: crypto.randomUUID() }),
      422,
    );
    expect(both.body.error.details[0].field).toBe("media_id");
    const unknown = expectStatus(await save({ media_id: crypto.randomUUID(), text: "x" }), 422);
    expect(unknown.body.error.details[0]).toMatchObject({ field: "media_id" });
  });
});

describe("errors", () => {
  it("names bad posture landmarks and refuses to predict a session without frames", async () => {
    const { clinic } = await sessionClinic();
    const bad = await api("POST", "/api/v1/posture-analyses", {
      token: clinic.patientUser.token,
      body: { landmarks: [{ x: 0, y: 0, z: 0, visibility: 2 }] },
    });
    const fields = expectStatus(bad, 422).body.error.details.map((d: any) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["landmarks", "landmarks.0.visibility"]));
    const staff = await api("POST", "/api/v1/posture-analyses", {
      token: clinic.physio.token,
      body: { landmarks: render(STANDING, 0, { camera }).landmarks },
    });
    expect(expectStatus(staff, 422).body.error.details[0].field).toBe("patient_id");
    const { session_id } = await createSession(clinic);
    const empty = await api("POST", "/api/v1/predict", {
      token: clinic.patientUser.token,
      body: { session_id },
    });
    expect(expectStatus(empty, 422).body.error.details[0].field).toBe("session_id");
  });
});

describe("security", () => {
  it("keeps other workspaces and other patients away from videos and posture analyses", async () => {
    const { clinic } = await sessionClinic();
    const { clinic: other } = await sessionClinic();
    const landmarks = render(STANDING, 0, { camera }).landmarks;
    const saved = expectStatus(
      await api("POST", "/api/v1/posture-analyses", {
        token: clinic.patientUser.token,
        body: { landmarks },
      }),
      201,
    ).body.data;
    expectStatus(
      await api("GET", `/api/v1/posture-analyses/${saved.id}`, { token: other.admin.token }),
      404,
    );
    expectStatus(
      await api("GET", `/api/v1/posture-analyses/${saved.id}`, {
        token: clinic.otherPatientUser.token,
      }),
      404,
    );
    expectStatus(
      await api("GET", `/api/v1/posture-analyses/${saved.id}`, { token: clinic.family.token }),
      404,
    );
    const list = await api("GET", "/api/v1/posture-analyses", {
      token: clinic.otherPatientUser.token,
    });
    expect(expectStatus(list, 200).body.data).toHaveLength(0);
    const { session_id } = await createSession(clinic);
    expectStatus(
      await api("GET", `/api/v1/videos/${session_id}`, { token: other.admin.token }),
      404,
    );
  });
});
