/**
 * Patient context for the scribe's prompts (seed 002 §4.1): active diagnoses, active
 * medications, allergies and the latest analysed exercise sessions. The text goes only into the
 * prompt (background, never cited); callers return and audit the row ids (`context_used`), never
 * the text, so no PHI reaches logs or audit metadata.
 */
import { and, desc, eq, isNotNull } from "drizzle-orm";
import { exerciseTypes } from "../../db/schema/exercises";
import {
  patientAllergies,
  patientDiagnoses,
  patientMedications,
} from "../../db/schema/patient-records";
import { exerciseSessions } from "../../db/schema/sessions";
import type { RequestContext } from "../../middleware/request-context";
import { accessPatient } from "../../policy/policy";
import {
  presentAllergy,
  presentDiagnosis,
  presentMedication,
} from "../patients/patient-records.data";

/** How many analysed sessions are summarized, newest first. */
const RECENT_SESSIONS = 3;
const LIMIT = 50;

export type ContextUsed = {
  diagnoses: string[];
  medications: string[];
  allergies: string[];
  exercise_sessions: string[];
};

/**
 * Gathers the patient's context with the caller's own access (a caller who may not read the
 * patient gets the policy's refusal, audited). Returns prompt lines and the ids they came from.
 */
export async function gatherPatientContext(ctx: RequestContext, patientId: string) {
  const audit = { action: "scribe.read" as const, resourceType: "patient", resourceId: patientId };
  const patient = await accessPatient(ctx, patientId, "read", audit);
  const owner = (
    t: typeof patientDiagnoses | typeof patientMedications | typeof patientAllergies,
  ) => and(eq(t.workspaceId, patient.workspaceId), eq(t.patientId, patientId));
  const s = exerciseSessions;
  const [diagnoses, medications, allergies, sessions] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(patientDiagnoses)
      .where(and(owner(patientDiagnoses), eq(patientDiagnoses.isActive, true)))
      .orderBy(desc(patientDiagnoses.createdAt))
      .limit(LIMIT),
    ctx.db.orm
      .select()
      .from(patientMedications)
      .where(and(owner(patientMedications), eq(patientMedications.isActive, true)))
      .orderBy(desc(patientMedications.createdAt))
      .limit(LIMIT),
    ctx.db.orm
      .select()
      .from(patientAllergies)
      .where(owner(patientAllergies))
      .orderBy(desc(patientAllergies.createdAt))
      .limit(LIMIT),
    ctx.db.orm
      .select({
        id: s.id,
        analyzedAt: s.analyzedAt,
        repCount: s.repCount,
        qualityScore: s.qualityScore,
        analysis: s.analysis,
        slug: exerciseTypes.slug,
      })
      .from(s)
      .innerJoin(exerciseTypes, eq(exerciseTypes.id, s.exerciseTypeId))
      .where(
        and(
          eq(s.workspaceId, patient.workspaceId),
          eq(s.patientId, patientId),
          isNotNull(s.analyzedAt),
        ),
      )
      .orderBy(desc(s.analyzedAt))
      .limit(RECENT_SESSIONS),
  ]);
  const lines: string[] = [];
  for (const row of diagnoses) {
    const d = await presentDiagnosis(ctx.phi, row);
    lines.push(
      `Diagnosis: ${d.diagnosis}${d.diagnosed_date ? ` (since ${d.diagnosed_date})` : ""}`,
    );
  }
  for (const row of medications) {
    const m = await presentMedication(ctx.phi, row);
    lines.push(`Medication: ${[m.name, m.dosage, m.frequency].filter(Boolean).join(" ")}`);
  }
  for (const row of allergies) {
    const a = await presentAllergy(ctx.phi, row);
    lines.push(`Allergy: ${a.allergy} (${a.severity})`);
  }
  for (const row of sessions) lines.push(sessionLine(row));
  const used: ContextUsed = {
    diagnoses: diagnoses.map((r) => r.id),
    medications: medications.map((r) => r.id),
    allergies: allergies.map((r) => r.id),
    exercise_sessions: sessions.map((r) => r.id),
  };
  return { lines, used };
}

/** One analysed session as a line: exercise, date, reps, quality and the form issues named. */
function sessionLine(row: {
  analyzedAt: string | null;
  repCount: number | null;
  qualityScore: number | null;
  analysis: Record<string, unknown> | null;
  slug: string;
}) {
  const issues = Array.isArray(row.analysis?.form_issues)
    ? (row.analysis.form_issues as { type?: unknown }[])
        .map((i) => String(i.type ?? ""))
        .filter(Boolean)
    : [];
  const quality = row.qualityScore === null ? "n/a" : `${Math.round(row.qualityScore * 100)}%`;
  return [
    `Exercise session ${row.slug} on ${row.analyzedAt?.slice(0, 10)}:`,
    `${row.repCount ?? 0} reps, quality ${quality}`,
    issues.length ? `, form issues: ${[...new Set(issues)].slice(0, 5).join(", ")}` : "",
  ].join(" ");
}
