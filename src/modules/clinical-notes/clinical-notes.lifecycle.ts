/**
 * The lifecycle verbs past editing: sign (password re-entry, plus a TOTP code when the signer has
 * MFA on), accept a suggestion, soft delete, restore, and the admin's permanent delete within the
 * retention rule (seed 002 §7.3: clinical notes are kept 7 years).
 */
import { and, eq, isNotNull, isNull, notExists } from "drizzle-orm";
import {
  clinicalNoteAddenda,
  clinicalNotes,
  clinicalNoteSuggestions,
  clinicalNoteVersions,
} from "../../db/schema/clinical-notes";
import { users } from "../../db/schema/users";
import { recordAudit } from "../../lib/audit";
import { guardedWrite } from "../../lib/guarded-write";
import { verifyPassword } from "../../lib/crypto/password";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { enforceRateLimit, LIMITS } from "../../middleware/rate-limit";
import type { RequestContext } from "../../middleware/request-context";
import { verifyMfaCode } from "../auth/mfa.verify";
import { deleteMediaOf } from "../media/media.service";
import { reachNote } from "./clinical-notes.access";
import { decryptSections, noteRef, suggestionRef } from "./clinical-notes.data";
import { applyEdit, notifySafely } from "./clinical-notes.edit";
import { notifyNoteSigned } from "../notifications/notifications.content";
import type { SignInput } from "./clinical-notes.schemas";

/** Seed 002 §7.3: a clinical note that entered the record is kept this long after creation. */
export const RETENTION_YEARS = 7;

export function retentionUntil(createdAt: string) {
  const until = new Date(createdAt);
  until.setUTCFullYear(until.getUTCFullYear() + RETENTION_YEARS);
  return until.toISOString();
}

/**
 * Signs a finalized note after re-checking the signer's password (and TOTP when MFA is on). Only
 * the note's author signs: another clinician who may read the note gets 403 (audited), anyone
 * who may not the 404 of an unknown id, admins the role's 403. Of two racing signatures one
 * lands; the other is a 409 and leaves no `clinical_note.signed` entry.
 */
export async function signNote(ctx: RequestContext, id: string, input: SignInput) {
  const { caller, note } = await reachNote(ctx, id, "write", "clinical_note.signed");
  if (note.authorId !== caller.userId) {
    await recordAudit(ctx, {
      action: "clinical_note.signed",
      resourceType: "clinical_note",
      resourceId: note.id,
      outcome: "denied",
      metadata: { reason: "not_author" },
    });
    throw new ForbiddenError("Only the note's author signs it");
  }
  if (!note.finalizedAt) {
    throw new ValidationError([{ field: "is_draft", message: "Finalize the note before signing" }]);
  }
  if (note.signedAt) throw new ConflictError("The note is signed already");
  // Password guesses through this route are limited like logins.
  await enforceRateLimit(ctx, `sign:user:${caller.userId}`, LIMITS.login);
  const [[user]] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(users)
      .where(and(eq(users.id, caller.userId), eq(users.workspaceId, caller.workspaceId)))
      .limit(1),
  ]);
  const failed = async (reason: string) => {
    await recordAudit(ctx, {
      action: "clinical_note.sign_failed",
      resourceType: "clinical_note",
      resourceId: note.id,
      outcome: "denied",
      metadata: { reason },
    });
    return new ForbiddenError("Re-authentication failed; the note is not signed");
  };
  const passwordOk =
    user?.passwordHash &&
    (await verifyPassword(input.password, user.passwordHash, ctx.env.PASSWORD_PEPPER));
  if (!user || !passwordOk) throw await failed("password");
  if (user.mfaEnabled) {
    if (!input.mfa_code) {
      throw new ValidationError([{ field: "mfa_code", message: "Required: MFA is on" }]);
    }
    if (!(await verifyMfaCode(ctx, user, input.mfa_code))) throw await failed("mfa");
  }
  const now = new Date().toISOString();
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(clinicalNotes)
      .set({ signedAt: now, signedBy: caller.userId, updatedAt: now })
      .where(
        and(
          eq(clinicalNotes.id, note.id),
          eq(clinicalNotes.workspaceId, note.workspaceId),
          isNotNull(clinicalNotes.finalizedAt),
          isNull(clinicalNotes.signedAt),
          isNull(clinicalNotes.deletedAt),
        ),
      ),
    audit: {
      action: "clinical_note.signed",
      resourceType: "clinical_note",
      resourceId: note.id,
      metadata: { patient_id: note.patientId, version: note.version, mfa: user.mfaEnabled },
    },
  });
  if (!changed)
    throw new ConflictError("The note changed meanwhile (signed or deleted); reload it");
  await notifySafely(() => notifyNoteSigned(ctx, note, caller.userId));
  return { id: note.id, signed_at: now, signed_by: caller.userId };
}

