/** Routes of users.avatar.ts. */
import { ok } from "../../lib/envelope";
import { BadRequestError } from "../../lib/errors";
import { createRouter, defineRoute, jsonOk, z } from "../../lib/openapi";
import { getAvatar, putAvatar } from "./users.avatar";
import { UserIdParam } from "./users.schemas";

const image = { schema: z.string().openapi({ format: "binary" }) };

const putRoute = defineRoute({
  method: "put",
  path: "/api/v1/users/me/avatar",
  auth: "bearer",
  tags: ["users"],
  summary: "Upload the caller's profile picture (PNG, JPEG or WebP, at most 1 MiB), stored in R2",
  request: {
    body: {
      required: true,
      content: { "image/png": image, "image/jpeg": image, "image/webp": image },
    },
  },
  responses: {
    200: jsonOk(
      z.object({ avatar_url: z.string(), content_type: z.string(), size: z.number().int() }),
    ),
  },
});

const getRoute = defineRoute({
  method: "get",
  path: "/api/v1/users/{id}/avatar",
  auth: "bearer",
  tags: ["users"],
  summary: "A user's profile picture, for those who may read that user",
  request: { params: UserIdParam },
  responses: {
    200: {
      description: "The image",
      content: { "image/png": image, "image/jpeg": image, "image/webp": image },
    },
  },
});

export const avatarRoutes = createRouter();

avatarRoutes.openapi(putRoute, async (c) => {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await c.req.arrayBuffer());
  } catch {
    throw new BadRequestError("Unreadable body");
  }
  return ok(c, await putAvatar(c.var.ctx, c.req.header("content-type"), bytes), 200);
});

avatarRoutes.openapi(getRoute, async (c) => {
  const object = await getAvatar(c.var.ctx, c.req.valid("param").id);
  return c.body(object.body, 200, {
    "content-type": object.httpMetadata?.contentType ?? "application/octet-stream",
    "content-length": String(object.size),
    "cache-control": "private, no-store",
  });
});
