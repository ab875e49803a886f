/**
 * FHIR R4 read verbs: one patient, and everything about a patient ($everything). The same access
 * rules as the JSON API (reachPatient: family members 403, anyone outside the relation or
 * workspace 404, refusals audited); the whole export is one audited read (`patient.exported`)
 * with the resource counts in its metadata. Only the fields a resource shows are decrypted, with
 * each module's own presenter where it exists.
 */
import type { Bundle, Resource } from "@medplum/fhirtypes";
import { and, asc, desc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import { clinicalNoteAddenda, clinicalNotes } from "../../db/schema/clinical-notes";
import { exerciseAssignments, exerciseTypes } from "../../db/schema/exercises";
import {
  patientAllergies,
  patientDiagnoses,
  patientMedications,
  patientVitals,
} from "../../db/schema/patient-records";
import { appointments } from "../../db/schema/scheduling";
import { exerciseSessions } from "../../db/schema/sessions";
import { queueAudit } from "../../lib/audit-queue";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { presentNote } from "../clinical-notes/clinical-notes.data";
import { toPdf, toText } from "../clinical-notes/clinical-notes.export";
import { presentAssignment } from "../exercises/exercises.data";
import {
  ownedBy,
  presentAllergy,
  presentDiagnosis,
  presentMedication,
  presentVital,
} from "../patients/patient-records.data";
import { reachPatient } from "../patients/patients.access";
import { patientRef, type PatientRow } from "../patients/patients.data";
import {
  toAllergyIntolerance,
  toAppointment,
  toCondition,
  toDocumentReference,
  toMedicationStatement,
  toPatient,
  toServiceRequest,
  toSessionObservations,
  toVitalObservations,
} from "./fhir.resources";

/** The patient fields a Patient resource shows, and only those, decrypted at once. */
async function patientResource(ctx: RequestContext, p: PatientRow) {
  const dec = (column: string, value: string | null) =>
    ctx.phi.decryptOptional(value, patientRef(p.id, column));
  const [mrn, firstName, lastName, dateOfBirth, email, phone, address] = await Promise.all([
    dec("mrn", p.mrnEnc),
    dec("first_name", p.firstNameEnc),
    dec("last_name", p.lastNameEnc),
    dec("date_of_birth", p.dateOfBirthEnc),
    dec("email", p.emailEnc),
    dec("phone", p.phoneEnc),
    dec("address", p.addressEnc),
  ]);
  return toPatient({
    id: p.id,
    workspaceId: p.workspaceId,
    mrn: mrn!,
    firstName: firstName!,
    lastName: lastName!,
    dateOfBirth,
    email,
    phone,
    address,
    updatedAt: p.updatedAt,
  });
}

/** `GET /fhir/Patient/{id}`: the Patient resource (audited as `patient.read`). */
export async function readFhirPatient(ctx: RequestContext, id: string) {
  const { patient } = await reachPatient(ctx, id, "read", "patient.read");
  const resource = await patientResource(ctx, patient);
  await queueAudit(ctx, {
    action: "patient.read",
    resourceType: "patient",
    resourceId: patient.id,
    metadata: { format: "fhir" },
  });
  return resource;
}

/** The reads of $everything, in one round trip, each scoped by workspace and patient. */
function everythingQueries(ctx: RequestContext, patient: PatientRow) {
  const { orm } = ctx.db;
  const scope = { workspaceId: patient.workspaceId, id: patient.id };
  const signedNotes = and(
    eq(clinicalNotes.workspaceId, patient.workspaceId),
    eq(clinicalNotes.patientId, patient.id),
    isNotNull(clinicalNotes.signedAt),
    isNull(clinicalNotes.deletedAt),
  );
  return [
    orm
      .select()
      .from(patientDiagnoses)
      .where(ownedBy(patientDiagnoses, scope))
      .orderBy(asc(patientDiagnoses.createdAt)),
    orm
      .select()
      .from(patientMedications)
      .where(ownedBy(patientMedications, scope))
      .orderBy(asc(patientMedications.createdAt)),
    orm
      .select()
      .from(patientAllergies)
      .where(ownedBy(patientAllergies, scope))
      .orderBy(asc(patientAllergies.createdAt)),
    orm
      .select()
      .from(patientVitals)
      .where(ownedBy(patientVitals, scope))
      .orderBy(desc(patientVitals.recordedDate)),
    orm
      .select({
        id: appointments.id,
        clinician_id: appointments.clinicianId,
        scheduled_start: appointments.scheduledStart,
        scheduled_end: appointments.scheduledEnd,
        status: appointments.status,
        created_at: appointments.createdAt,
      })
      .from(appointments)
      .where(ownedBy(appointments, scope))
      .orderBy(asc(appointments.scheduledStart)),
    // Joined columns are uniquely named (no `id`/`created_at` of the type): see CONVENTIONS traps.
    orm
      .select({
        assignment: exerciseAssignments,
        typeSlug: exerciseTypes.slug,
        typeName: exerciseTypes.name,
      })
      .from(exerciseAssignments)
      .leftJoin(exerciseTypes, eq(exerciseTypes.id, exerciseAssignments.exerciseTypeId))
      .where(ownedBy(exerciseAssignments, scope))
      .orderBy(asc(exerciseAssignments.createdAt)),
    orm
      .select({
        sessionId: exerciseSessions.id,
        assignmentId: exerciseSessions.assignmentId,
        analyzedAt: exerciseSessions.analyzedAt,
        repCount: exerciseSessions.repCount,
        analysis: exerciseSessions.analysis,
        typeSlug: exerciseTypes.slug,
        typeName: exerciseTypes.name,
      })
      .from(exerciseSessions)
      .innerJoin(exerciseTypes, eq(exerciseTypes.id, exerciseSessions.exerciseTypeId))
      .where(and(ownedBy(exerciseSessions, scope), isNotNull(exerciseSessions.analyzedAt)))
      .orderBy(asc(exerciseSessions.analyzedAt)),
    orm.select().from(clinicalNotes).where(signedNotes).orderBy(asc(clinicalNotes.signedAt)),
    orm
      .select()
      .from(clinicalNoteAddenda)
      .where(
        and(
          eq(clinicalNoteAddenda.workspaceId, patient.workspaceId),
          inArray(
            clinicalNoteAddenda.noteId,
            orm.select({ id: clinicalNotes.id }).from(clinicalNotes).where(signedNotes),
          ),
        ),
      )
      .orderBy(asc(clinicalNoteAddenda.createdAt)),
  ] as const;
}

/**
 * `GET /fhir/Patient/{id}/$everything`: a `collection` Bundle of the Patient and every record
 * about them the export covers (docs/fhir.md), audited once as `patient.exported`.
 */
export async function exportPatientEverything(
  ctx: RequestContext,
  id: string,
  fhirBase: string,
): Promise<Bundle> {
  const { patient } = await reachPatient(ctx, id, "read", "patient.exported");
  const [diagnoses, medications, allergies, vitals, visits, assignments, sessions, notes, addenda] =
    await ctx.db.read([...everythingQueries(ctx, patient)]);
  const { phi } = ctx;
  const pid = patient.id;
  const exportedAssignments = new Set(assignments.map((a) => a.assignment.id));
  const [patientRes, conditions, statements, intolerances, vitalObs, requests, documents] =
    await Promise.all([
      patientResource(ctx, patient),
      Promise.all(diagnoses.map(async (r) => toCondition(pid, await presentDiagnosis(phi, r)))),
      Promise.all(
        medications.map(async (r) => toMedicationStatement(pid, await presentMedication(phi, r))),
      ),
      Promise.all(
        allergies.map(async (r) => toAllergyIntolerance(pid, await presentAllergy(phi, r))),
      ),
      Promise.all(vitals.map(async (r) => toVitalObservations(pid, await presentVital(phi, r)))),
      Promise.all(
        assignments.map(async ({ assignment, typeSlug, typeName }) => {
          const type =
            typeSlug !== null && typeName !== null
              ? { id: assignment.exerciseTypeId, slug: typeSlug, name: typeName, category: "" }
              : null;
          const shown = await presentAssignment(phi, assignment, type);
          return toServiceRequest(pid, { ...shown, exercise: shown.exercise_type });
        }),
      ),
      Promise.all(
        notes.map(async (row) => {
          const own = addenda.filter((a) => a.noteId === row.id);
          const note = await presentNote(phi, row, [], own);
          return toDocumentReference(pid, note, toText(note), await toPdf(note));
        }),
      ),
    ]);
  const sessionObs = sessions.flatMap((s) =>
    toSessionObservations(
      pid,
      {
        id: s.sessionId,
        assignmentId: s.assignmentId,
        exercise: { slug: s.typeSlug, name: s.typeName },
        analyzedAt: s.analyzedAt!,
        repCount: s.repCount ?? 0,
        angleRanges:
          (s.analysis as { angle_ranges?: Record<string, { min: number; max: number }> } | null)
            ?.angle_ranges ?? {},
      },
      exportedAssignments,
    ),
  );
  const appointmentRes = visits.map((a) => toAppointment(pid, a));
  const resources: Resource[] = [
    patientRes,
    ...conditions,
    ...statements,
    ...intolerances,
    ...vitalObs.flat(),
    ...sessionObs,
    ...appointmentRes,
    ...requests,
    ...documents,
  ];
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  await queueAudit(ctx, {
    action: "patient.exported",
    resourceType: "patient",
    resourceId: pid,
    metadata: { format: "fhir", resource_count: resources.length, counts },
  });
  return {
    resourceType: "Bundle",
    id: uuidv7(),
    type: "collection",
    timestamp: new Date().toISOString(),
    entry: resources.map((resource) => ({
      fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`,
      resource,
    })),
  };
}
