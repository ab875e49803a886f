/**
 * A patient's clinical sub-records: diagnoses, medications, allergies, vital signs (seed 002 §2.3).
 * Invariants: writes need a staff role AND the care-team relation (admins: the workspace); reads
 * follow the relation, and family members never see these (no family scope covers them). Each
 * list reads its count, its page and its audit entry in one round trip after the access check.
 */
import { and, desc, eq, gte, isNull, lte, sql } from "drizzle-orm";
import {
  patientAllergies,
  patientDiagnoses,
  patientMedications,
  patientVitals,
} from "../../db/schema/patient-records";
import { users } from "../../db/schema/users";
import { auditEntry, type AuditAction } from "../../lib/audit";
import { ValidationError } from "../../lib/errors";
import { offsetOf, type PageQuery } from "../../lib/pagination";
import type { RequestContext } from "../../middleware/request-context";
import { reachPatient } from "./patients.access";
import {
  newAllergyRow,
  newDiagnosisRow,
  newMedicationRow,
  newVitalRow,
  ownedBy,
  presentAllergy,
  presentDiagnosis,
  presentMedication,
  presentVital,
} from "./patient-records.data";
import {
  endOf,
  startOf,
  type CreateAllergyInput,
  type CreateDiagnosisInput,
  type CreateMedicationInput,
  type CreateVitalInput,
  type VitalsQuery,
} from "./patient-records.schemas";

type Kind = "diagnosis" | "medication" | "allergy" | "vital";

/** Staff with the relation only; returns the owner columns of a new row. */
async function writer(ctx: RequestContext, patientId: string, kind: Kind) {
  const { caller, patient } = await reachPatient(
    ctx,
    patientId,
    "write",
    `${kind}.created`,
    "patients.write_clinical",
  );
  return { workspaceId: patient.workspaceId, patientId: patient.id, createdBy: caller.userId };
}

/** The insert and its audit entry, in one batch. */
async function insertWithAudit(
  ctx: RequestContext,
  kind: Kind,
  insert: Parameters<RequestContext["db"]["write"]>[0][0],
  row: { id: string; patientId: string },
) {
  const audit = await auditEntry(ctx, {
    action: `${kind}.created`,
    resourceType: kind,
    resourceId: row.id,
    metadata: { patient_id: row.patientId },
  });
  await ctx.db.write([insert, audit.query]);
}

/** Who may read the patient's records; the list's audit entry, built before the read. */
async function reader(ctx: RequestContext, patientId: string, kind: Kind, query: PageQuery) {
  const action: AuditAction = `${kind}.listed`;
  const { patient } = await reachPatient(ctx, patientId, "read", action);
  const audit = await auditEntry(ctx, {
    action,
    resourceType: "patient",
    resourceId: patient.id,
    metadata: { page: query.page, page_size: query.page_size },
  });
  return { patient, audit: audit.query };
}

const total = sql<number>`count(*)`;

/** Adds a diagnosis (text and date encrypted). */
export async function addDiagnosis(ctx: RequestContext, id: string, input: CreateDiagnosisInput) {
  const row = await newDiagnosisRow(ctx.phi, await writer(ctx, id, "diagnosis"), input);
  await insertWithAudit(ctx, "diagnosis", ctx.db.orm.insert(patientDiagnoses).values(row), row);
  return presentDiagnosis(ctx.phi, row);
}

/** The patient's diagnoses, newest first. */
export async function listDiagnoses(ctx: RequestContext, id: string, query: PageQuery) {
  const { patient, audit } = await reader(ctx, id, "diagnosis", query);
  const where = ownedBy(patientDiagnoses, patient);
  const [[count], rows] = await ctx.db.read([
    ctx.db.orm.select({ n: total }).from(patientDiagnoses).where(where),
    ctx.db.orm
      .select()
      .from(patientDiagnoses)
      .where(where)
      .orderBy(desc(patientDiagnoses.createdAt))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    audit,
  ]);
  const items = await Promise.all(rows.map((row) => presentDiagnosis(ctx.phi, row)));
  return { items, total: count?.n ?? 0 };
}

