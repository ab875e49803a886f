/**
 * The signed-URL routes: `PUT /uploads/{token}` (bytes streamed into R2) and `GET /media/{token}`
 * (Range-capable download). The token is the credential, so no bearer: a phone's uploader or a
 * video element can use the URL as is. Exempt from the 1 MiB JSON body limit (see app.ts).
 */
import { meta } from "../../lib/envelope";
import { createRouter, defineRoute, jsonOk, z } from "../../lib/openapi";
import { readMedia } from "./media.download";
import { MediaTokenParam, UploadHeaders, UploadResultSchema } from "./media.schemas";
import { receiveUpload } from "./media.upload";

const binary = { schema: z.string().openapi({ format: "binary" }) };

const putRoute = defineRoute({
  method: "put",
  path: "/api/v1/uploads/{token}",
  tags: ["media"],
  auth: "public",
  summary: "Upload the bytes of a signed upload (whole object or one part), streamed into R2",
  description:
    "Send the issued Content-Type and an exact Content-Length within the signed limit. Repeating a successful PUT answers the stored result.",
  request: {
    params: MediaTokenParam,
    headers: UploadHeaders,
    body: { required: true, content: { "application/octet-stream": binary } },
  },
  responses: {
    200: jsonOk(UploadResultSchema, "Stored"),
    415: {
      description: "Content-Type differs from the signed one",
      content: { "application/json": { schema: z.object({}) } },
    },
  },
});

const getRoute = defineRoute({
  method: "get",
  path: "/api/v1/media/{token}",
  tags: ["media"],
  auth: "public",
  summary: "Download a media object by signed URL; honours Range (206, 416)",
  request: { params: MediaTokenParam },
  responses: {
    200: { description: "The whole object", content: { "application/octet-stream": binary } },
    206: { description: "The requested range", content: { "application/octet-stream": binary } },
    416: {
      description: "Range not satisfiable",
      content: { "application/json": { schema: z.object({}) } },
    },
  },
});

export const transferRoutes = createRouter();

transferRoutes.openapi(putRoute, async (c) => {
  const result = await receiveUpload(c.var.ctx, c.req.valid("param").token, {
    body: c.req.raw.body,
    contentType: c.req.header("content-type"),
    contentLength: c.req.header("content-length"),
    sha256: c.req.header("x-content-sha256"),
  });
  return c.json({ success: true as const, data: result, meta: meta(c) }, 200);
});

transferRoutes.openapi(getRoute, async (c) => {
  const media = await readMedia(c.var.ctx, c.req.valid("param").token, c.req.header("range"));
  if (media.kind === "unsatisfiable") {
    return c.json(
      {
        success: false,
        error: { code: "INVALID_REQUEST", message: "Range not satisfiable" },
        meta: meta(c),
      },
      416,
      { "content-range": `bytes */${media.size}`, "accept-ranges": "bytes" },
    ) as never;
  }
  const { offset, length } = media.range;
  const headers: Record<string, string> = {
    "content-type": media.contentType,
    "content-length": String(length),
    "accept-ranges": "bytes",
    etag: media.etag,
    "content-disposition": "inline",
    "cache-control": "private, no-store",
  };
  if (media.kind === "partial") {
    headers["content-range"] = `bytes ${offset}-${offset + length - 1}/${media.size}`;
  }
  return c.body(media.body, media.kind === "partial" ? 206 : 200, headers) as never;
});