/**
 * Accepts a suggestion: its text is appended to its section (as an addendum once signed), and
 * who accepted it and when is recorded.
 */
export async function acceptSuggestion(ctx: RequestContext, id: string, suggestionId: string) {
  const { caller, note } = await reachNote(ctx, id, "write", "clinical_note.updated");
  const [[suggestion]] = await ctx.db.read([
    ctx.db.orm
      .select()
      .from(clinicalNoteSuggestions)
      .where(
        and(
          eq(clinicalNoteSuggestions.id, suggestionId),
          eq(clinicalNoteSuggestions.noteId, note.id),
          eq(clinicalNoteSuggestions.workspaceId, caller.workspaceId),
        ),
      )
      .limit(1),
  ]);
  if (!suggestion) throw new NotFoundError("Suggestion");
  if (suggestion.isAccepted) throw new ConflictError("The suggestion was accepted already");
  const text = await ctx.phi.decrypt(suggestion.textEnc, suggestionRef(suggestion.id));
  const current = await decryptSections(ctx.phi, note.sectionsEnc, noteRef(note.id, "sections"));
  const before = current[suggestion.section]?.trim() ?? "";
  const content = note.signedAt ? text : before ? `${before}\n${text}` : text;
  const updated = await applyEdit(ctx, caller, note, {
    sections: { [suggestion.section]: content },
  });
  const now = new Date().toISOString();
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(clinicalNoteSuggestions)
      .set({ isAccepted: true, acceptedBy: caller.userId, acceptedAt: now })
      .where(
        and(
          eq(clinicalNoteSuggestions.id, suggestion.id),
          eq(clinicalNoteSuggestions.workspaceId, caller.workspaceId),
          eq(clinicalNoteSuggestions.isAccepted, false),
        ),
      ),
    audit: {
      action: "clinical_note_suggestion.accepted",
      resourceType: "clinical_note_suggestion",
      resourceId: suggestion.id,
      metadata: { note_id: note.id, section: suggestion.section },
    },
  });
  if (!changed) throw new ConflictError("The suggestion was accepted already");
  const sections = await decryptSections(
    ctx.phi,
    updated.sectionsEnc,
    noteRef(note.id, "sections"),
  );
  return {
    suggestion_id: suggestion.id,
    updated_section: suggestion.section,
    updated_content: note.signedAt ? text : (sections[suggestion.section] ?? ""),
    accepted_by: caller.userId,
    accepted_at: now,
    as_addendum: Boolean(note.signedAt),
  };
}

