/** Page-number pagination (`page`, `page_size` ≤ 100) as DESIGN.md sets it. */
import { z } from "@hono/zod-openapi";
import type { Pagination } from "./envelope";

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1).openapi({ example: 1 }),
  page_size: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const offsetOf = (q: PageQuery) => (q.page - 1) * q.page_size;

export const paginationOf = (q: PageQuery, totalItems: number): Pagination => ({
  page: q.page,
  page_size: q.page_size,
  total_items: totalItems,
  total_pages: Math.ceil(totalItems / q.page_size),
});
