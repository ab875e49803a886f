import { describe, expect, it } from "vitest";
import {
  CONSULTATION_TYPES,
  NOTE_TEMPLATES,
} from "../../src/modules/templates/templates.definitions";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

describe("templates: happy", () => {
  it("serves note templates and consultation types to any signed-in user", async () => {
    const clinic = await createClinic();
    const templates = expectStatus(
      await api("GET", "/api/v1/templates", { token: clinic.family.token }),
      200,
    );
    const ids = templates.body.data.map((t: { id: string }) => t.id);
    expect(ids).toEqual([
      "soap",
      "apso",
      "dap",
      "physio_initial_assessment",
      "physio_follow_up",
      "discharge_summary",
    ]);
    const soap = templates.body.data[0];
    expect(soap.sections.map((s: { label: string }) => s.label)).toEqual(["S", "O", "A", "P"]);
    expect(soap.sections[0]).toMatchObject({
      id: "subjective",
      full_name: "Subjective",
      required: true,
    });
    expect(soap.sections[0].prompt_hint.length).toBeGreaterThan(20);
    const types = expectStatus(
      await api("GET", "/api/v1/consultation-types", { token: clinic.patientUser.token }),
      200,
    );
    const typeIds = types.body.data.map((t: { id: string }) => t.id);
    for (const id of [
      "initial_consultation",
      "follow_up",
      "telehealth_exercise_review",
      "discharge",
      "urgent_concern",
    ]) {
      expect(typeIds).toContain(id);
    }
    for (const t of types.body.data) expect(ids).toContain(t.default_template);
    expect(types.body.data[0].ai_context_modifier).toMatch(/initial consultation/i);
  });
});

describe("templates: errors", () => {
  it("gives every template unique section ids, each with a prompt hint", () => {
    for (const template of NOTE_TEMPLATES) {
      const ids = template.sections.map((s) => s.id);
      expect(new Set(ids).size, template.id).toBe(ids.length);
      for (const section of template.sections)
        expect(section.prompt_hint.length).toBeGreaterThan(20);
    }
    expect(new Set(CONSULTATION_TYPES.map((t) => t.id)).size).toBe(CONSULTATION_TYPES.length);
  });
});

describe("templates: security", () => {
  it("needs a signed-in user", async () => {
    expectStatus(await api("GET", "/api/v1/templates"), 401);
    expectStatus(await api("GET", "/api/v1/consultation-types"), 401);
  });
});
