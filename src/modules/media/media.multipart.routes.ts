/** Multipart upload routes: create, list stored parts (resume), complete, abort. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk, noContent } from "../../lib/openapi";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listUploadParts,
} from "./media.multipart";
import {
  CompleteMultipartInput,
  CreateMultipartInput,
  MediaIdParam,
  MediaInfoSchema,
  MultipartUploadSchema,
  UploadPartsSchema,
} from "./media.schemas";

const tags = ["media"];

const createRoute = defineRoute({
  method: "post",
  path: "/api/v1/uploads/multipart",
  auth: "bearer",
  tags,
  summary: "Open a multipart upload (long videos, recordings): one signed URL per part",
  description:
    "Write access to the owner required; counts against the upload-URL rate limit. The part URLs, the parts list, completion and abort are the uploader's only. Accepts Idempotency-Key.",
  request: jsonBody(CreateMultipartInput),
  responses: { 201: jsonOk(MultipartUploadSchema, "Multipart upload opened") },
});

const partsRoute = defineRoute({
  method: "get",
  path: "/api/v1/uploads/multipart/{id}/parts",
  auth: "bearer",
  tags,
  summary: "Parts stored so far, and fresh URLs for the missing ones (to resume)",
  request: { params: MediaIdParam },
  responses: { 200: jsonOk(UploadPartsSchema) },
});

const completeRoute = defineRoute({
  method: "post",
  path: "/api/v1/uploads/multipart/{id}/complete",
  auth: "bearer",
  tags,
  summary: "Assemble the parts; with sha256, the whole object must match it",
  request: { params: MediaIdParam, ...jsonBody(CompleteMultipartInput) },
  responses: { 200: jsonOk(MediaInfoSchema, "The stored media object") },
});

const abortRoute = defineRoute({
  method: "delete",
  path: "/api/v1/uploads/multipart/{id}",
  auth: "bearer",
  tags,
  summary: "Abort a multipart upload; its parts are discarded",
  request: { params: MediaIdParam },
  responses: { 204: noContent },
});

export const multipartRoutes = createRouter();

multipartRoutes.openapi(createRoute, async (c) =>
  ok(c, await createMultipartUpload(c.var.ctx, c.req.valid("json")), 201),
);
multipartRoutes.openapi(partsRoute, async (c) =>
  ok(c, await listUploadParts(c.var.ctx, c.req.valid("param").id), 200),
);
multipartRoutes.openapi(completeRoute, async (c) =>
  ok(
    c,
    await completeMultipartUpload(c.var.ctx, c.req.valid("param").id, c.req.valid("json")),
    200,
  ),
);
multipartRoutes.openapi(abortRoute, async (c) => {
  await abortMultipartUpload(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});
