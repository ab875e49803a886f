/**
 * A stored transcript as the scribe's source: the draft's sentences cite the transcript's span
 * ids, and the transcript is reached only with its recording's access and the same patient.
 */
import { describe, expect, it } from "vitest";
import { createClinic, createPatientRecord, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { call, recording, scriptedAi } from "./helpers";

const ANSWER = {
  text: "Knee pain is 4/10. BP 122/80. I take Ibuprofen 400 mg daily.",
  segments: [
    { start: 0, end: 2, text: "Knee pain is 4/10." },
    { start: 2, end: 4, text: "BP 122/80." },
    { start: 4, end: 7, text: "I take Ibuprofen 400 mg daily." },
  ],
};

async function transcriptOf(clinic: Clinic) {
  const mediaId = await recording(clinic);
  const { ai } = scriptedAi(() => ANSWER);
  const res = await call({ AI: ai }, "POST", "/api/v1/transcriptions", clinic.physio.token, {
    media_id: mediaId,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
}

describe("happy", () => {
  it("drafts a note whose sentences cite the transcript's spans", async () => {
    const clinic = await createClinic();
    const transcriptId = await transcriptOf(clinic);
    const res = await api("POST", "/api/v1/scribe/generate-note", {
      token: clinic.physio.token,
      body: {
        patient_id: clinic.patient.id,
        template_type: "soap",
        source: { kind: "transcript", transcript_id: transcriptId },
      },
    });
    expectStatus(res, 201);
    const sentences = res.body.data.sentences as { text: string; sources: string[] }[];
    expect(sentences.find((s) => s.text.includes("122/80"))?.sources).toEqual(["s2"]);
    expect(sentences.find((s) => s.text.includes("400 mg"))?.sources).toEqual(["s3"]);
    const cited = new Set(sentences.flatMap((s) => s.sources));
    expect([...cited].every((id) => ["s1", "s2", "s3"].includes(id))).toBe(true);

    const summary = await api("POST", "/api/v1/scribe/summarize-call", {
      token: clinic.physio.token,
      body: {
        patient_id: clinic.patient.id,
        source: { kind: "transcript", transcript_id: transcriptId },
      },
    });
    expectStatus(summary, 200);
    expect(summary.body.data.summary).toContain("122/80");
  });
});

describe("errors", () => {
  it("refuses a source given with text, and another patient's transcript (422)", async () => {
    const clinic = await createClinic();
    const transcriptId = await transcriptOf(clinic);
    const both = await api("POST", "/api/v1/scribe/generate-note", {
      token: clinic.physio.token,
      body: {
        patient_id: clinic.patient.id,
        template_type: "soap",
        text: "Pain 2/10.",
        source: { kind: "transcript", transcript_id: transcriptId },
      },
    });
    expectStatus(both, 422);
    // A second patient of the same physio: the transcript is readable, but it is not theirs.
    const second = await createPatientRecord(clinic.workspaceId, { careTeam: [clinic.physio.id] });
    const other = await api("POST", "/api/v1/scribe/summarize-call", {
      token: clinic.physio.token,
      body: {
        patient_id: second.id,
        source: { kind: "transcript", transcript_id: transcriptId },
      },
    });
    expectStatus(other, 422);
    expect(other.body.error.details[0].field).toBe("source.transcript_id");
  });
});

describe("security", () => {
  it("answers 404 for a transcript the clinician may not read", async () => {
    const clinic = await createClinic();
    const transcriptId = await transcriptOf(clinic);
    // The doctor is on otherPatient's care team but not on clinic.patient's.
    const offTeam = await api("POST", "/api/v1/scribe/generate-note", {
      token: clinic.doctor.token,
      body: {
        patient_id: clinic.otherPatient.id,
        template_type: "soap",
        source: { kind: "transcript", transcript_id: transcriptId },
      },
    });
    expectStatus(offTeam, 404);
    expect(offTeam.body.error.message).toBe("Transcript not found");
  });
});
