/**
 * Content edits of a note. Each is one conditional UPDATE (plus its version or addenda and audit
 * entry) in one D1 batch through `guardedWrite`; the condition is the state read just before
 * (`updated_at`, lifecycle stamps), so a concurrent edit makes this one a 409 instead of silently
 * overwriting it, and leaves neither an audit entry nor a version behind.
 */
import { and, eq, isNotNull, isNull, lte, or } from "drizzle-orm";
import {
  clinicalNoteAddenda,
  clinicalNotes,
  clinicalNoteVersions,
} from "../../db/schema/clinical-notes";
import { follow, guardedWrite } from "../../lib/guarded-write";
import { ConflictError, RateLimitedError, ValidationError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import type { Caller, RequestContext } from "../../middleware/request-context";
import { reachNote } from "./clinical-notes.access";
import {
  addendumRef,
  checkRequired,
  checkSections,
  decryptSections,
  encryptSections,
  noteRef,
  templateOf,
  type NoteRow,
} from "./clinical-notes.data";
import type { Sections, UpdateNoteInput } from "./clinical-notes.schemas";
import { versionRow } from "./clinical-notes.versions";
import { notifyNoteReady } from "../notifications/notifications.content";

/** Autosave: at most one accepted save per note per this many milliseconds. */
export const AUTOSAVE_INTERVAL_MS = 5_000;

const stale = () => new ConflictError("The note changed meanwhile; reload it and try again");

/** A signed note keeps its signed text: each changed section becomes an addendum. */
async function addAddenda(ctx: RequestContext, caller: Caller, note: NoteRow, sections: Sections) {
  const current = await decryptSections(ctx.phi, note.sectionsEnc, noteRef(note.id, "sections"));
  const changed = Object.entries(sections).filter(
    ([id, text]) => text.trim() && text !== current[id],
  );
  if (changed.length === 0) {
    throw new ValidationError([{ field: "sections", message: "No change to add as an addendum" }]);
  }
  const now = new Date().toISOString();
  const rows = await Promise.all(
    changed.map(async ([section, text]) => {
      const id = uuidv7();
      return follow(clinicalNoteAddenda, {
        id,
        workspaceId: note.workspaceId,
        noteId: note.id,
        section,
        textEnc: await ctx.phi.encrypt(text, addendumRef(id)),
        authorId: caller.userId,
        createdAt: now,
      });
    }),
  );
  const { changed: written, result } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(clinicalNotes)
      .set({ updatedAt: now })
      .where(
        and(
          eq(clinicalNotes.id, note.id),
          eq(clinicalNotes.workspaceId, note.workspaceId),
          isNotNull(clinicalNotes.signedAt),
          isNull(clinicalNotes.deletedAt),
        ),
      )
      .returning(),
    audit: {
      action: "clinical_note.updated",
      resourceType: "clinical_note",
      resourceId: note.id,
      metadata: { patient_id: note.patientId, addenda: changed.map(([s]) => s) },
    },
    rows,
  });
  if (!written) throw stale();
  return result[0]!;
}

/** Applies a PUT: draft overwritten, final versioned, signed → addenda; `is_draft:false` finalizes. */
export async function applyEdit(
  ctx: RequestContext,
  caller: Caller,
  note: NoteRow,
  input: UpdateNoteInput,
): Promise<NoteRow> {
  const template = templateOf(note.templateType);
  if (input.sections) checkSections(template, input.sections);
  if (note.signedAt) {
    if (input.visit_reason !== undefined || input.consultation_type !== undefined) {
      throw new ConflictError("A signed note is locked; section changes are kept as addenda");
    }
    if (!input.sections) return note;
    return addAddenda(ctx, caller, note, input.sections);
  }
  const current = await decryptSections(ctx.phi, note.sectionsEnc, noteRef(note.id, "sections"));
  const merged = { ...current, ...(input.sections ?? {}) };
  const finalizing = note.finalizedAt === null && input.is_draft === false;
  const final = note.finalizedAt !== null || finalizing;
  if (final) checkRequired(template, merged);
  const version = note.finalizedAt ? note.version + 1 : finalizing ? 1 : 0;
  const now = new Date().toISOString();
  const sectionsEnc = await encryptSections(ctx.phi, merged, noteRef(note.id, "sections"));
  const set: Partial<NoteRow> = { sectionsEnc, version, updatedAt: now };
  if (finalizing) set.finalizedAt = now;
  if (input.visit_reason !== undefined) {
    set.visitReasonEnc = await ctx.phi.encryptOptional(
      input.visit_reason,
      noteRef(note.id, "visit_reason"),
    );
  }
  if (input.consultation_type !== undefined) set.consultationType = input.consultation_type;
  const reason = finalizing ? "finalized" : "updated";
  const rows = final
    ? [follow(clinicalNoteVersions, await versionRow(ctx, note, merged, reason, version))]
    : [];
  const { changed, result } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(clinicalNotes)
      .set(set)
      .where(
        and(
          eq(clinicalNotes.id, note.id),
          eq(clinicalNotes.workspaceId, note.workspaceId),
          eq(clinicalNotes.updatedAt, note.updatedAt),
          isNull(clinicalNotes.signedAt),
          isNull(clinicalNotes.deletedAt),
        ),
      )
      .returning(),
    audit: {
      action: finalizing ? "clinical_note.finalized" : "clinical_note.updated",
      resourceType: "clinical_note",
      resourceId: note.id,
      metadata: {
        patient_id: note.patientId,
        fields: Object.keys(input),
        sections: Object.keys(input.sections ?? {}),
        version,
      },
    },
    rows,
  });
  if (!changed) throw stale();
  if (finalizing) await notifySafely(() => notifyNoteReady(ctx, result[0]!));
  return result[0]!;
}

