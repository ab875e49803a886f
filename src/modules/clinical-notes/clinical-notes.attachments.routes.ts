/** Attachments of a clinical note (seed 001): add (signed upload), list with links, delete. */
import { z } from "@hono/zod-openapi";
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk, noContent } from "../../lib/openapi";
import { IssuedUploadSchema, MediaInfoSchema } from "../media/media.schemas";
import { addAttachment, listAttachments, removeAttachment } from "./clinical-notes.attachments";
import { NoteIdParam } from "./clinical-notes.schemas";

const tags = ["clinical-notes"];
const PATH = "/api/v1/clinical-notes/{id}/attachments";

const AddAttachmentInput = z
  .object({
    content_type: z.enum(["image/jpeg", "image/png", "image/webp", "application/pdf"]),
    size_bytes: z
      .number()
      .int()
      .min(1)
      .max(10 * 1024 * 1024)
      .openapi({ description: "At most 10 MB" }),
  })
  .openapi("AddNoteAttachmentInput");

const Attachment = MediaInfoSchema.extend({
  download_url: z.string(),
  download_expires_at: z.string(),
}).openapi("NoteAttachment");

const AttachmentParams = NoteIdParam.extend({
  media_id: z.uuid().openapi({ param: { name: "media_id", in: "path" } }),
});

export const noteAttachmentRoutes = createRouter();

noteAttachmentRoutes.openapi(
  defineRoute({
    method: "post",
    path: PATH,
    auth: "bearer",
    tags,
    summary: "Add an image or PDF (≤ 10 MB) to a note: a signed upload URL to PUT the bytes to",
    description:
      "Only while the note is a draft: a finalized or signed note answers 409 naming its state, and so does a PUT of an upload issued before the note was finalized.",
    request: { params: NoteIdParam, ...jsonBody(AddAttachmentInput) },
    responses: { 201: jsonOk(IssuedUploadSchema, "Upload issued") },
  }),
  async (c) =>
    ok(c, await addAttachment(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

noteAttachmentRoutes.openapi(
  defineRoute({
    method: "get",
    path: PATH,
    auth: "bearer",
    tags,
    summary: "A note's uploaded attachments, newest first, with short-lived download links",
    request: { params: NoteIdParam },
    responses: { 200: jsonOk(z.array(Attachment)) },
  }),
  async (c) => ok(c, await listAttachments(c.var.ctx, c.req.valid("param").id), 200),
);

noteAttachmentRoutes.openapi(
  defineRoute({
    method: "delete",
    path: `${PATH}/{media_id}`,
    auth: "bearer",
    tags,
    summary: "Remove an attachment from a note (bytes included)",
    description:
      "Only while the note is a draft (409 naming the state otherwise): a finalized or signed note's attachments go only with the note, when an admin purges it after its retention period.",
    request: { params: AttachmentParams },
    responses: { 204: noContent },
  }),
  async (c) => {
    const { id, media_id } = c.req.valid("param");
    await removeAttachment(c.var.ctx, id, media_id);
    return c.body(null, 204);
  },
);
