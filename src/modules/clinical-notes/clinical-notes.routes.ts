/**
 * Clinical notes (seed 001 SOAP sessions, seed 002 §2.6): `/clinical-notes` and
 * `/patients/{id}/clinical-notes`. Static paths (`settings`) come before `{id}`.
 */
import { ok, okList } from "../../lib/envelope";
import {
  createRouter,
  defineRoute,
  jsonBody,
  jsonList,
  jsonOk,
  noContent,
  z,
} from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { exportNote } from "./clinical-notes.export";
import { listVersions } from "./clinical-notes.versions";
import { acceptSuggestion, purgeNote, signNote, softDeleteNote } from "./clinical-notes.lifecycle";
import {
  getNoteSettings,
  listNotes,
  listPatientNotes,
  updateNoteSettings,
} from "./clinical-notes.list";
import {
  AcceptResult,
  AutosaveInput,
  CreateNoteInput,
  ExportQuery,
  ListNotesQuery,
  Note,
  NoteIdParam,
  NoteSummary,
  NoteVersion,
  PatientNotesQuery,
  Settings,
  SettingsInput,
  SignInput,
  SignResult,
  SuggestionParams,
  UpdateNoteInput,
} from "./clinical-notes.schemas";
import {
  autosaveDraft,
  createNote,
  finalizeDraft,
  getNote,
  restoredNote,
  updateNote,
} from "./clinical-notes.service";
import { noteAttachmentRoutes } from "./clinical-notes.attachments.routes";

const tags = ["clinical-notes"];
const base = "/api/v1/clinical-notes";
const withId = { params: NoteIdParam };

