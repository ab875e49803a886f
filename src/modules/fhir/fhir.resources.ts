/**
 * Pure mappings from the API's presented records to FHIR R4 resources (types from
 * @medplum/fhirtypes). No I/O here: the service reads and decrypts, these only reshape. References
 * between exported resources are relative (`Patient/<id>`), resolved against the FHIR base as
 * the Bundle's fullUrls are; clinicians appear by identifier (USER_SYSTEM), as no Practitioner is
 * exported.
 */
import type {
  AllergyIntolerance,
  Appointment,
  CodeableConcept,
  Condition,
  DocumentReference,
  MedicationStatement,
  Observation,
  ObservationComponent,
  Patient,
  Practitioner,
  Reference,
  ServiceRequest,
} from "@medplum/fhirtypes";
import { utf8 } from "../../lib/encoding";
import {
  ALLERGY_CLINICAL,
  BP_DIASTOLIC,
  BP_PANEL,
  BP_SYSTOLIC,
  CONDITION_CATEGORY,
  CONDITION_CLINICAL,
  EXERCISE_METRIC_SYSTEM,
  EXERCISE_METRICS,
  EXERCISE_SYSTEM,
  ICD10,
  LOINC,
  mrnSystem,
  NOTE_TYPE,
  OBSERVATION_CATEGORY,
  UCUM,
  USER_SYSTEM,
  VITAL_CODES,
} from "./fhir.codes";

const subject = (patientId: string): Reference<Patient> => ({ reference: `Patient/${patientId}` });
const user = (id: string): Reference<Practitioner> => ({
  type: "Practitioner",
  identifier: { system: USER_SYSTEM, value: id },
});
const base64 = (value: string | Uint8Array) => {
  let binary = "";
  for (const byte of typeof value === "string" ? utf8(value) : value) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
};
const text = (value: string): CodeableConcept => ({ text: value });
const coded = (system: string, code: string, display?: string): CodeableConcept => ({
  coding: [{ system, code, ...(display && { display }) }],
  ...(display && { text: display }),
});

/** The fields of a patient the export shows (decrypted by the service, nothing else). */
export type PatientFields = {
  id: string;
  workspaceId: string;
  mrn: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  email: string | null;
  phone: string | null;
  address: string | null;
  updatedAt: string;
};

