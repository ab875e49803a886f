/** The shape of a default catalog entry, and a compact builder for its form rules. */
import type { DifficultyLevel } from "../../db/schema/exercises";
import type { AnalysisInput, FORM_RULE_TYPES, Joint, SEVERITIES } from "./exercise-types.analysis";

export type ExerciseTypeSeed = {
  name: string;
  slug: string;
  category: string;
  description: string;
  target_muscles: string[];
  difficulty_level: DifficultyLevel;
  analysis: AnalysisInput;
};

type FormRuleInput = NonNullable<AnalysisInput["form_rules"]>[number];

export function rule(
  id: string,
  type: (typeof FORM_RULE_TYPES)[number],
  value: number,
  message: string,
  severity: (typeof SEVERITIES)[number],
  joint?: Joint,
): FormRuleInput {
  return joint
    ? { id, type, joint, value, message, severity }
    : { id, type, value, message, severity };
}
