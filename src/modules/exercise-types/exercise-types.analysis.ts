/**
 * What movement analysis needs to know about an exercise, validated by zod.
 *
 * Angle conventions (degrees, from MediaPipe BlazePose landmarks; the analysis code follows them):
 * - knee: hip–knee–ankle; 180 = leg straight, about 90 at a thigh-parallel squat.
 * - hip: shoulder–hip–knee; 180 = standing upright, smaller with hip flexion.
 * - elbow: shoulder–elbow–wrist; 180 = arm straight.
 * - shoulder: hip–shoulder–elbow (humeral elevation); 0 = arm by the side, 180 = overhead.
 * - ankle: knee–ankle–foot index; about 90–100 standing, larger with plantarflexion.
 * - trunk_lean: the hip-midpoint → shoulder-midpoint line against vertical; 0 = upright.
 *
 * Repetitions are counted on `primary_joint` with hysteresis:
 * - `reps`, direction `down` (the angle falls during the effort: squat, curl): the joint is at the
 *   start above `start_angle_above`, a repetition counts once it passed below `bottom_angle_below`
 *   and came back above `start_angle_above`.
 * - `reps`, direction `up` (the angle rises: shoulder raise, heel raise): start below
 *   `start_angle_below`, count after passing above `top_angle_above` and coming back.
 * - `hold` (isometric: wall sit): time the primary joint stays within [hold_angle_min,
 *   hold_angle_max]; a hold counts from `min_hold_seconds`.
 * `target_ranges` give where each joint should be at the working position (bottom of a squat, top
 * of a raise, the hold): range-of-motion scoring compares each repetition against them.
 * Form rules: `angle_min` flags the joint below `value`, `angle_max` above it; `symmetry` flags a
 * left/right difference over `value` degrees on the rule's paired joint; `knee_valgus` flags a
 * frontal-plane knee deviation over `value` degrees; `trunk_lean_max` flags trunk lean over `value`.
 */
import { z } from "@hono/zod-openapi";

export const JOINTS = [
  "elbow_left",
  "elbow_right",
  "shoulder_left",
  "shoulder_right",
  "hip_left",
  "hip_right",
  "knee_left",
  "knee_right",
  "ankle_left",
  "ankle_right",
  "trunk_lean",
] as const;
export type Joint = (typeof JOINTS)[number];

export const FORM_RULE_TYPES = [
  "angle_min",
  "angle_max",
  "symmetry",
  "knee_valgus",
  "trunk_lean_max",
] as const;
export const SEVERITIES = ["LOW", "MEDIUM", "HIGH"] as const;

export const JointName = z.enum(JOINTS).openapi("JointName");
const Angle = z.number().min(0).max(180);

export const AngleRange = z
  .object({ min: Angle, max: Angle })
  .openapi("AngleRange", { description: "Degrees; min must be below max" });

const RepsRule = z.object({
  type: z.literal("reps"),
  direction: z.enum(["down", "up"]).default("down"),
  start_angle_above: Angle.optional(),
  bottom_angle_below: Angle.optional(),
  start_angle_below: Angle.optional(),
  top_angle_above: Angle.optional(),
});

const HoldRule = z.object({
  type: z.literal("hold"),
  min_hold_seconds: z.number().int().min(1).max(600),
  hold_angle_min: Angle,
  hold_angle_max: Angle,
});

export const RepetitionRule = z
  .discriminatedUnion("type", [RepsRule, HoldRule])
  .openapi("RepetitionRule");

export const FormRule = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9_]{1,50}$/)
      .openapi({ example: "knee_valgus" }),
    type: z.enum(FORM_RULE_TYPES),
    joint: JointName.optional(),
    value: z.number().min(0).max(180),
    message: z.string().trim().min(1).max(200),
    severity: z.enum(SEVERITIES),
  })
  .openapi("FormRule");

export const Tempo = z
  .object({
    min_rep_seconds: z.number().positive().max(120),
    max_rep_seconds: z.number().positive().max(120),
  })
  .openapi("Tempo");

type Issue = { path: (string | number)[]; message: string };

const PAIRED = /_(left|right)$/;

