/**
 * Default upper-body exercises. Angles follow the conventions of exercise-types.analysis.ts;
 * values suit active range-of-motion work (straight elbow on raises, no trunk compensation).
 */
import { rule, type ExerciseTypeSeed } from "./exercise-types.seed";

const ARMS = ["shoulder_left", "shoulder_right", "elbow_left", "elbow_right"] as const;

export const UPPER_BODY: ExerciseTypeSeed[] = [
  {
    name: "Shoulder Flexion",
    slug: "shoulder_flexion",
    category: "upper_body",
    description:
      "Standing, thumbs up and elbows straight, raise the arms forward and up as high as comfortable, then lower slowly.",
    target_muscles: ["anterior deltoid", "pectoralis major (clavicular)", "serratus anterior"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: [...ARMS, "trunk_lean"],
      primary_joint: "shoulder_left",
      repetition: { type: "reps", direction: "up", start_angle_below: 40, top_angle_above: 120 },
      target_ranges: {
        shoulder_left: { min: 140, max: 180 },
        shoulder_right: { min: 140, max: 180 },
      },
      form_rules: [
        rule("straight_elbow", "angle_min", 150, "Keep your elbow straight", "LOW", "elbow_left"),
        rule("no_back_arch", "trunk_lean_max", 15, "Don't lean or arch your back", "MEDIUM"),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 8 },
    },
  },
  {
    name: "Shoulder Abduction",
    slug: "shoulder_abduction",
    category: "upper_body",
    description:
      "Standing, palms forward and elbows straight, raise the arms out to the side up to shoulder height or as high as comfortable, then lower slowly.",
    target_muscles: ["middle deltoid", "supraspinatus", "upper trapezius", "serratus anterior"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: [...ARMS, "trunk_lean"],
      primary_joint: "shoulder_left",
      repetition: { type: "reps", direction: "up", start_angle_below: 40, top_angle_above: 80 },
      target_ranges: {
        shoulder_left: { min: 90, max: 180 },
        shoulder_right: { min: 90, max: 180 },
      },
      form_rules: [
        rule("straight_elbow", "angle_min", 150, "Keep your elbow straight", "LOW", "elbow_left"),
        rule("no_side_lean", "trunk_lean_max", 15, "Don't lean to the side", "MEDIUM"),
        rule("even_arms", "symmetry", 15, "Raise both arms evenly", "LOW", "shoulder_left"),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 8 },
    },
  },
  {
    name: "Bicep Curl",
    slug: "bicep_curl",
    category: "upper_body",
    description:
      "Standing, upper arms by your sides, bend the elbows to bring the hands towards the shoulders, then lower slowly to straight.",
    target_muscles: ["biceps brachii", "brachialis", "brachioradialis"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: [...ARMS, "trunk_lean"],
      primary_joint: "elbow_left",
      repetition: {
        type: "reps",
        direction: "down",
        start_angle_above: 150,
        bottom_angle_below: 70,
      },
      target_ranges: { elbow_left: { min: 30, max: 60 }, elbow_right: { min: 30, max: 60 } },
      form_rules: [
        rule(
          "elbow_fixed",
          "angle_max",
          30,
          "Keep your upper arm by your side",
          "MEDIUM",
          "shoulder_left",
        ),
        rule("no_swing", "trunk_lean_max", 10, "Don't swing your body", "MEDIUM"),
        rule("even_arms", "symmetry", 15, "Curl both arms evenly", "LOW", "elbow_left"),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 6 },
    },
  },
];
