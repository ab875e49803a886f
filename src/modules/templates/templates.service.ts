/** Note templates and consultation types for any signed-in user (product definitions, not data). */
import type { RequestContext } from "../../middleware/request-context";
import { CONSULTATION_TYPES, NOTE_TEMPLATES } from "./templates.definitions";

/** Every note template; touches no table, so only the session is checked. */
export async function listTemplates(ctx: RequestContext) {
  await ctx.db.ensureSession();
  return [...NOTE_TEMPLATES];
}

/** Every consultation type, with the context the AI scribe adds for it. */
export async function listConsultationTypes(ctx: RequestContext) {
  await ctx.db.ensureSession();
  return [...CONSULTATION_TYPES];
}