export function toPatient(p: PatientFields): Patient {
  const telecom = [
    p.phone ? { system: "phone" as const, value: p.phone } : null,
    p.email ? { system: "email" as const, value: p.email } : null,
  ].filter((t) => t !== null);
  return {
    resourceType: "Patient",
    id: p.id,
    meta: { lastUpdated: p.updatedAt },
    identifier: [
      {
        use: "usual",
        type: coded("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
        system: mrnSystem(p.workspaceId),
        value: p.mrn,
      },
    ],
    active: true,
    name: [{ use: "official", family: p.lastName, given: [p.firstName] }],
    ...(telecom.length > 0 && { telecom }),
    ...(p.dateOfBirth && { birthDate: p.dateOfBirth }),
    ...(p.address && { address: [{ text: p.address }] }),
  };
}

type DiagnosisView = {
  id: string;
  diagnosis: string;
  diagnosed_date: string | null;
  icd10_code: string | null;
  is_active: boolean;
  created_by: string | null;
  created_at: string;
};

export function toCondition(patientId: string, d: DiagnosisView): Condition {
  const state = d.is_active ? "active" : "inactive";
  return {
    resourceType: "Condition",
    id: d.id,
    clinicalStatus: coded(CONDITION_CLINICAL, state),
    category: [coded(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
    code: {
      ...(d.icd10_code && { coding: [{ system: ICD10, code: d.icd10_code }] }),
      text: d.diagnosis,
    },
    subject: subject(patientId),
    ...(d.diagnosed_date && { onsetDateTime: d.diagnosed_date }),
    recordedDate: d.created_at,
    ...(d.created_by && { recorder: user(d.created_by) }),
  };
}

type MedicationView = {
  id: string;
  name: string;
  dosage: string | null;
  frequency: string | null;
  start_date: string | null;
  end_date: string | null;
  prescribing_doctor_id: string | null;
  is_active: boolean;
  created_at: string;
};

export function toMedicationStatement(patientId: string, m: MedicationView): MedicationStatement {
  const dosage = [m.dosage, m.frequency].filter(Boolean).join(", ");
  return {
    resourceType: "MedicationStatement",
    id: m.id,
    status: m.is_active ? "active" : "completed",
    medicationCodeableConcept: text(m.name),
    subject: subject(patientId),
    ...((m.start_date || m.end_date) && {
      effectivePeriod: {
        ...(m.start_date && { start: m.start_date }),
        ...(m.end_date && { end: m.end_date }),
      },
    }),
    dateAsserted: m.created_at,
    ...(m.prescribing_doctor_id && { informationSource: user(m.prescribing_doctor_id) }),
    ...(dosage && { dosage: [{ text: dosage }] }),
  };
}

type AllergyView = {
  id: string;
  allergy: string;
  severity: "mild" | "moderate" | "severe";
  reaction_description: string | null;
  created_at: string;
};

export function toAllergyIntolerance(patientId: string, a: AllergyView): AllergyIntolerance {
  return {
    resourceType: "AllergyIntolerance",
    id: a.id,
    clinicalStatus: coded(ALLERGY_CLINICAL, "active", "Active"),
    // Severity without a described reaction has no reaction to hang on: criticality says it.
    criticality: a.severity === "severe" ? "high" : "low",
    code: text(a.allergy),
    patient: subject(patientId),
    recordedDate: a.created_at,
    ...(a.reaction_description && {
      reaction: [{ manifestation: [text(a.reaction_description)], severity: a.severity }],
    }),
  };
}

type VitalView = {
  id: string;
  recorded_date: string;
  recorded_by: string | null;
  systolic_bp: number | null;
  diastolic_bp: number | null;
} & Record<keyof typeof VITAL_CODES, number | null>;

const VITAL_SIGNS = [coded(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")];
const quantity = (value: number, unit: string, code: string) => ({
  value,
  unit,
  system: UCUM,
  code,
});

/** One Observation per measurement of a vitals row; blood pressure as its LOINC panel. */
export function toVitalObservations(patientId: string, v: VitalView): Observation[] {
  const common = {
    resourceType: "Observation" as const,
    status: "final" as const,
    category: VITAL_SIGNS,
    subject: subject(patientId),
    effectiveDateTime: v.recorded_date,
    ...(v.recorded_by && { performer: [user(v.recorded_by)] }),
  };
  const out: Observation[] = [];
  if (v.systolic_bp !== null || v.diastolic_bp !== null) {
    const component: ObservationComponent[] = [];
    for (const [code, value] of [
      [BP_SYSTOLIC, v.systolic_bp],
      [BP_DIASTOLIC, v.diastolic_bp],
    ] as const) {
      if (value !== null) {
        component.push({
          code: coded(LOINC, code.code, code.display),
          valueQuantity: quantity(value, "mmHg", "mm[Hg]"),
        });
      }
    }
    out.push({
      ...common,
      id: `${v.id}.bp`,
      code: coded(LOINC, BP_PANEL.code, BP_PANEL.display),
      component,
    });
  }
  for (const [name, spec] of Object.entries(VITAL_CODES) as [
    keyof typeof VITAL_CODES,
    (typeof VITAL_CODES)[keyof typeof VITAL_CODES],
  ][]) {
    const value = v[name];
    if (value === null) continue;
    out.push({
      ...common,
      id: `${v.id}.${name.replaceAll("_", "-")}`,
      code: coded(LOINC, spec.code, spec.display),
      valueQuantity: quantity(value, spec.unit, spec.ucum),
    });
  }
  return out;
}

export type SessionView = {
  id: string;
  assignmentId: string | null;
  exercise: { slug: string; name: string };
  analyzedAt: string;
  repCount: number;
  angleRanges: Record<string, { min: number; max: number }>;
};

const ACTIVITY = [coded(OBSERVATION_CATEGORY, "activity", "Activity")];
const metric = (code: string, display: string) => coded(EXERCISE_METRIC_SYSTEM, code, display);

/** An analysed session: its repetition count and its range of motion per tracked joint. */
export function toSessionObservations(
  patientId: string,
  s: SessionView,
  exportedAssignments: Set<string>,
): Observation[] {
  const common = {
    resourceType: "Observation" as const,
    status: "final" as const,
    category: ACTIVITY,
    subject: subject(patientId),
    effectiveDateTime: s.analyzedAt,
    focus: [{ display: s.exercise.name }],
    ...(s.assignmentId &&
      exportedAssignments.has(s.assignmentId) && {
        basedOn: [{ reference: `ServiceRequest/${s.assignmentId}` } as Reference<ServiceRequest>],
      }),
    method: coded(EXERCISE_SYSTEM, s.exercise.slug, s.exercise.name),
  };
  const joints = Object.entries(s.angleRanges);
  return [
    {
      ...common,
      id: `${s.id}.reps`,
      code: metric(EXERCISE_METRICS.repetitions, "Exercise repetitions completed"),
      valueQuantity: quantity(s.repCount, "repetitions", "{repetitions}"),
    },
    ...(joints.length > 0
      ? [
          {
            ...common,
            id: `${s.id}.rom`,
            code: metric(EXERCISE_METRICS.rangeOfMotion, "Joint range of motion"),
            component: joints.map(([joint, range]) => ({
              code: metric(EXERCISE_METRICS.joint(joint), `Range of motion, ${joint}`),
              valueRange: {
                low: quantity(round(range.min), "degrees", "deg"),
                high: quantity(round(range.max), "degrees", "deg"),
              },
            })),
          } satisfies Observation,
        ]
      : []),
  ];
}

const round = (n: number) => Math.round(n * 10) / 10;

type AppointmentView = {
  id: string;
  clinician_id: string;
  scheduled_start: string;
  scheduled_end: string;
  status: "scheduled" | "completed" | "cancelled" | "no_show";
  created_at: string;
};

const APPOINTMENT_STATUS = {
  scheduled: "booked",
  completed: "fulfilled",
  cancelled: "cancelled",
  no_show: "noshow",
} as const;

export function toAppointment(patientId: string, a: AppointmentView): Appointment {
  return {
    resourceType: "Appointment",
    id: a.id,
    status: APPOINTMENT_STATUS[a.status],
    start: a.scheduled_start,
    end: a.scheduled_end,
    created: a.created_at,
    participant: [
      { actor: subject(patientId), status: "accepted" },
      { actor: user(a.clinician_id), status: "accepted" },
    ],
  };
}

type AssignmentView = {
  id: string;
  exercise: { slug: string; name: string } | null;
  assigned_by: string;
  sets: number;
  repetitions: number | null;
  hold_seconds: number | null;
  times_per_week: number | null;
  due_date: string | null;
  instructions: string | null;
  status: "Pending" | "Completed" | "Not Completed";
  created_at: string;
};

const ASSIGNMENT_STATUS = {
  Pending: "active",
  Completed: "completed",
  "Not Completed": "revoked",
} as const;

/** An exercise assignment as the order it is: what to do, how often, until when. */
export function toServiceRequest(patientId: string, a: AssignmentView): ServiceRequest {
  const dose = [
    `${a.sets} set${a.sets === 1 ? "" : "s"}`,
    a.repetitions ? `${a.repetitions} repetitions` : null,
    a.hold_seconds ? `hold ${a.hold_seconds} s` : null,
  ].filter(Boolean);
  return {
    resourceType: "ServiceRequest",
    id: a.id,
    status: ASSIGNMENT_STATUS[a.status],
    intent: "order",
    category: [coded("http://snomed.info/sct", "229070002", "Exercise therapy")],
    code: a.exercise ? coded(EXERCISE_SYSTEM, a.exercise.slug, a.exercise.name) : text("Exercise"),
    ...(a.times_per_week && {
      occurrenceTiming: {
        repeat: {
          frequency: a.times_per_week,
          period: 1,
          periodUnit: "wk",
          ...(a.due_date && { boundsPeriod: { end: a.due_date } }),
        },
      },
    }),
    subject: subject(patientId),
    authoredOn: a.created_at,
    requester: user(a.assigned_by),
    patientInstruction: [dose.join(", "), a.instructions].filter(Boolean).join(". "),
  };
}

type NoteView = {
  id: string;
  author_id: string;
  signed_by: string | null;
  signed_at: string | null;
  version: number;
  template_type: string;
};

/**
 * A signed note with two renderings of the same content: its text export (text/plain) and the
 * PDF the notes module exports (application/pdf), both base64 attachments.
 */
export function toDocumentReference(
  patientId: string,
  n: NoteView,
  noteText: string,
  notePdf: Uint8Array,
): DocumentReference {
  const title = `Clinical note ${n.id} (version ${n.version})`;
  return {
    resourceType: "DocumentReference",
    id: n.id,
    status: "current",
    docStatus: "final",
    type: coded(LOINC, NOTE_TYPE.code, NOTE_TYPE.display),
    category: [text(n.template_type)],
    subject: subject(patientId),
    ...(n.signed_at && { date: n.signed_at }),
    author: [user(n.author_id)],
    ...(n.signed_by && { authenticator: user(n.signed_by) }),
    content: [
      {
        attachment: {
          contentType: "text/plain; charset=utf-8",
          language: "en",
          data: base64(noteText),
          title,
          ...(n.signed_at && { creation: n.signed_at }),
        },
      },
      {
        attachment: {
          contentType: "application/pdf",
          language: "en",
          data: base64(notePdf),
          size: notePdf.byteLength,
          title,
          ...(n.signed_at && { creation: n.signed_at }),
        },
      },
    ],
  };
}
