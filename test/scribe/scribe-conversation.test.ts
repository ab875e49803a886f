/**
 * `POST /scribe/generate-note` with the seed's shape (seed 002 §2.7): the server reads a chat's
 * messages (with the caller's access) or a call's stored transcript itself. Sentences cite
 * message ids; every stated dose, vital and allergy survives the evidence check; a call without
 * a transcript is a 409 naming it; callers outside the chat get the chat's 404.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { careTeamChat, sendText } from "../chats/helpers";
import { initiate, move } from "../calls/helpers";

const S = "/api/v1/scribe/generate-note";

async function conversation() {
  const clinic = await createClinic();
  const chat = await careTeamChat(clinic);
  const ids: Record<string, string> = {};
  const said: [string, typeof clinic.physio, string][] = [
    ["pain", clinic.patientUser, "My shoulder aches at night, pain 5/10."],
    ["dose", clinic.patientUser, "I take Naproxen 250 mg twice daily and I'm allergic to latex."],
    ["vitals", clinic.physio, "BP 118/76, pulse 64."],
    ["plan", clinic.physio, "Plan: continue band work and review in 3 weeks."],
  ];
  for (const [key, user, text] of said) {
    const res = await sendText(user, chat.id, text);
    expectStatus(res, 201);
    ids[key] = res.body.data.id;
  }
  return { clinic, chatId: chat.id, ids };
}

describe("happy", () => {
  it("drafts from a chat_id alone: cites message ids, keeps every dose, vital and allergy", async () => {
    const { clinic, chatId, ids } = await conversation();
    const res = await api("POST", S, {
      token: clinic.physio.token,
      body: {
        chat_id: chatId,
        template_type: "soap",
        consultation_type: "follow_up",
        visit_reason: "Shoulder pain review",
      },
    });
    expect(res.status, res.text).toBe(201);
    const data = res.body.data;
    expect(data.unsupported_count).toBe(0);
    const cites = (needle: string) =>
      data.sentences.find((s: { text: string }) => s.text.includes(needle))?.sources;
    expect(cites("118/76")).toEqual([ids.vitals]);
    expect(cites("Naproxen 250 mg")).toEqual([ids.dose]);
    expect(cites("latex")).toEqual([ids.dose]);
    expect(cites("5/10")).toEqual([ids.pain]);
    expect(data.sections.subjective).toContain("Naproxen 250 mg twice daily");
    expect(data.sections.objective).toContain("118/76");
    expect(data.sections.plan).toContain("review in 3 weeks");

    const note = expectStatus(
      await api("GET", `/api/v1/clinical-notes/${data.note_id}`, { token: clinic.physio.token }),
      200,
    ).body.data;
    expect(note).toMatchObject({ patient_id: clinic.patient.id, chat_id: chatId });
    const audit = await env.DB.prepare(
      "select metadata from audit_log where action = 'scribe.generated' and resource_id = ?",
    )
      .bind(data.note_id)
      .first<{ metadata: string }>();
    expect(audit!.metadata).not.toContain("Naproxen");
  });

  it("reads only the time window asked for", async () => {
    const { clinic, chatId, ids } = await conversation();
    const rows = await env.DB.prepare(
      "select id, created_at from chat_messages where chat_id = ? order by seq",
    )
      .bind(chatId)
      .all<{ id: string; created_at: string }>();
    const vitals = rows.results.find((r) => r.id === ids.vitals)!;
    const res = await api("POST", S, {
      token: clinic.physio.token,
      body: { chat_id: chatId, template_type: "soap", from: vitals.created_at },
    });
    expect(res.status, res.text).toBe(201);
    const cited = new Set(res.body.data.sentences.flatMap((s: { sources: string[] }) => s.sources));
    expect(cited.has(ids.dose)).toBe(false);
    expect(cited.has(ids.vitals)).toBe(true);
  });
});

describe("errors", () => {
  it("a call without a transcript answers 409 naming it; bad combinations are named", async () => {
    const { clinic, chatId } = await conversation();
    const callRes = await initiate(clinic.physio, clinic.patientUser, "voice");
    expectStatus(await move(clinic.patientUser, callRes.id, "answer"), 200);
    const res = await api("POST", S, {
      token: clinic.physio.token,
      body: { call_id: callRes.id, template_type: "soap" },
    });
    expect(res.status, res.text).toBe(409);
    expect(res.body.error.message).toContain("transcript");
    expect(res.body.error.details[0].field).toBe("call_id");

    const both = await api("POST", S, {
      token: clinic.physio.token,
      body: { chat_id: chatId, call_id: callRes.id, template_type: "soap" },
    });
    expectStatus(both, 422);
    expect(both.body.error.details[0].field).toBe("text");
    const window = await api("POST", S, {
      token: clinic.physio.token,
      body: {
        patient_id: clinic.patient.id,
        text: "Pain 3/10.",
        template_type: "soap",
        from: "2026-01-01T00:00:00Z",
      },
    });
    expectStatus(window, 422);
    expect(window.body.error.details[0].field).toBe("from");
    const other = await createClinic();
    const wrongPatient = await api("POST", S, {
      token: clinic.physio.token,
      body: { chat_id: chatId, template_type: "soap", patient_id: other.patient.id },
    });
    expectStatus(wrongPatient, 422);
    expect(wrongPatient.body.error.details[0].field).toBe("patient_id");
  });
});

describe("security", () => {
  it("staff outside the chat get its 404 (audited), other workspaces too; family the role's 403", async () => {
    const { clinic, chatId } = await conversation();
    const other = await createClinic();
    const body = { chat_id: chatId, template_type: "soap" };
    const outside = await api("POST", S, { token: clinic.doctor.token, body });
    expectStatus(outside, 404);
    const audited = await env.DB.prepare(
      "select count(*) as n from audit_log where request_id = ? and outcome <> 'success'",
    )
      .bind(outside.headers.get("x-request-id"))
      .first<{ n: number }>();
    expect(audited!.n).toBe(1);
    expectStatus(await api("POST", S, { token: other.physio.token, body }), 404);
    expectStatus(await api("POST", S, { token: clinic.family.token, body }), 403);
    expectStatus(await api("POST", S, { token: clinic.patientUser.token, body }), 403);
  });
});
