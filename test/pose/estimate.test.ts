/** `POST /api/v1/pose/estimate`: the three body forms, bad images, limits, audit and roles. */
import { env } from "cloudflare:test";
import { encode as encodePng } from "fast-png";
import { zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import { COCO_KEYPOINTS, cocoToBlazePose, postureScore } from "../../src/analysis";
import { expectStatus, api } from "../helpers/http";
import { createClinic } from "../helpers/fixtures";
import { ihdr, pngFrom, zlibZeros } from "./hostile";
import { EXPECTED, MOVENET_EXPECTED, POSE_JPG, POSE_PNG_HALF, base64Of } from "./images";

const PATH = "/api/v1/pose/estimate";

async function auditRows(workspaceId: string, action: string) {
  const rows = await env.DB.prepare(
    "select outcome, metadata from audit_log where workspace_id = ? and action = ?",
  )
    .bind(workspaceId, action)
    .all<{ outcome: string; metadata: string | null }>();
  return rows.results;
}

/** A PNG whose header claims 50,000 × 50,000 pixels (10 GB of RGBA) over a tiny body. */
function pngBomb() {
  return pngFrom(ihdr(50_000, 50_000), zlibSync(new Uint8Array(64)));
}

describe("happy", () => {
  it("answers 33 landmarks, the model and the provider for a raw JPEG body, and audits it", async () => {
    const clinic = await createClinic();
    const res = expectStatus(
      await api("POST", PATH, {
        token: clinic.patientUser.token,
        raw: POSE_JPG,
        headers: { "content-type": "image/jpeg" },
      }),
      200,
    );
    const data = res.body.data;
    expect(data.model).toBe("blazepose-lite");
    expect(data.keypoint_format).toBe("blazepose-33");
    expect(data.keypoint_names[11]).toBe("left_shoulder");
    expect(data.provider).toBe("pose-worker");
    expect(data.image).toEqual({ width: 1000, height: 667, format: "jpeg" });
    expect(data.landmarks).toHaveLength(33);
    expect(data.landmarks[11].type).toBe("LEFT_SHOULDER");
    expect(Math.abs(data.landmarks[11].x_px - EXPECTED.landmarks[11]!.x)).toBeLessThan(15);
    expect(data.world_landmarks).toHaveLength(33);
    expect(data.inference_ms).toBeGreaterThan(0);
    // Scored by the shared analysis module; the reference pose stands upright with arms out.
    expect(data.posture_score).toBeGreaterThanOrEqual(0);
    expect(data.posture_score).toBeLessThanOrEqual(100);
    expect(data.posture).toEqual(postureScore(data.landmarks, { width: 1000, height: 667 }));
    expect(Object.keys(data.posture.parts).sort()).toEqual([
      "head_forward",
      "hip_tilt",
      "shoulder_tilt",
      "trunk_lean",
    ]);
    const rows = await auditRows(clinic.workspaceId, "pose.estimated");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outcome).toBe("success");
    expect(JSON.parse(rows[0]!.metadata!)).toMatchObject({
      model: "blazepose-lite",
      source: "rest",
    });
  });

  it("answers MoveNet's 17 named COCO keypoints with ?model=movenet-lightning, scored the same way", async () => {
    const clinic = await createClinic();
    const res = expectStatus(
      await api("POST", `${PATH}?model=movenet-lightning`, {
        token: clinic.patientUser.token,
        raw: POSE_JPG,
        headers: { "content-type": "image/jpeg" },
      }),
      200,
    );
    const data = res.body.data;
    expect(data.model).toBe("movenet-lightning");
    expect(data.keypoint_format).toBe("coco-17");
    expect(data.keypoint_names).toEqual(COCO_KEYPOINTS.map((n) => n.toLowerCase()));
    expect(data.landmarks.map((l: { type: string }) => l.type)).toEqual([...COCO_KEYPOINTS]);
    expect(data.world_landmarks).toEqual([]);
    const shoulder = MOVENET_EXPECTED.keypoints[5]!;
    expect(Math.abs(data.landmarks[5].x_px - shoulder.x)).toBeLessThan(15);
    // Posture reads the COCO points from BlazePose's slots: shoulders, hips, ears and nose.
    expect(data.posture).toEqual(
      postureScore(cocoToBlazePose(data.landmarks), { width: 1000, height: 667 }),
    );
    expect(data.posture.parts.hip_tilt.value).not.toBeNull();
    const rows = await auditRows(clinic.workspaceId, "pose.estimated");
    expect(JSON.parse(rows[0]!.metadata!)).toMatchObject({
      model: "movenet-lightning",
      landmarks: 17,
    });
  });

  it("accepts base64 JSON (plain or data: URL) and multipart, with a model named in the body", async () => {
    const clinic = await createClinic();
    const json = await api("POST", PATH, {
      token: clinic.physio.token,
      body: { image: `data:image/png;base64,${base64Of(POSE_PNG_HALF)}`, model: "blazepose-lite" },
    });
    expect(expectStatus(json, 200).body.data.image.format).toBe("png");
    const form = new FormData();
    form.set("image", new File([POSE_JPG], "frame.jpg", { type: "image/jpeg" }));
    form.set("model", "blazepose-lite");
    const multipart = await api("POST", PATH, { token: clinic.physio.token, raw: form });
    expect(expectStatus(multipart, 200).body.data.landmarks).toHaveLength(33);
  });
});