/** Finalizes a draft (version 1); 422 when it is final already or a required section is empty. */
export async function finalizeNote(ctx: RequestContext, id: string) {
  const { caller, note } = await reachNote(ctx, id, "write", "clinical_note.finalized");
  if (note.finalizedAt) {
    throw new ValidationError([{ field: "is_draft", message: "The note is already final" }]);
  }
  return applyEdit(ctx, caller, note, { is_draft: false });
}

/**
 * Autosaves a draft's sections. One save per note per 5 s: the UPDATE claims the window itself
 * (`last_autosave_at` older than the cutoff), so two racing saves cannot both land; the loser
 * gets 429 with Retry-After.
 */
export async function autosaveNote(ctx: RequestContext, id: string, sections: Sections) {
  const { note } = await reachNote(ctx, id, "write", "clinical_note.autosaved");
  const template = templateOf(note.templateType);
  checkSections(template, sections);
  if (note.finalizedAt) throw new ConflictError("Only a draft autosaves; use PUT on a final note");
  const nowMs = Date.now();
  const retryAfter = (last: string | null) =>
    last ? (Date.parse(last) + AUTOSAVE_INTERVAL_MS - nowMs) / 1000 : 0;
  if (retryAfter(note.lastAutosaveAt) > 0) {
    throw new RateLimitedError(retryAfter(note.lastAutosaveAt));
  }
  const now = new Date(nowMs).toISOString();
  const cutoff = new Date(nowMs - AUTOSAVE_INTERVAL_MS).toISOString();
  const current = await decryptSections(ctx.phi, note.sectionsEnc, noteRef(note.id, "sections"));
  const sectionsEnc = await encryptSections(
    ctx.phi,
    { ...current, ...sections },
    noteRef(note.id, "sections"),
  );
  // The claim and its entry in one batch: a save that lost the race leaves no entry behind.
  const { changed, result } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(clinicalNotes)
      .set({ sectionsEnc, lastAutosaveAt: now, updatedAt: now })
      .where(
        and(
          eq(clinicalNotes.id, note.id),
          eq(clinicalNotes.workspaceId, note.workspaceId),
          isNull(clinicalNotes.finalizedAt),
          isNull(clinicalNotes.deletedAt),
          or(isNull(clinicalNotes.lastAutosaveAt), lte(clinicalNotes.lastAutosaveAt, cutoff)),
        ),
      )
      .returning(),
    audit: {
      action: "clinical_note.autosaved",
      resourceType: "clinical_note",
      resourceId: note.id,
      metadata: { patient_id: note.patientId, sections: Object.keys(sections) },
    },
  });
  if (!changed) throw new RateLimitedError(AUTOSAVE_INTERVAL_MS / 1000);
  return result[0]!;
}

/** The note is stored already: a failed notification only logs (src/modules/notifications). */
export async function notifySafely(send: () => Promise<unknown>) {
  try {
    await send();
  } catch (error) {
    console.warn(
      JSON.stringify({ level: "warn", event: "notify_failed", error: (error as Error).name }),
    );
  }
}
