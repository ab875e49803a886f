/** The response envelopes of DESIGN.md and the zod schemas that document them. */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env";

export const meta = (c: Context<AppEnv>) => ({
  timestamp: new Date().toISOString(),
  request_id: c.get("requestId"),
});

export type Pagination = {
  page: number;
  page_size: number;
  total_items: number;
  total_pages: number;
};

export function ok<T, S extends ContentfulStatusCode = 200>(
  c: Context<AppEnv>,
  data: T,
  status?: S,
) {
  return c.json({ success: true as const, data, meta: meta(c) }, (status ?? 200) as S);
}

export function okList<T>(c: Context<AppEnv>, data: T[], pagination: Pagination) {
  return c.json({ success: true as const, data, pagination, meta: meta(c) }, 200);
}

export const MetaSchema = z.object({ timestamp: z.string(), request_id: z.string() });

export const PaginationSchema = z.object({
  page: z.number().int(),
  page_size: z.number().int(),
  total_items: z.number().int(),
  total_pages: z.number().int(),
});

export const ErrorSchema = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
    meta: MetaSchema,
  })
  .openapi("Error");

export const envelope = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.literal(true), data, meta: MetaSchema });

export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({
    success: z.literal(true),
    data: z.array(item),
    pagination: PaginationSchema,
    meta: MetaSchema,
  });
