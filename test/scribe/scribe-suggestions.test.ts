/** POST /scribe/generate-suggestions: stored as the note's suggestions, accepted through notes. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { draftNote, N } from "../clinical-notes/helpers";

const S = "/api/v1/scribe/generate-suggestions";
const segments = [
  { id: "m1", speaker: "Patient", text: "I take Naproxen 250 mg twice daily." },
  { id: "m2", speaker: "Doctor", text: "BP 118/76, pulse 64." },
  { id: "m3", speaker: "Doctor", text: "Plan: continue band work and review in 3 weeks." },
];
type Sug = { id: string; section: string; suggested_text: string; type: string; sources: string[] };

describe("scribe suggestions: happy", () => {
  it("stores typed, sourced suggestions on the note; one is accepted into its section", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    const res = await api("POST", S, {
      token: clinic.physio.token,
      body: { note_id: note.id, segments },
    });
    expectStatus(res, 201);
    const data = res.body.data;
    expect(data).toMatchObject({ note_id: note.id, provider: "embedded", unsupported_count: 0 });
    const list = data.suggestions as Sug[];
    const med = list.find((s) => s.suggested_text.includes("Naproxen"))!;
    expect(med).toMatchObject({ type: "medication", sources: ["m1"], unsupported: false });
    const bp = list.find((s) => s.suggested_text.includes("118/76"))!;
    expect(bp).toMatchObject({ section: "objective", type: "finding", sources: ["m2"] });
    expect(list.find((s) => s.section === "plan")!.type).toBe("action");
    const got = await api("GET", `${N}/${note.id}`, { token: clinic.physio.token });
    expect(got.body.data.suggestions.map((s: Sug) => s.id).sort()).toEqual(
      list.map((s) => s.id).sort(),
    );
    const accepted = await api("POST", `${N}/${note.id}/accept-suggestion/${bp.id}`, {
      token: clinic.physio.token,
    });
    expectStatus(accepted, 200);
    const after = await api("GET", `${N}/${note.id}`, { token: clinic.physio.token });
    expect(after.body.data.sections.objective).toContain("118/76");
    const raw = await env.DB.prepare(
      "SELECT group_concat(text_enc) AS t FROM clinical_note_suggestions WHERE note_id = ?",
    )
      .bind(note.id)
      .first<{ t: string }>();
    expect(raw!.t).not.toContain("Naproxen");
  });
});

describe("scribe suggestions: errors", () => {
  it("names bad fields; an unknown note is 404", async () => {
    const clinic = await createClinic();
    const token = clinic.physio.token;
    const none = await api("POST", S, { token, body: { note_id: crypto.randomUUID() } });
    expectStatus(none, 422);
    expect(none.body.error.details[0].field).toBe("text");
    const bad = await api("POST", S, { token, body: { note_id: "x", text: "Pain 3/10." } });
    expectStatus(bad, 422);
    expect(bad.body.error.details[0].field).toBe("note_id");
    expectStatus(
      await api("POST", S, { token, body: { note_id: crypto.randomUUID(), text: "Pain." } }),
      404,
    );
  });
});

describe("scribe suggestions: security", () => {
  it("off the care team, non-clinicians and other workspaces are refused; nothing stored", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const note = await draftNote(clinic);
    const body = { note_id: note.id, segments };
    expectStatus(await api("POST", S, { token: clinic.doctor.token, body }), 404);
    expectStatus(await api("POST", S, { token: clinic.admin.token, body }), 403);
    expectStatus(await api("POST", S, { token: clinic.patientUser.token, body }), 403);
    expectStatus(await api("POST", S, { token: other.physio.token, body }), 404);
    const count = await env.DB.prepare(
      "SELECT count(*) AS n FROM clinical_note_suggestions WHERE note_id = ?",
    )
      .bind(note.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
  });
});