async function setDeleted(ctx: RequestContext, id: string, deleted: boolean) {
  const action = deleted ? "clinical_note.deleted" : "clinical_note.restored";
  const { caller, note } = await reachNote(ctx, id, "manage", action, deleted ? "live" : "any");
  if (!deleted && !note.deletedAt) throw new ConflictError("The note is not deleted");
  if (deleted && note.signedAt && caller.role !== "admin") {
    // The clinician may read the note, so a 403 reveals nothing they do not already see.
    await recordAudit(ctx, {
      action,
      resourceType: "clinical_note",
      resourceId: note.id,
      outcome: "denied",
      metadata: { reason: "signed" },
    });
    throw new ForbiddenError("The note is signed; only an admin deletes it");
  }
  const now = new Date().toISOString();
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .update(clinicalNotes)
      .set(
        deleted
          ? { deletedAt: now, deletedBy: caller.userId, updatedAt: now }
          : { deletedAt: null, deletedBy: null, updatedAt: now },
      )
      .where(
        and(
          eq(clinicalNotes.id, note.id),
          eq(clinicalNotes.workspaceId, caller.workspaceId),
          // Deleting a live note, restoring a deleted one; a note signed meanwhile is not
          // deleted by a clinician who read it unsigned.
          deleted ? isNull(clinicalNotes.deletedAt) : isNotNull(clinicalNotes.deletedAt),
          deleted && caller.role !== "admin" ? isNull(clinicalNotes.signedAt) : undefined,
        ),
      ),
    audit: {
      action,
      resourceType: "clinical_note",
      resourceId: note.id,
      metadata: { patient_id: note.patientId },
    },
  });
  if (!changed) throw new ConflictError("The note changed meanwhile; reload it");
  return { ...note, deletedAt: deleted ? now : null, updatedAt: now };
}

/** Soft delete: hidden from reads and lists, kept for restore and retention. */
export const softDeleteNote = (ctx: RequestContext, id: string) => setDeleted(ctx, id, true);

/** Restores a soft-deleted note. */
export const restoreNote = (ctx: RequestContext, id: string) => setDeleted(ctx, id, false);

/**
 * Permanently deletes a soft-deleted note (admin only). A note that entered the record
 * (finalized) is kept for the retention period: 409 with the date it may be destroyed.
 * A draft that never became part of the record may go at once.
 */
export async function purgeNote(ctx: RequestContext, id: string) {
  const { note } = await reachNote(ctx, id, "purge", "clinical_note.purged", "any");
  if (!note.deletedAt) throw new ConflictError("Soft delete the note first");
  if (note.finalizedAt) {
    const until = retentionUntil(note.createdAt);
    if (until > new Date().toISOString()) {
      await recordAudit(ctx, {
        action: "clinical_note.purged",
        resourceType: "clinical_note",
        resourceId: note.id,
        outcome: "denied",
        metadata: { reason: "retention", retention_until: until },
      });
      throw new ConflictError("The note is under its retention period", {
        retention_until: until,
      });
    }
  }
  // The note first (guarded: still soft-deleted), then what hangs on it, each guarded by the
  // note being gone, so a restore that won the race keeps the whole note.
  const gone = notExists(
    ctx.db.orm
      .select({ id: clinicalNotes.id })
      .from(clinicalNotes)
      .where(eq(clinicalNotes.id, note.id)),
  );
  const children = [clinicalNoteVersions, clinicalNoteAddenda, clinicalNoteSuggestions] as const;
  const { changed } = await guardedWrite(ctx, {
    change: ctx.db.orm
      .delete(clinicalNotes)
      .where(
        and(
          eq(clinicalNotes.id, note.id),
          eq(clinicalNotes.workspaceId, note.workspaceId),
          isNotNull(clinicalNotes.deletedAt),
        ),
      ),
    audit: {
      action: "clinical_note.purged",
      resourceType: "clinical_note",
      resourceId: note.id,
      metadata: { patient_id: note.patientId, finalized: note.finalizedAt !== null },
    },
    then: children.map((t) => ctx.db.orm.delete(t).where(and(eq(t.noteId, note.id), gone))),
  });
  if (!changed) throw new ConflictError("The note changed meanwhile (restored); reload it");
  // Its attachments go with it: the retention rule that allowed the purge governs them too.
  await deleteMediaOf(ctx, { kind: "clinical_note", id: note.id });
}
