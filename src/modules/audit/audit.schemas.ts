/**
 * Audit log schemas (seed 001 "Audit Logs"). `event_type` in a response is the full action
 * (`user.updated`), `action` its verb (`updated`). As a filter, `event_type` takes a verb or a
 * full action, and `action` a full action.
 */
import { z } from "@hono/zod-openapi";
import { AUDIT_OUTCOMES } from "../../db/schema/audit";
import { AUDIT_VERBS } from "../../lib/audit";
import { PageQuery } from "../../lib/pagination";

const FullAction = z
  .string()
  .regex(/^[a-z_]+\.[a-z_]+$/, "An action like user.updated")
  .max(80);

const DateOrTime = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .openapi({ description: "A date (YYYY-MM-DD, whole day, UTC) or an ISO 8601 date-time" });

export const AuditQuery = PageQuery.extend({
  resource_type: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z_]{1,50}$/, "A resource type like patient or user")
    .optional()
    .openapi({ example: "user" }),
  resource_id: z.string().min(1).max(100).optional(),
  event_type: z
    .union([z.enum(AUDIT_VERBS), FullAction])
    .optional()
    .openapi({ description: "A verb (created, updated, deleted, read, denied…) or a full action" }),
  action: FullAction.optional().openapi({ example: "user.updated" }),
  user_id: z.uuid().optional().openapi({ description: "The actor" }),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  start_date: DateOrTime.optional(),
  end_date: DateOrTime.optional().openapi({
    description: "Inclusive; a bare date covers the whole day",
  }),
}).refine((q) => !q.start_date || !q.end_date || startOf(q.start_date) <= endOf(q.end_date), {
  message: "start_date must not be after end_date",
  path: ["start_date"],
});
export type AuditQuery = z.infer<typeof AuditQuery>;

const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);

/** Lower bound (inclusive) as a UTC ISO string comparable with `created_at`. */
export const startOf = (v: string) =>
  isDate(v) ? `${v}T00:00:00.000Z` : new Date(v).toISOString();

/** Upper bound (inclusive): a bare date runs to its last millisecond. */
export const endOf = (v: string) => (isDate(v) ? `${v}T23:59:59.999Z` : new Date(v).toISOString());

export const AuditEntry = z
  .object({
    id: z.string(),
    workspace_id: z.string().nullable(),
    event_type: z.string().openapi({ example: "user.updated" }),
    action: z.string().openapi({ example: "updated" }),
    resource_type: z.string(),
    resource_id: z.string().nullable(),
    user_id: z.string().nullable().openapi({ description: "The actor" }),
    actor_role: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    ip_address: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
    sealed: z.boolean().openapi({ description: "Linked into the workspace's hash chain" }),
  })
  .openapi("AuditEntry");

export const ChainReport = z
  .object({
    valid: z.boolean(),
    entries_checked: z.number().int(),
    first_invalid: z
      .object({
        id: z.string().nullable(),
        seq: z.number().int().openapi({
          description:
            "The failing entry; for `truncated`, the checkpoint it misses; for `prune_mismatch`, the newest prune record, whose kept entries are no longer all there",
        }),
        reason: z.enum([
          "mac_mismatch",
          "chain_broken",
          "truncated",
          "checkpoint_invalid",
          "prune_mismatch",
        ]),
      })
      .nullable(),
  })
  .openapi("AuditChainReport");

export const AuditIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