export const clinicalNoteRoutes = createRouter();
// Authentication ahead of validation: a missing token is a 401, never a 422.

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "get",
    path: `${base}/settings`,
    auth: "bearer",
    tags,
    summary: "The clinic's note settings (admin)",
    responses: { 200: jsonOk(Settings) },
  }),
  async (c) => ok(c, await getNoteSettings(c.var.ctx), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "put",
    path: `${base}/settings`,
    auth: "bearer",
    tags,
    summary: "Let patients read their finalized notes, or not (admin)",
    request: jsonBody(SettingsInput),
    responses: { 200: jsonOk(Settings) },
  }),
  async (c) => ok(c, await updateNoteSettings(c.var.ctx, c.req.valid("json")), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "post",
    path: base,
    auth: "bearer",
    tags,
    summary: "Create a note from a template (care-team clinician, or the appointment's clinician)",
    request: jsonBody(CreateNoteInput),
    responses: { 201: jsonOk(Note, "Created") },
  }),
  async (c) => ok(c, await createNote(c.var.ctx, c.req.valid("json")), 201),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "get",
    path: base,
    auth: "bearer",
    tags,
    summary: "Notes the caller may see; filters: patient, draft, date range, template, author",
    request: { query: ListNotesQuery },
    responses: { 200: jsonList(NoteSummary) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listNotes(c.var.ctx, query);
    return okList(c, items, paginationOf(query, total));
  },
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/patients/{id}/clinical-notes",
    auth: "bearer",
    tags,
    summary: "A patient's notes, newest first",
    request: { params: NoteIdParam, query: PatientNotesQuery },
    responses: { 200: jsonList(NoteSummary) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listPatientNotes(c.var.ctx, c.req.valid("param").id, query);
    return okList(c, items, paginationOf(query, total));
  },
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "get",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "A note with its suggestions and addenda",
    request: withId,
    responses: { 200: jsonOk(Note) },
  }),
  async (c) => ok(c, await getNote(c.var.ctx, c.req.valid("param").id), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "put",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "Update: a draft is overwritten, a final note versioned, a signed note gains addenda",
    request: { ...withId, ...jsonBody(UpdateNoteInput) },
    responses: { 200: jsonOk(Note) },
  }),
  async (c) =>
    ok(c, await updateNote(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "patch",
    path: `${base}/{id}/draft`,
    auth: "bearer",
    tags,
    summary: "Autosave a draft's sections (one save per note per 5 s; 429 with Retry-After)",
    request: { ...withId, ...jsonBody(AutosaveInput) },
    responses: { 200: jsonOk(NoteSummary) },
  }),
  async (c) =>
    ok(
      c,
      await autosaveDraft(c.var.ctx, c.req.valid("param").id, c.req.valid("json").sections),
      200,
    ),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "post",
    path: `${base}/{id}/finalize`,
    auth: "bearer",
    tags,
    summary: "Finalize a draft (version 1); 422 when already final",
    request: withId,
    responses: { 200: jsonOk(NoteSummary) },
  }),
  async (c) => ok(c, await finalizeDraft(c.var.ctx, c.req.valid("param").id), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "post",
    path: `${base}/{id}/sign`,
    auth: "bearer",
    tags,
    summary: "Sign a final note: password re-entry, plus a TOTP code when MFA is on; then locked",
    description:
      "Only the note's author signs it: another clinician who may read the note gets 403, a caller who may not the 404 of an unknown id, admins 403. A note already signed (or signed by a racing request) is a 409. Once signed, the note is deleted only by an admin and its attachments can no longer be added or removed.",
    request: { ...withId, ...jsonBody(SignInput) },
    responses: { 200: jsonOk(SignResult) },
  }),
  async (c) => ok(c, await signNote(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "get",
    path: `${base}/{id}/versions`,
    auth: "bearer",
    tags,
    summary: "Versions of a finalized note, newest first",
    request: withId,
    responses: { 200: jsonOk(z.array(NoteVersion)) },
  }),
  async (c) => ok(c, await listVersions(c.var.ctx, c.req.valid("param").id), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "post",
    path: `${base}/{id}/accept-suggestion/{suggestion_id}`,
    auth: "bearer",
    tags,
    summary: "Accept a suggestion: inserted into its section (an addendum once signed)",
    request: { params: SuggestionParams },
    responses: { 200: jsonOk(AcceptResult) },
  }),
  async (c) => {
    const { id, suggestion_id } = c.req.valid("param");
    return ok(c, await acceptSuggestion(c.var.ctx, id, suggestion_id), 200);
  },
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "delete",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "Soft delete a note (kept for restore and retention)",
    description:
      "Clinicians who may reach the note delete it while it is unsigned; a signed note is deleted only by an admin (any other caller who may read it gets 403, one who may not the 404 of an unknown id).",
    request: withId,
    responses: { 204: noContent },
  }),
  async (c) => {
    await softDeleteNote(c.var.ctx, c.req.valid("param").id);
    return c.body(null, 204);
  },
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "post",
    path: `${base}/{id}/restore`,
    auth: "bearer",
    tags,
    summary: "Restore a soft-deleted note",
    request: withId,
    responses: { 200: jsonOk(NoteSummary) },
  }),
  async (c) => ok(c, await restoredNote(c.var.ctx, c.req.valid("param").id), 200),
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "delete",
    path: `${base}/{id}/permanent`,
    auth: "bearer",
    tags,
    summary: "Permanently delete a soft-deleted note (admin; finalized notes only after 7 years)",
    description:
      "Only an admin purges, signed notes included, and a finalized or signed note only once its 7-year retention has passed (409 with `retention_until` before). Its attachments are deleted with it: this is the only way a finalized or signed note's attachments are removed.",
    request: withId,
    responses: { 204: noContent },
  }),
  async (c) => {
    await purgeNote(c.var.ctx, c.req.valid("param").id);
    return c.body(null, 204);
  },
);

clinicalNoteRoutes.openapi(
  defineRoute({
    method: "post",
    path: `${base}/{id}/export`,
    auth: "bearer",
    tags,
    summary: "Export a note as PDF, DOCX or plain text (a file download)",
    request: { ...withId, query: ExportQuery },
    responses: {
      200: {
        description: "The file",
        content: {
          "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
            schema: z.string().openapi({ format: "binary" }),
          },
          "text/plain": { schema: z.string() },
        },
      },
    },
  }),
  async (c) => {
    const file = await exportNote(c.var.ctx, c.req.valid("param").id, c.req.valid("query").format);
    return c.body(file.body, 200, {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.filename}"`,
      "cache-control": "no-store",
    });
  },
);

// The module's one router: attachments too.
clinicalNoteRoutes.route("/", noteAttachmentRoutes);
