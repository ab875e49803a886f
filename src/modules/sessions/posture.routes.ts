/**
 * Posture analyses (seed 003): `POST/GET /posture-analyses`, `GET/DELETE /posture-analyses/{id}`,
 * and the seed's own paths `POST /analysis/save`, `GET /analysis/list`, `GET/DELETE /analysis/{id}`.
 */
import { z } from "@hono/zod-openapi";
import { meta, MetaSchema, ok, okList, PaginationSchema } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import {
  CreatePostureInput,
  PostureAnalysis,
  PostureIdParam,
  PostureQuery,
} from "./posture.schemas";
import {
  createPostureAnalysis,
  deletePostureAnalysis,
  getPostureAnalysis,
  listPostureAnalyses,
} from "./posture.service";

const tags = ["posture analyses"];
const Saved = PostureAnalysis.extend({ message: z.string() }).openapi("SavedPostureAnalysis");
const Deleted = z.object({ message: z.string() }).openapi("DeletedPostureAnalysis");

/** Seed 003 `GET /analysis/list`: `{ analyses: [...] }`, with the envelope's pagination. */
const seedList = {
  description: "A page of analyses under data.analyses",
  content: {
    "application/json": {
      schema: z.object({
        success: z.literal(true),
        data: z.object({ analyses: z.array(PostureAnalysis) }).openapi("PostureAnalysisList"),
        pagination: PaginationSchema,
        meta: MetaSchema,
      }),
    },
  },
};

/** The four routes under a base path (the REST one and the seed's alias). */
function routesAt(base: "/api/v1/posture-analyses" | "/api/v1/analysis", alias: boolean) {
  const create = defineRoute({
    method: "post",
    path: alias ? `${base}/save` : base,
    auth: "bearer",
    tags,
    summary:
      "Save a posture analysis: seed 003's { video_url | media_id, text }, scored when 33 landmarks are given",
    request: jsonBody(CreatePostureInput),
    responses: { 201: jsonOk(Saved) },
  });
  const list = defineRoute({
    method: "get",
    path: alias ? `${base}/list` : base,
    auth: "bearer",
    tags,
    summary: alias
      ? "Posture analyses of the patients the caller sees, as seed 003 answers them: data.analyses"
      : "Posture analyses of the patients the caller sees",
    request: { query: PostureQuery },
    responses: { 200: alias ? seedList : jsonList(PostureAnalysis) },
  });
  const get = defineRoute({
    method: "get",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "One posture analysis",
    request: { params: PostureIdParam },
    responses: { 200: jsonOk(PostureAnalysis) },
  });
  const remove = defineRoute({
    method: "delete",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "Delete a posture analysis",
    request: { params: PostureIdParam },
    responses: { 200: jsonOk(Deleted) },
  });
  return { create, list, get, remove };
}

export const postureRoutes = createRouter();

for (const [r, alias] of [
  [routesAt("/api/v1/posture-analyses", false), false],
  [routesAt("/api/v1/analysis", true), true],
] as const) {
  postureRoutes.openapi(r.create, async (c) =>
    ok(c, await createPostureAnalysis(c.var.ctx, c.req.valid("json")), 201),
  );
  // The static `list` path before `{id}`.
  postureRoutes.openapi(r.list, async (c) => {
    const query = c.req.valid("query");
    const page = await listPostureAnalyses(c.var.ctx, query);
    const pagination = paginationOf(query, page.total);
    if (alias) {
      const data = { analyses: page.items };
      return c.json({ success: true as const, data, pagination, meta: meta(c) }, 200);
    }
    return okList(c, page.items, pagination);
  });
  postureRoutes.openapi(r.get, async (c) =>
    ok(c, await getPostureAnalysis(c.var.ctx, c.req.valid("param").id), 200),
  );
  postureRoutes.openapi(r.remove, async (c) =>
    ok(c, await deletePostureAnalysis(c.var.ctx, c.req.valid("param").id), 200),
  );
}