describe("errors", () => {
  const send = async (raw: Uint8Array, type = "application/octet-stream", query = "") => {
    const clinic = await createClinic();
    return api("POST", `${PATH}${query}`, {
      token: clinic.patientUser.token,
      raw,
      headers: { "content-type": type },
    });
  };

  it("refuses a truncated JPEG with 422 naming `image`", async () => {
    const res = expectStatus(await send(POSE_JPG.slice(0, POSE_JPG.length / 2), "image/jpeg"), 422);
    expect(res.body.error.details).toEqual([
      { field: "image", message: "The JPEG image is truncated or corrupt." },
    ]);
  });

  it("refuses a PNG bomb from its header, before decoding, with 413", async () => {
    const res = expectStatus(await send(pngBomb(), "image/png"), 413);
    expect(res.body.error.message).toMatch(/50000×50000; at most 4096 pixels a side and 4200000/);
  });

  it("refuses a PNG decompression bomb (1×1 header, 256 MiB of IDAT) with 413 at once", async () => {
    const started = Date.now();
    const res = expectStatus(await send(pngFrom(ihdr(1, 1), zlibZeros(256)), "image/png"), 413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(res.body.error.message).toMatch(/inflates past the 4 bytes its 1×1 header allows/);
    // Through the API (auth, audit) on a shared machine; the unbounded decoder took 10 s.
    expect(Date.now() - started).toBeLessThan(5_000);
    const next = await send(POSE_JPG, "image/jpeg");
    expect(next.status, JSON.stringify(next.body).slice(0, 300)).toBe(200);
  });

  it("refuses a body that is not an image with 422 naming `image`", async () => {
    const res = expectStatus(await send(new TextEncoder().encode("hello, not a picture")), 422);
    expect(res.body.error.details[0].field).toBe("image");
    expect(res.body.error.message).toMatch(/not a JPEG, PNG or WebP/);
  });

  it("answers 422 naming `image` when no person is in the picture", async () => {
    const grey = encodePng({
      width: 64,
      height: 64,
      data: new Uint8Array(64 * 64 * 3).fill(128),
      channels: 3,
    });
    const res = expectStatus(await send(grey, "image/png"), 422);
    expect(res.body.error.details).toEqual([
      { field: "image", message: "No person was found in the image." },
    ]);
  });

  it("answers 422 naming `model` for an unknown or malformed model", async () => {
    const unknown = expectStatus(await send(POSE_JPG, "image/jpeg", "?model=movenet-9000"), 422);
    expect(unknown.body.error.details[0].field).toBe("model");
    const malformed = expectStatus(await send(POSE_JPG, "image/jpeg", "?model=../etc"), 422);
    expect(JSON.stringify(malformed.body.error.details)).toContain("model");
  });

  it("answers 422 naming `image` for a missing image or bad base64", async () => {
    const clinic = await createClinic();
    const missing = expectStatus(
      await api("POST", PATH, { token: clinic.nurse.token, body: {} }),
      422,
    );
    expect(JSON.stringify(missing.body.error.details)).toContain("image");
    const bad = expectStatus(
      await api("POST", PATH, { token: clinic.nurse.token, body: { image: "!!!" } }),
      422,
    );
    expect(JSON.stringify(bad.body.error.details)).toContain("image");
    const empty = await api("POST", PATH, {
      token: clinic.nurse.token,
      raw: new Uint8Array(0),
      headers: { "content-type": "image/jpeg" },
    });
    expectStatus(empty, 422);
  });

  it("takes images over the API's 1 MiB JSON limit, up to 6 MB, and refuses larger bodies with 413", async () => {
    // 1.5 MB: past the JSON limit, so it reaches the image checks (not an image: 422).
    const big = new Uint8Array(1_500_000).fill(7);
    const res = expectStatus(await send(big, "image/jpeg"), 422);
    expect(res.body.error.message).toMatch(/not a JPEG, PNG or WebP/);
    // A JPEG header over 6 MB of data: refused by the pose Worker's byte limit.
    const huge = new Uint8Array(6_500_000);
    huge.set(POSE_JPG.subarray(0, 1000));
    const tooBig = expectStatus(await send(huge, "image/jpeg"), 413);
    expect(tooBig.body.error.message).toMatch(/exceeds 6291456 bytes/);
    expectStatus(await send(new Uint8Array(8_600_000), "image/jpeg"), 413);
  });

  it("audits a failed estimate as a failure, with the error code only", async () => {
    const clinic = await createClinic();
    await api("POST", PATH, {
      token: clinic.patientUser.token,
      raw: pngBomb(),
      headers: { "content-type": "image/png" },
    });
    const rows = await auditRows(clinic.workspaceId, "pose.estimated");
    expect(rows.map((r) => r.outcome)).toEqual(["failure"]);
    expect(JSON.parse(rows[0]!.metadata!).error).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("security", () => {
  it("needs a token", async () => {
    expectStatus(
      await api("POST", PATH, { raw: POSE_JPG, headers: { "content-type": "image/jpeg" } }),
      401,
    );
  });

  it("refuses family members with 403 and audits the refusal", async () => {
    const clinic = await createClinic();
    const res = await api("POST", PATH, {
      token: clinic.family.token,
      raw: POSE_JPG,
      headers: { "content-type": "image/jpeg" },
    });
    expectStatus(res, 403);
    const rows = await auditRows(clinic.workspaceId, "pose.denied");
    expect(rows.map((r) => r.outcome)).toEqual(["denied"]);
  });

  it("keeps no image: nothing in R2 and no pixels in the audit log", async () => {
    const clinic = await createClinic();
    const before = (await env.MEDIA.list()).objects.length;
    await api("POST", PATH, {
      token: clinic.admin.token,
      body: { image: base64Of(POSE_PNG_HALF) },
    });
    expect((await env.MEDIA.list()).objects.length).toBe(before);
    const rows = await auditRows(clinic.workspaceId, "pose.estimated");
    expect(rows[0]!.metadata!.length).toBeLessThan(300);
  });
});
