/** Authenticated media routes: issuing upload URLs, and download URLs for a media id. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk } from "../../lib/openapi";
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
import { generateUploadUrl } from "./media.service";

const generateRoute = defineRoute({
  method: "post",
  path: "/api/v1/upload/generate-url",
  auth: "bearer",
  tags: ["media"],
  summary: "A signed, expiring URL to PUT one media object to (type and size bound)",
  description:
    "The caller needs write access to the owner (a patient, the caller's own user, or an object of another module such as an exercise session), and the purpose must fit the owner's kind. With size_bytes the URL takes exactly that many bytes. The object is created once: a confirmed upload is never overwritten. At most UPLOAD_URL_RATE_PER_MINUTE (default 10) upload URLs per user and minute (429 `upload-url`). Accepts Idempotency-Key.",
  request: jsonBody(GenerateUploadInput),
  responses: { 201: jsonOk(IssuedUploadSchema, "Upload issued") },
});

const downloadRoute = defineRoute({
  method: "get",
  path: "/api/v1/media/{id}/download-url",
  auth: "bearer",
  tags: ["media"],
  summary: "A signed, expiring, Range-capable download URL for a media object the caller may read",
  description:
    "The link lives ttl_seconds (default 300, at most 900) and is bound to the caller: each request through it re-checks the caller's session and access to the media's owner, so it stops working at once when either ends. A player past the expiry asks for a new link.",
  request: { params: MediaIdParam, query: DownloadUrlQuery },
  responses: { 200: jsonOk(DownloadUrlSchema) },
});

export const mediaRoutes = createRouter();

mediaRoutes.openapi(generateRoute, async (c) =>
  ok(c, await generateUploadUrl(c.var.ctx, c.req.valid("json")), 201),
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
