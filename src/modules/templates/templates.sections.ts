/** Building blocks of note templates: the section shape and the four SOAP sections. */

export type TemplateSection = {
  id: string;
  label: string;
  full_name: string;
  required: boolean;
  prompt_hint: string;
};

export type NoteTemplate = {
  id: string;
  name: string;
  description: string;
  specialty: string;
  sections: TemplateSection[];
};

export type ConsultationType = {
  id: string;
  name: string;
  description: string;
  default_template: string;
  ai_context_modifier: string;
};

export const section = (
  id: string,
  label: string,
  full_name: string,
  prompt_hint: string,
  required = true,
): TemplateSection => ({ id, label, full_name, required, prompt_hint });

export const SUBJECTIVE = section(
  "subjective",
  "S",
  "Subjective",
  "What the patient reports: presenting complaint, history, symptoms with onset, duration and severity, pain (0-10), relevant history, medications and the patient's own goals.",
);
export const OBJECTIVE = section(
  "objective",
  "O",
  "Objective",
  "What was observed or measured: vital signs, examination findings, range of motion, strength, special tests, exercise-session metrics and results. Only what is documented; never invent values.",
);
export const ASSESSMENT = section(
  "assessment",
  "A",
  "Assessment",
  "Clinical interpretation: working diagnosis or impression, differentials, progress since the last visit and the reasoning linking subjective and objective findings.",
);
export const PLAN = section(
  "plan",
  "P",
  "Plan",
  "Next steps: treatment, home exercise programme with dosage, education, referrals, tests ordered and when to follow up.",
);

/** A shared section with a prompt hint of its own. */
export function withHint(base: TemplateSection, prompt_hint: string): TemplateSection {
  return { ...base, prompt_hint };
}
