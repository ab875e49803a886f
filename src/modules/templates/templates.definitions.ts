/**
 * Clinical note templates and consultation types (seed 002 §2.10). Product definitions, not data:
 * constants in code, shared by `GET /templates`, `GET /consultation-types`, clinical notes
 * (`template_type`, `consultation_type`) and the AI scribe (section prompt hints, context modifiers).
 */
import { PHYSIO_TEMPLATES } from "./templates.physio";
import {
  ASSESSMENT,
  OBJECTIVE,
  PLAN,
  section,
  SUBJECTIVE,
  type ConsultationType,
  type NoteTemplate,
} from "./templates.sections";

export type { ConsultationType, NoteTemplate, TemplateSection } from "./templates.sections";

export const NOTE_TEMPLATES: readonly NoteTemplate[] = [
  {
    id: "soap",
    name: "SOAP Note",
    description: "Subjective, Objective, Assessment, Plan",
    specialty: "General Medicine",
    sections: [SUBJECTIVE, OBJECTIVE, ASSESSMENT, PLAN],
  },
  {
    id: "apso",
    name: "APSO Note",
    description: "Assessment and Plan first, then Subjective and Objective",
    specialty: "General Medicine",
    sections: [ASSESSMENT, PLAN, SUBJECTIVE, OBJECTIVE],
  },
  {
    id: "dap",
    name: "DAP Note",
    description: "Data, Assessment, Plan",
    specialty: "Behavioral Health",
    sections: [
      section(
        "data",
        "D",
        "Data",
        "Subjective and objective information from the session: what the patient said, observations, presentation, interventions used and measures taken.",
      ),
      section(
        "assessment",
        "A",
        "Assessment",
        "Interpretation of the data: progress toward goals, clinical impression, risks identified and response to interventions.",
      ),
      section(
        "plan",
        "P",
        "Plan",
        "Next steps: homework or exercises, changes to the treatment plan, referrals and the next session.",
      ),
    ],
  },
  ...PHYSIO_TEMPLATES,
];

export const CONSULTATION_TYPES: readonly ConsultationType[] = [
  {
    id: "initial_consultation",
    name: "Initial Consultation",
    description: "First visit with patient, comprehensive history",
    default_template: "physio_initial_assessment",
    ai_context_modifier:
      "This is an initial consultation. Capture a comprehensive history, screen for red flags, document baseline measures and agree goals and a plan.",
  },
  {
    id: "follow_up",
    name: "Follow-up",
    description: "Follow-up appointment for established patient",
    default_template: "physio_follow_up",
    ai_context_modifier:
      "This is a follow-up visit. Focus on change since the last visit, adherence, response to treatment and progression of the plan; do not repeat the full history.",
  },
  {
    id: "telehealth_exercise_review",
    name: "Telehealth Exercise Review",
    description: "Remote review of the patient's recorded or live home exercise sessions",
    default_template: "physio_follow_up",
    ai_context_modifier:
      "This is a remote exercise review. Base objective findings on the session data (repetitions, range of motion, form issues, quality scores) and the video review; note that no hands-on examination took place.",
  },
  {
    id: "discharge",
    name: "Discharge",
    description: "Final visit of an episode of care",
    default_template: "discharge_summary",
    ai_context_modifier:
      "This is a discharge visit. Summarise the episode of care, compare initial and final measures, state goal attainment and give a self-management plan.",
  },
  {
    id: "urgent_concern",
    name: "Urgent Concern",
    description: "Unscheduled contact about a new or worsening problem",
    default_template: "soap",
    ai_context_modifier:
      "This is an urgent, unscheduled contact. Document the concern, red-flag screening and the safety advice or escalation given; keep it concise and factual.",
  },
];

export const templateById = (id: string) => NOTE_TEMPLATES.find((t) => t.id === id) ?? null;
export const consultationTypeById = (id: string) =>
  CONSULTATION_TYPES.find((t) => t.id === id) ?? null;
