/**
 * Scribe jobs: generate-note through the real JOBS queue (miniflare's consumer runs it), the
 * job row, GET /scribe/jobs/{id}, the author's `notification:new`, and redelivery idempotency.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { eventually, testContext } from "../platform/context";
import { enqueueNoteJob } from "../../src/modules/scribe/scribe.jobs";
import type { Bindings } from "../../src/env";
import { openStream } from "../realtime/socket";
import { requeueStuckScribeJobs } from "../../src/modules/scribe/scribe.recovery";

const S = "/api/v1/scribe";
const segments = [
  { id: "msg-1", speaker: "Patient", text: "My shoulder aches at night, pain 5/10." },
  { id: "msg-3", speaker: "Doctor", text: "BP 118/76, pulse 64." },
];

async function pollJob(token: string, id: string) {
  return eventually(
    async () => {
      const res = await api("GET", `${S}/jobs/${id}`, { token });
      expectStatus(res, 200);
      return ["succeeded", "failed"].includes(res.body.data.status) ? res.body.data : undefined;
    },
    15_000,
    "scribe job finished",
  );
}

async function consume(bodies: unknown[]) {
  const batch = createMessageBatch(
    "rehab-edge-jobs",
    bodies.map((body, i) => ({ id: `m-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe("scribe jobs: happy", () => {
  it("queues with async: true, runs on the queue, notifies the author, result readable", async () => {
    const clinic = await createClinic();
    const { socket } = await openStream(clinic.physio.token);
    expect((await socket.next()).event).toBe("ready");
    const res = await api("POST", `${S}/generate-note`, {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", segments, async: true },
    });
    expectStatus(res, 202);
    expect(res.body.data).toMatchObject({ kind: "generate_note", status: "queued", result: null });
    const job = await pollJob(clinic.physio.token, res.body.data.id);
    expect(job).toMatchObject({ status: "succeeded", provider: "embedded", error: null });
    expect(job.result.sections.objective).toContain("118/76");
    expect(job.result.note_id).toBe(job.note_id);
    const note = await api("GET", `/api/v1/clinical-notes/${job.note_id}`, {
      token: clinic.physio.token,
    });
    expectStatus(note, 200);
    expect(note.body.data.is_draft).toBe(true);
    const pushed = await socket.next(10_000);
    expect(pushed).toMatchObject({
      event: "notification:new",
      data: {
        type: "note",
        kind: "scribe_job.succeeded",
        title: "Draft note ready",
        link: `/clinical-notes/${job.note_id}`,
        job_id: job.id,
        note_id: job.note_id,
      },
    });
    socket.close();
    // Stored encrypted: neither input nor result is readable in the row.
    const row = await env.DB.prepare("SELECT input_enc, result_enc FROM scribe_jobs WHERE id = ?")
      .bind(job.id)
      .first<{ input_enc: string; result_enc: string }>();
    expect(row!.input_enc).not.toContain("shoulder");
    expect(row!.result_enc).not.toContain("118/76");
  });

  it("queues long sources automatically; a repeated client_id returns the same job", async () => {
    const clinic = await createClinic();
    const long = Array.from({ length: 700 }, (_, i) => `Pain is ${i % 10}/10 today, at night.`);
    const body = {
      patient_id: clinic.patient.id,
      template_type: "soap",
      text: long.join(" "),
      client_id: crypto.randomUUID(),
    };
    const first = await api("POST", `${S}/generate-note`, { token: clinic.physio.token, body });
    expectStatus(first, 202);
    const again = await api("POST", `${S}/generate-note`, { token: clinic.physio.token, body });
    expectStatus(again, 202);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect((await pollJob(clinic.physio.token, first.body.data.id)).status).toBe("succeeded");
  });

  it("a redelivered job drafts one note only", async () => {
    const clinic = await createClinic();
    const res = await api("POST", `${S}/generate-note`, {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", segments, async: true },
    });
    const id = res.body.data.id;
    // Our own deliveries race the real consumer's: any order must still leave one note.
    const result = await consume([
      { type: "scribe_job", job_id: id },
      { type: "scribe_job", job_id: id },
    ]);
    expect(result.explicitAcks.length).toBe(2);
    await pollJob(clinic.physio.token, id);
    const notes = await env.DB.prepare(
      "SELECT count(*) AS n FROM clinical_notes WHERE client_id = ?",
    )
      .bind(id)
      .first<{ n: number }>();
    expect(notes!.n).toBe(1);
    const suggestions = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'scribe.generated' AND resource_type = 'clinical_note' AND resource_id = (SELECT id FROM clinical_notes WHERE client_id = ?)",
    )
      .bind(id)
      .first<{ n: number }>();
    expect(suggestions!.n).toBe(1);
  });
});

describe("scribe jobs: recovery", () => {
  it("the cron re-queues a stuck job (one note still) and expires a day-old one", async () => {
    const clinic = await createClinic();
    const queue = async () => {
      const res = await api("POST", `${S}/generate-note`, {
        token: clinic.physio.token,
        body: { patient_id: clinic.patient.id, template_type: "soap", segments, async: true },
      });
      expectStatus(res, 202);
      return res.body.data.id as string;
    };
    const [stuck, old] = [await queue(), await queue()];
    await pollJob(clinic.physio.token, stuck);
    await pollJob(clinic.physio.token, old);
    // As if the run had died mid-way (stuck) or never happened for a day (old).
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000).toISOString();
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE scribe_jobs SET status = 'running', result_enc = NULL, updated_at = ? WHERE id = ?",
      ).bind(hourAgo, stuck),
      env.DB.prepare(
        "UPDATE scribe_jobs SET status = 'queued', created_at = ?, updated_at = ? WHERE id = ?",
      ).bind(twoDaysAgo, twoDaysAgo, old),
    ]);
    expect(await requeueStuckScribeJobs(env)).toBe(1);
    const again = await pollJob(clinic.physio.token, stuck);
    expect(again.status).toBe("succeeded");
    const notes = await env.DB.prepare(
      "SELECT count(*) AS n FROM clinical_notes WHERE client_id = ?",
    )
      .bind(stuck)
      .first<{ n: number }>();
    expect(notes!.n).toBe(1);
    const expired = await api("GET", `${S}/jobs/${old}`, { token: clinic.physio.token });
    expect(expired.body.data).toMatchObject({ status: "failed", error: "expired" });
  });
});

describe("scribe jobs: errors", () => {
  it("a failed queue send still answers with the stored job (the cron re-queues it)", async () => {
    const clinic = await createClinic();
    const broken = {
      ...env,
      JOBS: {
        send: async () => {
          throw new Error("queue down");
        },
      },
    } as unknown as Bindings;
    const ctx = testContext(broken);
    ctx.caller = {
      userId: clinic.physio.id,
      workspaceId: clinic.workspaceId,
      role: "physiotherapist",
      sessionId: "test",
    };
    const job = await enqueueNoteJob(ctx, {
      patient_id: clinic.patient.id,
      template_type: "soap",
      segments,
    });
    expect(job.status).toBe("queued");
    const row = await env.DB.prepare("SELECT status FROM scribe_jobs WHERE id = ?")
      .bind(job.id)
      .first<{ status: string }>();
    expect(row!.status).toBe("queued");
  });

  it("names bad fields and unknown ids", async () => {
    const clinic = await createClinic();
    const bad = await api("POST", `${S}/generate-note`, {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", segments, async: "yes" },
    });
    expectStatus(bad, 422);
    expect(bad.body.error.details[0].field).toBe("async");
    expectStatus(await api("GET", `${S}/jobs/not-a-uuid`, { token: clinic.physio.token }), 422);
    expectStatus(
      await api("GET", `${S}/jobs/${crypto.randomUUID()}`, { token: clinic.physio.token }),
      404,
    );
  });

  it("fails the job, not the queue, when the author lost access before it ran", async () => {
    const clinic = await createClinic();
    const res = await api("POST", `${S}/generate-note`, {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", segments, async: true },
    });
    const id = res.body.data.id;
    await env.DB.prepare("DELETE FROM care_team_members WHERE patient_id = ?")
      .bind(clinic.patient.id)
      .run();
    await consume([{ type: "scribe_job", job_id: id }]);
    const job = await pollJob(clinic.physio.token, id);
    // Access is re-checked at run time (the queue's batch wait is far longer than the DELETE).
    expect(job).toMatchObject({ status: "failed", error: "NOT_FOUND", note_id: null });
  });
});

describe("scribe jobs: security", () => {
  it("a job is its author's only: others in or out of the workspace get 404, audited", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const res = await api("POST", `${S}/generate-note`, {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", segments, async: true },
    });
    const id = res.body.data.id;
    for (const token of [clinic.doctor.token, clinic.admin.token, other.physio.token])
      expectStatus(await api("GET", `${S}/jobs/${id}`, { token }), 404);
    expectStatus(await api("GET", `${S}/jobs/${id}`, {}), 401);
    const denied = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'scribe.read' AND resource_id = ? AND outcome = 'denied'",
    )
      .bind(id)
      .first<{ n: number }>();
    expect(denied!.n).toBe(3);
    // Staff off the care team cannot queue a job for the patient either.
    const off = await api("POST", `${S}/generate-note`, {
      token: clinic.doctor.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", segments, async: true },
    });
    expectStatus(off, 404);
  });
});
