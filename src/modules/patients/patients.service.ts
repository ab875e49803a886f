/**
 * Patient records: create, read, update, soft delete (seed 002 §2.3, seed 001 clients); the list
 * and search live in patients.list.ts.
 * Invariants: every query is scoped by the caller's workspace and the policy's relation checks; a
 * change and its audit entry are written in one batch; the name's search tokens and the MRN's
 * blind index are rewritten whenever those fields change; audit metadata holds field names only.
 */
import { and, eq, isNull } from "drizzle-orm";
import {
  careTeamMembers,
  familyAccess,
  patientSearchTokens,
  patients,
} from "../../db/schema/patients";
import { users } from "../../db/schema/users";
import { auditEntry, recordAudit } from "../../lib/audit";
import { ConflictError, ForbiddenError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { isClinician, requirePermission } from "../../policy/policy";
import { accessChanged } from "../realtime/realtime.service";
import { reachPatient } from "./patients.access";
import { isUniqueViolation } from "../../lib/db";
import { checkPatientInput, duplicateMrn } from "./patients.checks";
import {
  asPatientRow,
  encryptPatientFields,
  nameTokens,
  newPatientRows,
  patientFieldsOf,
  patientRef,
  presentPatient,
  type PatientFields,
  type PatientRow,
} from "./patients.data";
import { loadPatientDetail } from "./patients.detail";
import { getPatientForFamily } from "./patients.family-read";
import { callerOf } from "../../middleware/auth";
import type { CreatePatientInput, UpdatePatientInput } from "./patients.schemas";

/** Consent given (anew) without a date is dated now; a date-time is normalised to UTC. */
function consentDateOf(
  given: boolean | undefined,
  date: string | null | undefined,
  alreadyGiven: boolean,
) {
  if (date) return date.length === 10 ? date : new Date(date).toISOString();
  if (date === null) return null;
  return given && !alreadyGiven ? new Date().toISOString() : undefined;
}

/** Creates a patient record; a clinician creating it joins its care team. */
export async function createPatient(ctx: RequestContext, input: CreatePatientInput) {
  const caller = await requirePermission(ctx, "patients.create", {
    action: "patient.created",
    resourceType: "patient",
  });
  const careTeam = [
    ...new Set([...(input.care_team ?? []), ...(isClinician(caller.role) ? [caller.userId] : [])]),
  ];
  await checkPatientInput(ctx, caller, { mrn: input.mrn, userId: input.user_id, careTeam });
  const fields = {
    ...patientFieldsOf(input),
    consentDate: consentDateOf(input.consent_given, input.consent_date, false),
  } as PatientFields;
  const created = await newPatientRows(ctx.phi, caller.workspaceId, fields, caller.userId);
  const now = new Date().toISOString();
  const audit = await auditEntry(ctx, {
    action: "patient.created",
    resourceType: "patient",
    resourceId: created.id,
    metadata: { care_team_size: careTeam.length, user_linked: !!input.user_id },
  });
  const members = careTeam.map((userId) => ({
    id: uuidv7(),
    workspaceId: caller.workspaceId,
    patientId: created.id,
    userId,
    addedBy: caller.userId,
    createdAt: now,
  }));
  try {
    await ctx.db.write([
      ctx.db.orm.insert(patients).values(created.row),
      ...(created.tokens.length
        ? [ctx.db.orm.insert(patientSearchTokens).values(created.tokens)]
        : []),
      ...(members.length ? [ctx.db.orm.insert(careTeamMembers).values(members)] : []),
      audit.query,
    ]);
  } catch (error) {
    if (isUniqueViolation(error, "patients.mrn_index")) throw duplicateMrn();
    if (isUniqueViolation(error, "patients.user_id")) throw accountAlreadyLinked();
    throw error;
  }
  return presentPatient(ctx.phi, asPatientRow(created.row));
}

/**
 * The record with its active diagnoses and medications, allergies and latest vitals; a family
 * member gets the family summary (`familyView`) of a patient who shared with them instead.
 */
export async function getPatient(ctx: RequestContext, patientId: string) {
  const caller = callerOf(ctx);
  if (caller.role === "family") return getPatientForFamily(ctx, caller, patientId);
  const { patient } = await reachPatient(ctx, patientId, "read", "patient.read");
  return loadPatientDetail(ctx, patient, { action: "patient.read" });
}

/**
 * Writes `fields` over `patient` with its audit entry (the names in `changed`, never values),
 * re-indexing the name tokens and the MRN when they change. Shared with the profile update.
 */
export async function writePatientChange(
  ctx: RequestContext,
  patient: PatientRow,
  fields: Partial<PatientFields>,
  changed: string[],
  metadata: Record<string, unknown> = {},
) {
  const values = {
    ...(await encryptPatientFields(ctx.phi, patient.id, fields)),
    updatedAt: new Date().toISOString(),
  };
  const tokenWrites = [];
  if (fields.firstName !== undefined || fields.lastName !== undefined) {
    const dec = (column: string, value: string) =>
      ctx.phi.decrypt(value, patientRef(patient.id, column));
    const tokens = await nameTokens(
      ctx.phi,
      fields.firstName ?? (await dec("first_name", patient.firstNameEnc)),
      fields.lastName ?? (await dec("last_name", patient.lastNameEnc)),
    );
    tokenWrites.push(
      ctx.db.orm
        .delete(patientSearchTokens)
        .where(
          and(
            eq(patientSearchTokens.workspaceId, patient.workspaceId),
            eq(patientSearchTokens.patientId, patient.id),
          ),
        ),
    );
    if (tokens.length > 0) {
      tokenWrites.push(
        ctx.db.orm.insert(patientSearchTokens).values(
          tokens.map((token) => ({
            workspaceId: patient.workspaceId,
            token,
            patientId: patient.id,
          })),
        ),
      );
    }
  }
  const audit = await auditEntry(ctx, {
    action: "patient.updated",
    resourceType: "patient",
    resourceId: patient.id,
    metadata: { ...metadata, fields: changed },
  });
  try {
    await ctx.db.write([
      ctx.db.orm
        .update(patients)
        .set(values)
        .where(and(eq(patients.id, patient.id), eq(patients.workspaceId, patient.workspaceId))),
      ...tokenWrites,
      audit.query,
    ]);
  } catch (error) {
    if (isUniqueViolation(error, "patients.mrn_index")) throw duplicateMrn();
    if (isUniqueViolation(error, "patients.user_id")) throw accountAlreadyLinked();
    throw error;
  }
  return presentPatient(ctx.phi, { ...patient, ...values });
}

const accountAlreadyLinked = () =>
  new ConflictError("This account is already linked to a patient record", [
    { field: "user_id", message: "Already linked" },
  ]);

/** Partial update by staff with the care-team relation (or an admin). */
export async function updatePatient(
  ctx: RequestContext,
  patientId: string,
  input: UpdatePatientInput,
) {
  const { caller, patient } = await reachPatient(
    ctx,
    patientId,
    "write",
    "patient.updated",
    "patients.write_clinical",
  );
  if (input.user_id !== undefined && caller.role !== "admin") {
    // Linking an account opens the whole chart to it: an admin decision, not a care-team one.
    await recordAudit(ctx, {
      action: "patient.updated",
      resourceType: "patient",
      resourceId: patient.id,
      outcome: "denied",
      metadata: { reason: "user_link_admin_only" },
    });
    throw new ForbiddenError("Only an admin may link or unlink a patient's account");
  }
  await checkPatientInput(ctx, caller, {
    mrn: input.mrn,
    userId: input.user_id,
    selfId: patient.id,
  });
  const fields = patientFieldsOf(input);
  const consentDate = consentDateOf(input.consent_given, input.consent_date, patient.consentGiven);
  if (consentDate !== undefined) fields.consentDate = consentDate;
  return writePatientChange(ctx, patient, fields, Object.keys(input).sort());
}

/**
 * Soft delete (admin only): the record disappears from every read, its rows stay. Everyone whose
 * sockets the record's relation kept open (its chats, live rooms, calls) has them re-checked.
 */
export async function deletePatient(ctx: RequestContext, patientId: string) {
  const { patient } = await reachPatient(
    ctx,
    patientId,
    "write",
    "patient.deleted",
    "patients.delete",
  );
  const [team, family, admins] = await ctx.db.read([
    ctx.db.orm
      .select({ userId: careTeamMembers.userId })
      .from(careTeamMembers)
      .where(eq(careTeamMembers.patientId, patient.id)),
    ctx.db.orm
      .select({ userId: familyAccess.familyUserId })
      .from(familyAccess)
      .where(and(eq(familyAccess.patientId, patient.id), isNull(familyAccess.revokedAt))),
    ctx.db.orm
      .select({ userId: users.id })
      .from(users)
      .where(and(eq(users.workspaceId, patient.workspaceId), eq(users.role, "admin"))),
  ]);
  const related = [...team, ...family, ...admins].map((r) => r.userId);
  if (patient.userId) related.push(patient.userId);
  const now = new Date().toISOString();
  await ctx.db.write([
    ctx.db.orm
      .update(patients)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(patients.id, patient.id), eq(patients.workspaceId, patient.workspaceId))),
    (
      await auditEntry(ctx, {
        action: "patient.deleted",
        resourceType: "patient",
        resourceId: patient.id,
      })
    ).query,
  ]);
  await accessChanged(ctx.env, related).catch(() => 0);
}
