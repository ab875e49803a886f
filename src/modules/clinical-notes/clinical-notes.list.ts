/**
 * Note lists: `GET /clinical-notes` (filters) and `GET /patients/{id}/clinical-notes`, and the
 * clinic's note settings. Lists show summaries only (no note text is decrypted), scoped in SQL by
 * the same relation as single notes (clinical-notes.access.ts).
 */
import { and, desc, eq, gte, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { clinicalNotes, clinicalNoteSettings } from "../../db/schema/clinical-notes";
import { auditEntry, recordAudit } from "../../lib/audit";
import { ForbiddenError } from "../../lib/errors";
import { offsetOf, type PageQuery } from "../../lib/pagination";
import { callerOf } from "../../middleware/auth";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { accessPatient, requirePermission } from "../../policy/policy";
import { presentSummary } from "./clinical-notes.data";
import type { ListNotesQuery } from "./clinical-notes.schemas";

/** SQL: the note is visible to the caller (workspace included); null for family (never). */
function noteVisibility(caller: Caller): SQL | null {
  const inWorkspace = eq(clinicalNotes.workspaceId, caller.workspaceId);
  switch (caller.role) {
    case "admin":
      return inWorkspace;
    case "family":
      return null;
    case "patient":
      return and(
        inWorkspace,
        isNotNull(clinicalNotes.finalizedAt),
        sql`exists(select 1 from patients p where p.id = clinical_notes.patient_id and p.user_id = ${caller.userId} and p.deleted_at is null)`,
        sql`exists(select 1 from clinical_note_settings s where s.workspace_id = clinical_notes.workspace_id and s.patients_see_finalized = 1)`,
      )!;
    default:
      return and(
        inWorkspace,
        or(
          sql`exists(select 1 from care_team_members m where m.patient_id = clinical_notes.patient_id and m.user_id = ${caller.userId})`,
          sql`exists(select 1 from appointments a where a.id = clinical_notes.appointment_id and a.clinician_id = ${caller.userId})`,
        ),
      )!;
  }
}

type Filters = Partial<Omit<ListNotesQuery, "page" | "page_size">>;

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

async function listWhere(ctx: RequestContext, filters: Filters, query: PageQuery) {
  const caller = callerOf(ctx);
  const visible = noteVisibility(caller);
  const audit = { action: "clinical_note.listed" as const, resourceType: "clinical_note" };
  if (!visible) {
    await recordAudit(ctx, { ...audit, outcome: "denied", metadata: { reason: "role" } });
    throw new ForbiddenError();
  }
  const where = and(
    visible,
    isNull(clinicalNotes.deletedAt),
    filters.patient_id ? eq(clinicalNotes.patientId, filters.patient_id) : undefined,
    filters.author_id ? eq(clinicalNotes.authorId, filters.author_id) : undefined,
    filters.template_type ? eq(clinicalNotes.templateType, filters.template_type) : undefined,
    filters.is_draft === undefined
      ? undefined
      : filters.is_draft
        ? isNull(clinicalNotes.finalizedAt)
        : isNotNull(clinicalNotes.finalizedAt),
    filters.start_date ? gte(clinicalNotes.createdAt, filters.start_date) : undefined,
    filters.end_date ? lt(clinicalNotes.createdAt, nextDay(filters.end_date)) : undefined,
  );
  const entry = await auditEntry(ctx, {
    ...audit,
    resourceId: filters.patient_id ?? null,
    metadata: { filters: Object.keys(filters), page: query.page },
  });
  const [[count], rows] = await ctx.db.read([
    ctx.db.orm
      .select({ n: sql<number>`count(*)` })
      .from(clinicalNotes)
      .where(where),
    ctx.db.orm
      .select()
      .from(clinicalNotes)
      .where(where)
      .orderBy(desc(clinicalNotes.createdAt), desc(clinicalNotes.id))
      .limit(query.page_size)
      .offset(offsetOf(query)),
    entry.query,
  ]);
  return { items: rows.map(presentSummary), total: count?.n ?? 0 };
}

/** Notes the caller may see, newest first, with filters (patient, draft, dates, template, author). */
export async function listNotes(ctx: RequestContext, query: ListNotesQuery) {
  const { page, page_size, ...filters } = query;
  return listWhere(ctx, filters, { page, page_size });
}

/** One patient's notes; the patient itself is checked first (404/403 audited). */
export async function listPatientNotes(
  ctx: RequestContext,
  patientId: string,
  query: PageQuery & Filters,
) {
  if (!noteVisibility(callerOf(ctx))) {
    // The role never sees notes (family): refused before the lookup, the same for every id.
    await recordAudit(ctx, {
      action: "clinical_note.listed",
      resourceType: "clinical_note",
      outcome: "denied",
      metadata: { reason: "role" },
    });
    throw new ForbiddenError();
  }
  await accessPatient(ctx, patientId, "read", { action: "clinical_note.listed" });
  const { page, page_size, ...filters } = query;
  return listWhere(ctx, { ...filters, patient_id: patientId }, { page, page_size });
}

/** The clinic's note settings (admin). */
export async function getNoteSettings(ctx: RequestContext) {
  const caller = await requirePermission(ctx, "clinical_notes.settings", {
    action: "clinical_note_settings.read",
    resourceType: "clinical_note_settings",
  });
  const [[row]] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(clinicalNoteSettings)
      .where(eq(clinicalNoteSettings.workspaceId, caller.workspaceId)),
  ]);
  return {
    patients_see_finalized: row?.patientsSeeFinalized ?? false,
    updated_at: row?.updatedAt ?? null,
  };
}

/** Whether patients may read their finalized notes (admin). */
export async function updateNoteSettings(
  ctx: RequestContext,
  input: { patients_see_finalized: boolean },
) {
  const caller = await requirePermission(ctx, "clinical_notes.settings", {
    action: "clinical_note_settings.updated",
    resourceType: "clinical_note_settings",
  });
  const now = new Date().toISOString();
  const values = {
    workspaceId: caller.workspaceId,
    patientsSeeFinalized: input.patients_see_finalized,
    updatedBy: caller.userId,
    updatedAt: now,
  };
  const audit = await auditEntry(ctx, {
    action: "clinical_note_settings.updated",
    resourceType: "clinical_note_settings",
    resourceId: caller.workspaceId,
    metadata: { patients_see_finalized: input.patients_see_finalized },
  });
  await ctx.db.write([
    ctx.db.orm
      .insert(clinicalNoteSettings)
      .values(values)
      .onConflictDoUpdate({ target: clinicalNoteSettings.workspaceId, set: values }),
    audit.query,
  ]);
  return { patients_see_finalized: input.patients_see_finalized, updated_at: now };
}