/** Cross-field rules zod's shape cannot say; each issue names its field. */
function analysisIssues(a: z.infer<typeof AnalysisShape>): Issue[] {
  const issues: Issue[] = [];
  const tracked = new Set<string>(a.tracked_joints);
  if (tracked.size !== a.tracked_joints.length) {
    issues.push({ path: ["tracked_joints"], message: "Joints must not repeat" });
  }
  if (!tracked.has(a.primary_joint)) {
    issues.push({ path: ["primary_joint"], message: "Must be one of tracked_joints" });
  }
  const r = a.repetition;
  if (r.type === "reps" && r.direction === "down") {
    if (r.start_angle_above === undefined || r.bottom_angle_below === undefined) {
      issues.push({
        path: ["repetition"],
        message: "A 'down' repetition needs start_angle_above and bottom_angle_below",
      });
    } else if (r.start_angle_above - r.bottom_angle_below < 10) {
      issues.push({
        path: ["repetition", "bottom_angle_below"],
        message: "Must be at least 10 degrees below start_angle_above",
      });
    }
  } else if (r.type === "reps") {
    if (r.start_angle_below === undefined || r.top_angle_above === undefined) {
      issues.push({
        path: ["repetition"],
        message: "An 'up' repetition needs start_angle_below and top_angle_above",
      });
    } else if (r.top_angle_above - r.start_angle_below < 10) {
      issues.push({
        path: ["repetition", "top_angle_above"],
        message: "Must be at least 10 degrees above start_angle_below",
      });
    }
  } else if (r.hold_angle_min >= r.hold_angle_max) {
    issues.push({
      path: ["repetition", "hold_angle_min"],
      message: "Must be below hold_angle_max",
    });
  }
  for (const [joint, range] of Object.entries(a.target_ranges)) {
    if (!range) continue;
    if (!tracked.has(joint)) {
      issues.push({ path: ["target_ranges", joint], message: "Joint is not in tracked_joints" });
    }
    if (range.min >= range.max) {
      issues.push({ path: ["target_ranges", joint, "min"], message: "Must be below max" });
    }
  }
  const ids = new Set<string>();
  a.form_rules.forEach((rule, i) => {
    const at = (field: string) => ["form_rules", i, field];
    if (ids.has(rule.id)) issues.push({ path: at("id"), message: "Rule ids must be unique" });
    ids.add(rule.id);
    if (rule.type === "angle_min" || rule.type === "angle_max" || rule.type === "symmetry") {
      if (!rule.joint) issues.push({ path: at("joint"), message: `Required for ${rule.type}` });
    }
    if (rule.joint && !tracked.has(rule.joint)) {
      issues.push({ path: at("joint"), message: "Joint is not in tracked_joints" });
    }
    if (rule.type === "symmetry" && rule.joint && !PAIRED.test(rule.joint)) {
      issues.push({ path: at("joint"), message: "Symmetry needs a left/right joint" });
    }
    if (rule.type === "trunk_lean_max" && !tracked.has("trunk_lean")) {
      issues.push({ path: at("type"), message: "trunk_lean must be in tracked_joints" });
    }
    if (rule.type === "knee_valgus" && !a.tracked_joints.some((j) => j.startsWith("knee_"))) {
      issues.push({ path: at("type"), message: "A knee must be in tracked_joints" });
    }
  });
  if (a.tempo && a.tempo.min_rep_seconds >= a.tempo.max_rep_seconds) {
    issues.push({ path: ["tempo", "min_rep_seconds"], message: "Must be below max_rep_seconds" });
  }
  if (r.type === "reps" && !a.tempo) {
    issues.push({ path: ["tempo"], message: "Required for repetition exercises" });
  }
  return issues;
}

const AnalysisShape = z.object({
  tracked_joints: z.array(JointName).min(1).max(JOINTS.length),
  primary_joint: JointName,
  repetition: RepetitionRule,
  target_ranges: z.partialRecord(JointName, AngleRange).default({}),
  form_rules: z.array(FormRule).max(30).default([]),
  tempo: Tempo.optional(),
});

export const AnalysisConfig = AnalysisShape.superRefine((value, ctx) => {
  for (const issue of analysisIssues(value)) {
    ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: value });
  }
}).openapi("ExerciseAnalysis", {
  description: "Joints to track, repetition rule, target ranges, form rules and tempo",
});
export type AnalysisConfig = z.infer<typeof AnalysisConfig>;
export type AnalysisInput = z.input<typeof AnalysisConfig>;
