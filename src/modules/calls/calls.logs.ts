/**
 * The caller's call history (seed 002 `GET /call-logs`): one entry per call they took part in,
 * seen from their side: `direction` (outgoing when they called), `status` (answered, missed,
 * declined, or ringing while it rings), filters by type, direction, status and time.
 *
 * Invariants: only the caller's own lines, in their workspace; the listing is audited
 * (`call.listed`, queued) before it is returned, with the patient ids it showed.
 */
import { and, count, desc, eq, gte, inArray, lte, sql, type SQL } from "drizzle-orm";
import { callParticipants, calls } from "../../db/schema/calls";
import { queueAudit } from "../../lib/audit-queue";
import type { RequestContext } from "../../middleware/request-context";
import { requirePermission } from "../../policy/policy";
import { RESOURCE } from "./calls.access";
import { peopleOf } from "./calls.data";
import type { CallLogItem, CallLogQuery } from "./calls.schemas";
import { formatDuration } from "./calls.state";

/** The caller's view of a call's outcome, in SQL (used to filter and to show). */
const logStatus = sql<CallLogItem["status"]>`case
  when ${callParticipants.role} = 'recipient' then (case ${callParticipants.state}
    when 'joined' then 'answered' when 'left' then 'answered' else ${callParticipants.state} end)
  when ${calls.answeredAt} is not null then 'answered'
  when ${calls.status} in ('declined', 'ringing') then ${calls.status}
  else 'missed' end`;

/** A page of the caller's call log, newest first, with the other people on each call. */
export async function listCallLogs(ctx: RequestContext, query: CallLogQuery) {
  const caller = await requirePermission(ctx, "calls.use", {
    action: "call.listed",
    resourceType: RESOURCE,
  });
  const pageSize = query.page_size ?? query.limit ?? 20;
  const filters: (SQL | undefined)[] = [
    eq(callParticipants.userId, caller.userId),
    eq(callParticipants.workspaceId, caller.workspaceId),
    query.type ? eq(calls.type, query.type) : undefined,
    query.direction
      ? eq(callParticipants.role, query.direction === "outgoing" ? "caller" : "recipient")
      : undefined,
    query.status ? sql`(${logStatus}) = ${query.status}` : undefined,
    query.from
      ? gte(callParticipants.callCreatedAt, new Date(query.from).toISOString())
      : undefined,
    query.to ? lte(callParticipants.callCreatedAt, new Date(query.to).toISOString()) : undefined,
  ];
  const where = and(...filters);
  const joined = eq(calls.id, callParticipants.callId);
  const [totals, rows] = await ctx.db.read([
    ctx.db.orm
      .select({ total: count() })
      .from(callParticipants)
      .innerJoin(calls, joined)
      .where(where),
    ctx.db.orm
      .select({
        callId: calls.id,
        role: callParticipants.role,
        logStatus: logStatus.as("log_status"),
        type: calls.type,
        callStatus: calls.status,
        patientId: calls.patientId,
        durationSeconds: calls.durationSeconds,
        createdAt: calls.createdAt,
        answeredAt: calls.answeredAt,
        endedAt: calls.endedAt,
        recordingMediaId: calls.recordingMediaId,
      })
      .from(callParticipants)
      .innerJoin(calls, joined)
      .where(where)
      .orderBy(desc(callParticipants.callCreatedAt), desc(calls.id))
      .limit(pageSize)
      .offset((query.page - 1) * pageSize),
  ]);
  const ids = rows.map((r) => r.callId);
  const [others] = ids.length
    ? await ctx.db.read([
        ctx.db.orm
          .select({ callId: callParticipants.callId, userId: callParticipants.userId })
          .from(callParticipants)
          .where(
            and(
              inArray(callParticipants.callId, ids),
              eq(callParticipants.workspaceId, caller.workspaceId),
            ),
          ),
      ])
    : [[]];
  const people = await peopleOf(ctx, caller.workspaceId, [
    ...new Set(others.map((o) => o.userId).filter((id) => id !== caller.userId)),
  ]);
  const items: CallLogItem[] = rows.map((r) => ({
    id: r.callId,
    call_id: r.callId,
    direction: r.role === "caller" ? "outgoing" : "incoming",
    type: r.type,
    status: r.logStatus,
    call_status: r.callStatus,
    duration_seconds: r.durationSeconds,
    duration: formatDuration(r.durationSeconds),
    created_at: r.createdAt,
    answered_at: r.answeredAt,
    ended_at: r.endedAt,
    has_recording: r.recordingMediaId !== null,
    peers: others
      .filter((o) => o.callId === r.callId && o.userId !== caller.userId)
      .map((o) => people.get(o.userId) ?? { id: o.userId, name: "", role: "" }),
  }));
  const patientIds = [...new Set(rows.map((r) => r.patientId).filter((p) => p !== null))];
  await queueAudit(ctx, {
    action: "call.listed",
    resourceType: RESOURCE,
    metadata: { count: items.length, patient_ids: patientIds },
  });
  return { items, total: totals[0]?.total ?? 0, pageSize };
}
