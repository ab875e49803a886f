/** Physiotherapy templates: initial assessment, follow-up and discharge summary. */
import { ASSESSMENT, PLAN, section, withHint, type NoteTemplate } from "./templates.sections";

export const PHYSIO_TEMPLATES: NoteTemplate[] = [
  {
    id: "physio_initial_assessment",
    name: "Physiotherapy Initial Assessment",
    description: "First physiotherapy assessment: history, screening, examination, goals and plan",
    specialty: "Physiotherapy",
    sections: [
      section(
        "history",
        "Hx",
        "History of Presenting Condition",
        "Mechanism and onset of injury, duration, pain location, behaviour and intensity (0-10), aggravating and easing factors, 24-hour pattern, previous episodes and treatment.",
      ),
      section(
        "red_flags",
        "RF",
        "Red Flag Screening",
        "Screening for serious pathology (e.g. saddle anaesthesia, bladder or bowel change, unexplained weight loss, night pain, fever, progressive neurological deficit) and the outcome.",
      ),
      section(
        "background",
        "PMH",
        "Medical, Social and Occupational History",
        "Past medical and surgical history, medications, work, activity level, home situation and the patient's functional goals.",
      ),
      section(
        "examination",
        "Ex",
        "Objective Examination",
        "Observation and posture, active and passive range of motion in degrees, strength (MMT 0-5), special tests, neurological screen, palpation and functional tests.",
      ),
      section(
        "outcome_measures",
        "OM",
        "Outcome Measures",
        "Standardised baseline scores (e.g. PSFS, LEFS, ODI, NDI, QuickDASH, timed sit-to-stand) with their values.",
        false,
      ),
      section(
        "assessment",
        "A",
        "Clinical Impression",
        "Working physiotherapy diagnosis, contributing factors, irritability and prognosis.",
      ),
      section("goals", "G", "Goals", "SMART short- and long-term goals agreed with the patient."),
      section(
        "plan",
        "P",
        "Treatment Plan",
        "Interventions, home exercise programme with sets, repetitions and frequency, education, visit frequency and expected duration, referrals.",
      ),
      section(
        "consent",
        "C",
        "Consent",
        "That the assessment and treatment were explained and informed consent was given.",
      ),
    ],
  },
  {
    id: "physio_follow_up",
    name: "Physiotherapy Follow-up",
    description: "Treatment session note for an established physiotherapy patient",
    specialty: "Physiotherapy",
    sections: [
      section(
        "subjective",
        "S",
        "Subjective",
        "Change since the last visit, current pain (0-10), function, adherence to the home exercise programme and any new concerns.",
      ),
      section(
        "objective",
        "O",
        "Objective",
        "Re-measured range of motion, strength and functional tests; home exercise session data (repetitions, form issues, quality) when available.",
      ),
      section(
        "intervention",
        "Tx",
        "Treatment Provided",
        "Interventions given today (manual therapy, exercise, education, modalities) with dosage and the patient's response.",
      ),
      withHint(
        ASSESSMENT,
        "Progress toward goals and response to treatment; any change to the impression.",
      ),
      withHint(
        PLAN,
        "Progression or regression of the home exercise programme, next visit, discharge planning.",
      ),
    ],
  },
  {
    id: "discharge_summary",
    name: "Discharge Summary",
    description: "End of an episode of care: what was done, what changed, what comes next",
    specialty: "Rehabilitation",
    sections: [
      section(
        "diagnosis",
        "Dx",
        "Diagnosis and Reason for Referral",
        "Referral reason and working diagnosis for the episode of care.",
      ),
      section(
        "course",
        "Course",
        "Course of Treatment",
        "Dates of the episode, number of visits and main interventions, including the home exercise programme and adherence.",
      ),
      section(
        "outcomes",
        "Out",
        "Outcomes",
        "Initial versus discharge measures (range of motion, strength, outcome scores) and goal attainment.",
      ),
      section(
        "discharge_status",
        "Status",
        "Status at Discharge",
        "Function, symptoms and the reason for discharge (goals met, plateau, self-discharge, referral on).",
      ),
      section(
        "recommendations",
        "Rec",
        "Recommendations",
        "Ongoing home programme, self-management advice, precautions, follow-up and when to seek care again.",
      ),
    ],
  },
];
