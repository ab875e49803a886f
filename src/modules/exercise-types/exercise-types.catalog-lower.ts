/**
 * Default lower-body and functional exercises. Angles follow the conventions of
 * exercise-types.analysis.ts; values are conservative starting points for home rehabilitation
 * (thigh-parallel depth at most, controlled tempo, knee valgus and trunk lean watched).
 */
import { rule, type ExerciseTypeSeed } from "./exercise-types.seed";

const LEGS = ["hip_left", "hip_right", "knee_left", "knee_right"] as const;

export const LOWER_BODY: ExerciseTypeSeed[] = [
  {
    name: "Squat",
    slug: "squat",
    category: "lower_body",
    description:
      "Bodyweight squat, feet shoulder-width apart: sit the hips back and down to about thigh-parallel, then stand tall.",
    target_muscles: ["quadriceps", "gluteus maximus", "hamstrings", "adductors"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: [...LEGS, "ankle_left", "ankle_right", "trunk_lean"],
      primary_joint: "knee_left",
      repetition: {
        type: "reps",
        direction: "down",
        start_angle_above: 160,
        bottom_angle_below: 110,
      },
      target_ranges: {
        knee_left: { min: 80, max: 110 },
        knee_right: { min: 80, max: 110 },
        hip_left: { min: 60, max: 110 },
        trunk_lean: { min: 0, max: 45 },
      },
      form_rules: [
        rule("knee_valgus", "knee_valgus", 10, "Keep your knees in line with your toes", "HIGH"),
        rule("forward_lean", "trunk_lean_max", 45, "Keep your chest up", "MEDIUM"),
        rule("too_deep", "angle_min", 70, "Stop at about thigh-parallel", "MEDIUM", "knee_left"),
        rule(
          "uneven_weight",
          "symmetry",
          15,
          "Keep your weight even on both legs",
          "MEDIUM",
          "knee_left",
        ),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 8 },
    },
  },
  {
    name: "Lunge",
    slug: "lunge",
    category: "lower_body",
    description:
      "Static forward lunge with the left leg in front: lower the back knee towards the floor until the front knee is at about 90 degrees, torso upright. Swap legs between sets.",
    target_muscles: ["quadriceps", "gluteus maximus", "gluteus medius", "hamstrings"],
    difficulty_level: "intermediate",
    analysis: {
      tracked_joints: [...LEGS, "trunk_lean"],
      primary_joint: "knee_left",
      repetition: {
        type: "reps",
        direction: "down",
        start_angle_above: 160,
        bottom_angle_below: 110,
      },
      target_ranges: {
        knee_left: { min: 80, max: 100 },
        knee_right: { min: 80, max: 110 },
        trunk_lean: { min: 0, max: 20 },
      },
      form_rules: [
        rule("knee_valgus", "knee_valgus", 10, "Keep your front knee over your foot", "HIGH"),
        rule("upright_torso", "trunk_lean_max", 20, "Keep your torso upright", "MEDIUM"),
        rule(
          "too_deep",
          "angle_min",
          70,
          "Don't let the front knee bend past 90 degrees",
          "MEDIUM",
          "knee_left",
        ),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 8 },
    },
  },
  {
    name: "Glute Bridge",
    slug: "glute_bridge",
    category: "lower_body",
    description:
      "Lying on your back, knees bent and feet flat: squeeze the glutes and lift the hips until shoulders, hips and knees form a straight line, pause, lower slowly.",
    target_muscles: ["gluteus maximus", "hamstrings", "erector spinae", "core"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: [...LEGS],
      primary_joint: "hip_left",
      repetition: { type: "reps", direction: "up", start_angle_below: 140, top_angle_above: 160 },
      target_ranges: {
        hip_left: { min: 160, max: 180 },
        hip_right: { min: 160, max: 180 },
        knee_left: { min: 70, max: 110 },
      },
      form_rules: [
        rule("hips_level", "symmetry", 10, "Keep your hips level", "MEDIUM", "hip_left"),
        rule(
          "feet_too_far",
          "angle_max",
          115,
          "Bring your feet closer to your hips",
          "LOW",
          "knee_left",
        ),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 8 },
    },
  },
  {
    name: "Wall Sit",
    slug: "wall_sit",
    category: "lower_body",
    description:
      "Back flat against a wall, slide down until knees and hips are at about 90 degrees, knees over ankles, and hold.",
    target_muscles: ["quadriceps", "gluteus maximus", "calves"],
    difficulty_level: "intermediate",
    analysis: {
      tracked_joints: [...LEGS],
      primary_joint: "knee_left",
      repetition: { type: "hold", min_hold_seconds: 20, hold_angle_min: 80, hold_angle_max: 110 },
      target_ranges: {
        knee_left: { min: 80, max: 100 },
        knee_right: { min: 80, max: 100 },
        hip_left: { min: 80, max: 100 },
      },
      form_rules: [
        rule("knee_valgus", "knee_valgus", 10, "Keep your knees in line with your toes", "HIGH"),
        rule("too_low", "angle_min", 75, "Don't slide below 90 degrees", "MEDIUM", "knee_left"),
        rule(
          "uneven_weight",
          "symmetry",
          10,
          "Keep your weight even on both legs",
          "LOW",
          "knee_left",
        ),
      ],
    },
  },
  {
    name: "Heel Raise",
    slug: "heel_raise",
    category: "lower_body",
    description:
      "Standing tall with light support, rise onto the balls of both feet as high as comfortable, pause, and lower slowly.",
    target_muscles: ["gastrocnemius", "soleus"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: ["ankle_left", "ankle_right", "knee_left", "knee_right", "trunk_lean"],
      primary_joint: "ankle_left",
      repetition: { type: "reps", direction: "up", start_angle_below: 110, top_angle_above: 125 },
      target_ranges: { ankle_left: { min: 125, max: 160 }, ankle_right: { min: 125, max: 160 } },
      form_rules: [
        rule("straight_knees", "angle_min", 160, "Keep your knees straight", "LOW", "knee_left"),
        rule("even_rise", "symmetry", 10, "Rise evenly on both feet", "MEDIUM", "ankle_left"),
        rule("stay_upright", "trunk_lean_max", 15, "Stand tall, don't lean forward", "LOW"),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 6 },
    },
  },
  {
    name: "Knee Extension",
    slug: "knee_extension",
    category: "lower_body",
    description:
      "Seated knee extension (long arc quad): sitting upright, straighten the left knee fully, hold briefly, lower slowly. Swap legs between sets.",
    target_muscles: ["quadriceps", "vastus medialis"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: ["knee_left", "knee_right", "hip_left", "trunk_lean"],
      primary_joint: "knee_left",
      repetition: { type: "reps", direction: "up", start_angle_below: 110, top_angle_above: 160 },
      target_ranges: { knee_left: { min: 165, max: 180 }, hip_left: { min: 80, max: 110 } },
      form_rules: [
        rule("stay_seated", "angle_max", 120, "Sit upright, don't lean back", "MEDIUM", "hip_left"),
        rule("stay_upright", "trunk_lean_max", 20, "Keep your back against the chair", "LOW"),
      ],
      tempo: { min_rep_seconds: 2, max_rep_seconds: 8 },
    },
  },
  {
    name: "Sit-to-Stand",
    slug: "sit_to_stand",
    category: "functional",
    description:
      "From a firm chair, feet flat and hip-width apart, lean forward and stand up fully without using your hands, then sit down with control.",
    target_muscles: ["quadriceps", "gluteus maximus", "hamstrings", "calves", "core"],
    difficulty_level: "beginner",
    analysis: {
      tracked_joints: [...LEGS, "trunk_lean"],
      primary_joint: "knee_left",
      repetition: { type: "reps", direction: "up", start_angle_below: 110, top_angle_above: 160 },
      target_ranges: {
        knee_left: { min: 165, max: 180 },
        knee_right: { min: 165, max: 180 },
        hip_left: { min: 160, max: 180 },
      },
      form_rules: [
        rule("knee_valgus", "knee_valgus", 10, "Keep your knees apart as you stand", "HIGH"),
        rule("even_push", "symmetry", 15, "Push through both legs evenly", "MEDIUM", "knee_left"),
        rule("excess_lean", "trunk_lean_max", 60, "Lean forward only as much as you need", "LOW"),
      ],
      tempo: { min_rep_seconds: 1.5, max_rep_seconds: 6 },
    },
  },
];
