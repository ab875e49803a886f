/**
 * The lifecycle verbs past editing: sign (password re-entry, plus a TOTP code when the signer has
 * MFA on), accept a suggestion, soft delete, restore, and the admin's permanent delete within the
 * retention rule (seed 002 §7.3: clinical notes are kept 7 years).
 */
import { and, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import {
  clinicalNoteAddenda,
  clinicalNotes,
  clinicalNoteSuggestions,
  clinicalNoteVersions,
} from "../../db/schema/clinical-notes";
import { users } from "../../db/schema/users";
import { auditEntry, recordAudit } from "../../lib/audit";
import { verifyPassword } from "../../lib/crypto/password";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors";
import { enforceRateLimit, LIMITS } from "../../middleware/rate-limit";
import type { RequestContext } from "../../middleware/request-context";
import { verifyMfaCode } from "../auth/mfa.verify";
import { reachNote } from "./clinical-notes.access";
import { decryptSections, noteRef, suggestionRef } from "./clinical-notes.data";
import { applyEdit } from "./clinical-notes.edit";
import type { SignInput } from "./clinical-notes.schemas";

/** Seed 002 §7.3: a clinical note that entered the record is kept this long after creation. */
export const RETENTION_YEARS = 7;

export function retentionUntil(createdAt: string) {
  const until = new Date(createdAt);
  until.setUTCFullYear(until.getUTCFullYear() + RETENTION_YEARS);
  return until.toISOString();
}

/** Signs a finalized note after re-checking the signer's password (and TOTP when MFA is on). */
export async function signNote(ctx: RequestContext, id: string, input: SignInput) {
  const { caller, note } = await reachNote(ctx, id, "write", "clinical_note.signed");
  if (!note.finalizedAt) {
    throw new ValidationError([{ field: "is_draft", message: "Finalize the note before signing" }]);
  }
  if (note.signedAt) throw new ValidationError([{ field: "id", message: "Already signed" }]);
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
  const audit = await auditEntry(ctx, {
    action: "clinical_note.signed",
    resourceType: "clinical_note",
    resourceId: note.id,
    metadata: { patient_id: note.patientId, version: note.version, mfa: user.mfaEnabled },
  });
  const [updated] = await ctx.db.write([
    ctx.db.orm
      .update(clinicalNotes)
      .set({ signedAt: now, signedBy: caller.userId, updatedAt: now })
      .where(
        and(
          eq(clinicalNotes.id, note.id),
          isNotNull(clinicalNotes.finalizedAt),
          isNull(clinicalNotes.signedAt),
          isNull(clinicalNotes.deletedAt),
        ),
      )
      .returning({ id: clinicalNotes.id }),
    audit.query,
  ]);
  if (!updated[0]) throw new ConflictError("The note changed meanwhile; reload it");
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
  const audit = await auditEntry(ctx, {
    action: "clinical_note_suggestion.accepted",
    resourceType: "clinical_note_suggestion",
    resourceId: suggestion.id,
    metadata: { note_id: note.id, section: suggestion.section },
  });
  await ctx.db.write([
    ctx.db.orm
      .update(clinicalNoteSuggestions)
      .set({ isAccepted: true, acceptedBy: caller.userId, acceptedAt: now })
      .where(eq(clinicalNoteSuggestions.id, suggestion.id)),
    audit.query,
  ]);
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
  const now = new Date().toISOString();
  const audit = await auditEntry(ctx, {
    action,
    resourceType: "clinical_note",
    resourceId: note.id,
    metadata: { patient_id: note.patientId },
  });
  await ctx.db.write([
    ctx.db.orm
      .update(clinicalNotes)
      .set(
        deleted
          ? { deletedAt: now, deletedBy: caller.userId, updatedAt: now }
          : { deletedAt: null, deletedBy: null, updatedAt: now },
      )
      .where(and(eq(clinicalNotes.id, note.id), eq(clinicalNotes.workspaceId, caller.workspaceId))),
    audit.query,
  ]);
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
  const audit = await auditEntry(ctx, {
    action: "clinical_note.purged",
    resourceType: "clinical_note",
    resourceId: note.id,
    metadata: { patient_id: note.patientId, finalized: note.finalizedAt !== null },
  });
  const children = [clinicalNoteVersions, clinicalNoteAddenda, clinicalNoteSuggestions] as const;
  await ctx.db.write([
    ...children.map((t) => ctx.db.orm.delete(t).where(inArray(t.noteId, [note.id]))),
    ctx.db.orm
      .delete(clinicalNotes)
      .where(and(eq(clinicalNotes.id, note.id), isNotNull(clinicalNotes.deletedAt))),
    audit.query,
  ] as unknown as Parameters<RequestContext["db"]["write"]>[0]);
}
