import { describe, expect, it } from "vitest";
import { AnalysisConfig } from "../../src/modules/exercise-types/exercise-types.analysis";
import { defaultExerciseTypes } from "../../src/modules/exercise-types/exercise-types.catalog";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditRows, clinicWithCatalog, seedCatalog, stepUpBody } from "./helpers";

const BASE = "/api/v1/exercise-types";
const REQUIRED = [
  "squat",
  "lunge",
  "glute_bridge",
  "wall_sit",
  "heel_raise",
  "shoulder_flexion",
  "shoulder_abduction",
  "knee_extension",
  "bicep_curl",
  "sit_to_stand",
];

describe("exercise catalog: happy", () => {
  it("defines the ten default exercises with valid analysis configs", () => {
    const seeds = defaultExerciseTypes();
    expect(seeds.map((s) => s.slug).sort()).toEqual([...REQUIRED].sort());
    for (const seed of seeds) {
      const parsed = AnalysisConfig.safeParse(seed.analysis);
      expect(parsed.success, `${seed.slug}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(seed.analysis.tracked_joints).toContain(seed.analysis.primary_joint);
      expect(seed.target_muscles.length).toBeGreaterThan(0);
    }
    const wallSit = seeds.find((s) => s.slug === "wall_sit")!;
    expect(wallSit.analysis.repetition).toMatchObject({ type: "hold", min_hold_seconds: 20 });
    const squat = seeds.find((s) => s.slug === "squat")!;
    expect(squat.analysis.repetition).toMatchObject({ type: "reps", direction: "down" });
  });

  it("serves the seeded catalog to any signed-in user, filtered and paged", async () => {
    const { clinic } = await clinicWithCatalog();
    const all = expectStatus(
      await api("GET", `${BASE}?page_size=100`, { token: clinic.family.token }),
      200,
    );
    expect(all.body.pagination.total_items).toBe(10);
    expect(all.body.data.map((t: { slug: string }) => t.slug).sort()).toEqual([...REQUIRED].sort());
    const upper = expectStatus(
      await api("GET", `${BASE}?category=upper_body`, { token: clinic.patientUser.token }),
      200,
    );
    expect(upper.body.data.map((t: { slug: string }) => t.slug).sort()).toEqual([
      "bicep_curl",
      "shoulder_abduction",
      "shoulder_flexion",
    ]);
    const hard = expectStatus(
      await api("GET", `${BASE}?difficulty=intermediate`, { token: clinic.nurse.token }),
      200,
    );
    expect(hard.body.data.map((t: { slug: string }) => t.slug).sort()).toEqual([
      "lunge",
      "wall_sit",
    ]);
    const page = expectStatus(
      await api("GET", `${BASE}?page=3&page_size=4`, { token: clinic.doctor.token }),
      200,
    );
    expect(page.body.data).toHaveLength(2);
    expect(page.body.pagination).toEqual({
      page: 3,
      page_size: 4,
      total_items: 10,
      total_pages: 3,
    });
  });

  it("returns one type with its movement-analysis parameters", async () => {
    const { clinic, catalog } = await clinicWithCatalog();
    const res = expectStatus(
      await api("GET", `${BASE}/${catalog.squat!.id}`, { token: clinic.patientUser.token }),
      200,
    );
    expect(res.body.data).toMatchObject({
      name: "Squat",
      slug: "squat",
      difficulty_level: "beginner",
    });
    expect(res.body.data.analysis.primary_joint).toBe("knee_left");
    expect(res.body.data.analysis.form_rules.map((r: { type: string }) => r.type)).toContain(
      "knee_valgus",
    );
  });

  it("lets an admin create and partially edit a type, audited", async () => {
    const { clinic } = await clinicWithCatalog();
    const body = stepUpBody("Step-Up");
    const created = expectStatus(await api("POST", BASE, { token: clinic.admin.token, body }), 201);
    const id = created.body.data.id;
    expect(created.body.data).toMatchObject({
      name: "Step-Up",
      slug: "step_up",
      category: "lower_body",
    });
    const edited = expectStatus(
      await api("PUT", `${BASE}/${id}`, {
        token: clinic.admin.token,
        body: { difficulty_level: "advanced", name: "Step Up (High)" },
      }),
      200,
    );
    expect(edited.body.data).toMatchObject({
      difficulty_level: "advanced",
      name: "Step Up (High)",
      slug: "step_up",
    });
    expect(edited.body.data.analysis).toEqual(created.body.data.analysis);
    expect(edited.body.data.target_muscles).toEqual(body.target_muscles);
    const [createdAudit] = await auditRows(clinic.workspaceId, "exercise_type.created");
    expect(createdAudit).toMatchObject({
      resourceId: id,
      actorId: clinic.admin.id,
      outcome: "success",
    });
    const [updatedAudit] = await auditRows(clinic.workspaceId, "exercise_type.updated");
    expect(updatedAudit?.metadata).toEqual({ fields: ["difficulty_level", "name"] });
  });
});

describe("exercise catalog: errors", () => {
  it("answers 409 to a duplicate name, on create and on rename", async () => {
    const { clinic, catalog } = await clinicWithCatalog();
    const dup = await api("POST", BASE, {
      token: clinic.admin.token,
      body: { ...stepUpBody(), name: "  SQUAT " },
    });
    expectStatus(dup, 409);
    expect(dup.body.error.code).toBe("DUPLICATE_ENTRY");
    expect(dup.body.error.details).toEqual([{ field: "name", message: "Already in use" }]);
    const rename = await api("PUT", `${BASE}/${catalog.lunge!.id}`, {
      token: clinic.admin.token,
      body: { name: "Wall Sit" },
    });
    expectStatus(rename, 409);
    const slug = await api("POST", BASE, {
      token: clinic.admin.token,
      body: { ...stepUpBody(), slug: "squat" },
    });
    expect(slug.body.error.details).toEqual([{ field: "slug", message: "Already in use" }]);
  });

  it("answers 422 naming the field of an invalid analysis config", async () => {
    const clinic = await createClinic();
    const base = stepUpBody();
    const cases: [unknown, string][] = [
      [{ ...base.analysis, primary_joint: "ankle_left" }, "analysis.primary_joint"],
      [
        { ...base.analysis, target_ranges: { knee_left: { min: 170, max: 120 } } },
        "analysis.target_ranges.knee_left.min",
      ],
      [
        { ...base.analysis, target_ranges: { ankle_right: { min: 90, max: 120 } } },
        "analysis.target_ranges.ankle_right",
      ],
      [
        { ...base.analysis, tracked_joints: ["knee_left", "wrist_left"] },
        "analysis.tracked_joints.1",
      ],
      [
        {
          ...base.analysis,
          repetition: { type: "reps", start_angle_above: 100, bottom_angle_below: 150 },
        },
        "analysis.repetition.bottom_angle_below",
      ],
      [
        {
          ...base.analysis,
          repetition: {
            type: "hold",
            min_hold_seconds: 20,
            hold_angle_min: 100,
            hold_angle_max: 80,
          },
        },
        "analysis.repetition.hold_angle_min",
      ],
      [
        {
          ...base.analysis,
          form_rules: [{ id: "x", type: "angle_min", value: 90, message: "m", severity: "LOW" }],
        },
        "analysis.form_rules.0.joint",
      ],
      [
        { ...base.analysis, tempo: { min_rep_seconds: 6, max_rep_seconds: 2 } },
        "analysis.tempo.min_rep_seconds",
      ],
    ];
    for (const [analysis, field] of cases) {
      const res = await api("POST", BASE, {
        token: clinic.admin.token,
        body: { ...base, analysis },
      });
      expectStatus(res, 422);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
      expect(
        res.body.error.details.map((d: { field: string }) => d.field),
        res.text,
      ).toContain(field);
    }
    const put = await api("PUT", `${BASE}/${(await seedCatalog(clinic.workspaceId)).squat!.id}`, {
      token: clinic.admin.token,
      body: { analysis: { ...base.analysis, primary_joint: "elbow_left" } },
    });
    expectStatus(put, 422);
  });

  it("answers 404 to an unknown id", async () => {
    const clinic = await createClinic();
    expectStatus(
      await api("GET", `${BASE}/${crypto.randomUUID()}`, { token: clinic.admin.token }),
      404,
    );
  });
});

describe("exercise catalog: security", () => {
  it("refuses non-admins (audited) and hides other workspaces' types", async () => {
    const { clinic, catalog } = await clinicWithCatalog();
    const other = await createClinic("Other");
    const res = await api("POST", BASE, { token: clinic.physio.token, body: stepUpBody() });
    expectStatus(res, 403);
    const [denied] = await auditRows(clinic.workspaceId, "exercise_type.created");
    expect(denied).toMatchObject({ outcome: "denied", actorId: clinic.physio.id });
    expectStatus(
      await api("GET", `${BASE}/${catalog.squat!.id}`, { token: other.admin.token }),
      404,
    );
    const put = await api("PUT", `${BASE}/${catalog.squat!.id}`, {
      token: other.admin.token,
      body: { category: "x" },
    });
    expectStatus(put, 404);
    const list = expectStatus(await api("GET", BASE, { token: other.admin.token }), 200);
    expect(list.body.data).toEqual([]);
  });
});
