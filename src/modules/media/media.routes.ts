/** Authenticated media routes: issuing upload URLs, and download URLs for a media id. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import { downloadUrlFor } from "./media.access";
import {
  DownloadUrlQuery,
  DownloadUrlSchema,
  GenerateUploadInput,
  IssuedUploadSchema,
  MediaIdParam,
} from "./media.schemas";
import { multipartRoutes } from "./media.multipart.routes";
import { transferRoutes } from "./media.transfer.routes";
import { issueUpload } from "./media.service";

const generateRoute = defineRoute({
  method: "post",
  path: "/api/v1/upload/generate-url",
  tags: ["media"],
  summary: "A signed, expiring URL to PUT one media object to (type and size bound)",
  description:
    "The caller needs write access to the owner (a patient, the caller's own user, or an object of another module such as an exercise session). Accepts Idempotency-Key.",
  request: jsonBody(GenerateUploadInput),
  responses: { 201: jsonOk(IssuedUploadSchema, "Upload issued") },
});

const downloadRoute = defineRoute({
  method: "get",
  path: "/api/v1/media/{id}/download-url",
  tags: ["media"],
  summary: "A signed, expiring, Range-capable download URL for a media object the caller may read",
  request: { params: MediaIdParam, query: DownloadUrlQuery },
  responses: { 200: jsonOk(DownloadUrlSchema) },
});

export const mediaRoutes = createRouter();
mediaRoutes.use("/api/v1/upload/*", requireAuth());
mediaRoutes.use("/api/v1/media/:id/download-url", requireAuth());

mediaRoutes.openapi(generateRoute, async (c) =>
  ok(c, await issueUpload(c.var.ctx, c.req.valid("json")), 201),
);

mediaRoutes.openapi(downloadRoute, async (c) =>
  ok(
    c,
    await downloadUrlFor(c.var.ctx, c.req.valid("param").id, {
      ttl_seconds: c.req.valid("query").ttl_seconds,
    }),
    200,
  ),
);

// Multipart and the token routes (signed URLs; no bearer) live in their own files.
mediaRoutes.route("/", multipartRoutes);
mediaRoutes.route("/", transferRoutes);