/** Adds a medication; a prescribing doctor must be a doctor of the workspace. */
export async function addMedication(ctx: RequestContext, id: string, input: CreateMedicationInput) {
  const owner = await writer(ctx, id, "medication");
  if (input.prescribing_doctor_id) {
    const [doctor] = await ctx.db.read([
      ctx.db.orm
        .select({ id: users.id })
        .from(users)
        .where(
          and(
            eq(users.id, input.prescribing_doctor_id),
            eq(users.workspaceId, owner.workspaceId),
            eq(users.role, "doctor"),
            isNull(users.deletedAt),
          ),
        )
        .limit(1),
    ]);
    if (!doctor[0]) {
      throw new ValidationError([
        { field: "prescribing_doctor_id", message: "Not a doctor of this workspace" },
      ]);
    }
  }
  const row = await newMedicationRow(ctx.phi, owner, input);
  await insertWithAudit(ctx, "medication", ctx.db.orm.insert(patientMedications).values(row), row);
  return presentMedication(ctx.phi, row);
}

/** The patient's medications (active and past), newest first. */
export async function listMedications(ctx: RequestContext, id: string, query: PageQuery) {
  const { patient, audit } = await reader(ctx, id, "medication", query);
  const where = ownedBy(patientMedications, patient);
  const [[count], rows] = await ctx.db.read([
    ctx.db.orm.select({ n: total }).from(patientMedications).where(where),
    ctx.db.orm
      .select()
      .from(patientMedications)
      .where(where)
      .orderBy(desc(patientMedications.createdAt))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    audit,
  ]);
  const items = await Promise.all(rows.map((row) => presentMedication(ctx.phi, row)));
  return { items, total: count?.n ?? 0 };
}

/** Adds an allergy with its severity. */
export async function addAllergy(ctx: RequestContext, id: string, input: CreateAllergyInput) {
  const row = await newAllergyRow(ctx.phi, await writer(ctx, id, "allergy"), input);
  await insertWithAudit(ctx, "allergy", ctx.db.orm.insert(patientAllergies).values(row), row);
  return presentAllergy(ctx.phi, row);
}

/** The patient's allergies, newest first. */
export async function listAllergies(ctx: RequestContext, id: string, query: PageQuery) {
  const { patient, audit } = await reader(ctx, id, "allergy", query);
  const where = ownedBy(patientAllergies, patient);
  const [[count], rows] = await ctx.db.read([
    ctx.db.orm.select({ n: total }).from(patientAllergies).where(where),
    ctx.db.orm
      .select()
      .from(patientAllergies)
      .where(where)
      .orderBy(desc(patientAllergies.createdAt))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    audit,
  ]);
  const items = await Promise.all(rows.map((row) => presentAllergy(ctx.phi, row)));
  return { items, total: count?.n ?? 0 };
}

/** Records a set of vital signs (ranges are checked by the schema). */
export async function recordVitals(ctx: RequestContext, id: string, input: CreateVitalInput) {
  const row = await newVitalRow(ctx.phi, await writer(ctx, id, "vital"), input);
  await insertWithAudit(ctx, "vital", ctx.db.orm.insert(patientVitals).values(row), row);
  return presentVital(ctx.phi, row);
}

/** Vital-sign history in a date range, newest first. */
export async function listVitals(ctx: RequestContext, id: string, query: VitalsQuery) {
  const { patient, audit } = await reader(ctx, id, "vital", query);
  const where = and(
    ownedBy(patientVitals, patient),
    query.start_date ? gte(patientVitals.recordedDate, startOf(query.start_date)) : undefined,
    query.end_date ? lte(patientVitals.recordedDate, endOf(query.end_date)) : undefined,
  );
  const [[count], rows] = await ctx.db.read([
    ctx.db.orm.select({ n: total }).from(patientVitals).where(where),
    ctx.db.orm
      .select()
      .from(patientVitals)
      .where(where)
      .orderBy(desc(patientVitals.recordedDate), desc(patientVitals.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    audit,
  ]);
  const items = await Promise.all(rows.map((row) => presentVital(ctx.phi, row)));
  return { items, total: count?.n ?? 0 };
}
