/**
 * The five CRUD routes of a clinic catalog resource (services, locations, …), defined once:
 * `POST/GET /{path}` and `GET/PUT/DELETE /{path}/{id}`, all `auth: "bearer"`, each handler
 * calling ONE service verb. A new catalog resource is its schemas, its verbs and one call here.
 */
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ok, okList } from "./envelope";
import {
  createRouter,
  defineRoute,
  IdParam,
  jsonBody,
  jsonList,
  jsonOk,
  noContent,
} from "./openapi";
import { paginationOf, type PageQuery } from "./pagination";
import type { RequestContext } from "../middleware/request-context";

type Schema = z.ZodObject;

export type CatalogResource<
  Item extends Schema,
  Input extends Schema,
  Update extends Schema,
  Query extends Schema,
> = {
  /** e.g. "/api/v1/services" */
  path: string;
  tag: string;
  schemas: { item: Item; input: Input; update: Update; query: Query };
  summaries: { create: string; list: string; get: string; update: string; delete: string };
  verbs: {
    create: (ctx: RequestContext, input: z.infer<Input>) => Promise<z.infer<Item>>;
    list: (
      ctx: RequestContext,
      query: z.infer<Query>,
    ) => Promise<{ items: z.infer<Item>[]; total: number }>;
    get: (ctx: RequestContext, id: string) => Promise<z.infer<Item>>;
    update: (ctx: RequestContext, id: string, input: z.infer<Update>) => Promise<z.infer<Item>>;
    remove: (ctx: RequestContext, id: string) => Promise<unknown>;
  };
};

/** A router with the resource's five routes, in OpenAPI. */
export function catalogRoutes<
  Item extends Schema,
  Input extends Schema,
  Update extends Schema,
  Query extends Schema,
>(r: CatalogResource<Item, Input, Update, Query>) {
  const tags = [r.tag];
  const itemPath = `${r.path}/{id}`;
  const router = createRouter();
  const params = { params: IdParam() };
  const route = <M extends "get" | "post" | "put" | "delete">(
    method: M,
    path: string,
    summary: string,
  ) => ({ method, path, tags, summary, auth: "bearer" as const });

  // The schemas are generic here, beyond what hono's per-route inference can follow: the request
  // parts are read through `valid` (already checked by the route's zod schemas) and the handlers
  // registered untyped. Each verb's own signature is still checked by `CatalogResource`.
  type Ctx = Context<AppEnv>;
  const valid = <T>(c: Ctx, target: "json" | "query" | "param") =>
    (c.req.valid as unknown as (t: string) => T)(target);
  const id = (c: Ctx) => valid<{ id: string }>(c, "param").id;
  const register = (def: ReturnType<typeof defineRoute>, handler: (c: Ctx) => Promise<Response>) =>
    router.openapi(def, handler as never);

  register(
    defineRoute({
      ...route("post", r.path, r.summaries.create),
      request: jsonBody(r.schemas.input),
      responses: { 201: jsonOk(r.schemas.item, "Created") },
    }),
    async (c) => ok(c, await r.verbs.create(c.var.ctx, valid(c, "json")), 201),
  );
  register(
    defineRoute({
      ...route("get", r.path, r.summaries.list),
      request: { query: r.schemas.query },
      responses: { 200: jsonList(r.schemas.item) },
    }),
    async (c) => {
      const query = valid<z.infer<Query> & PageQuery>(c, "query");
      const { items, total } = await r.verbs.list(c.var.ctx, query);
      return okList(c, items, paginationOf(query, total));
    },
  );
  register(
    defineRoute({
      ...route("get", itemPath, r.summaries.get),
      request: params,
      responses: { 200: jsonOk(r.schemas.item) },
    }),
    async (c) => ok(c, await r.verbs.get(c.var.ctx, id(c)), 200),
  );
  register(
    defineRoute({
      ...route("put", itemPath, r.summaries.update),
      request: { ...params, ...jsonBody(r.schemas.update) },
      responses: { 200: jsonOk(r.schemas.item) },
    }),
    async (c) => ok(c, await r.verbs.update(c.var.ctx, id(c), valid(c, "json")), 200),
  );
  register(
    defineRoute({
      ...route("delete", itemPath, r.summaries.delete),
      request: params,
      responses: { 204: noContent },
    }),
    async (c) => {
      await r.verbs.remove(c.var.ctx, id(c));
      return c.body(null, 204);
    },
  );
  return router;
}
