import { describe, expect, it } from "vitest";
import { classifyMotion, MOTION_MODEL_NAME } from "../../src/analysis";
import { rng } from "./kinematics";
import { DEMOS, perform } from "./performances";
import { CANDIDATES, PORTRAIT, SQUARE } from "./catalog";

describe("motion classification: happy", () => {
  it("covers every exercise of the seeded catalog", () => {
    expect(Object.keys(DEMOS).sort()).toEqual(CANDIDATES.map((c) => c.slug).sort());
  });

  it("recognises every catalog exercise from image landmarks, portrait and square", () => {
    for (const [slug, demo] of Object.entries(DEMOS)) {
      for (const size of [PORTRAIT, SQUARE]) {
        const frames = perform(demo, { reps: 5 }).frames(30, {
          camera: { view: demo.view, ...size },
          noisePx: 2,
          seed: 9,
        });
        const p = classifyMotion(frames, CANDIDATES, { frameSize: size });
        expect(p.predicted_motion, `${slug} ${size.height}`).toBe(slug);
        expect(p.confidence_score).toBeGreaterThan(0.5);
        expect(p.model_name).toBe(MOTION_MODEL_NAME);
      }
    }
  });

  it("recognises every catalog exercise from world landmarks with varied depth, pace and noise", () => {
    const r = rng(21);
    for (const [slug, demo] of Object.entries(DEMOS)) {
      // Each repetition a little different: ±8° at the working position, 1.1–2 s each way.
      const vary = () =>
        Object.fromEntries(
          Object.entries(demo.work).map(([k, v]) => [
            k,
            typeof v === "number" ? v + (r.next() - 0.5) * 16 : v,
          ]),
        );
      const script = perform(demo, {
        reps: 4 + Math.floor(r.next() * 4),
        perRep: () => vary(),
        downMs: 1100 + r.next() * 900,
        upMs: 1100 + r.next() * 900,
      });
      const frames = script.frames(
        30,
        {
          camera: { view: demo.view, ...PORTRAIT },
          world: true,
          noisePx: 4,
          dropout: 0.03,
          seed: 31,
        },
        5,
      );
      expect(classifyMotion(frames, CANDIDATES).predicted_motion, slug).toBe(slug);
    }
  });

  it("ranks every candidate with probabilities that add up to one", () => {
    const frames = perform(DEMOS.heel_raise!).frames(30, { camera: { view: "side", ...PORTRAIT } });
    const p = classifyMotion(frames, CANDIDATES, { frameSize: PORTRAIT });
    expect(p.ranking).toHaveLength(CANDIDATES.length);
    expect(p.ranking[0]!.slug).toBe("heel_raise");
    const total = p.ranking.reduce((s, x) => s + x.score, 0);
    expect(Math.abs(total - 1)).toBeLessThan(0.01);
    for (let i = 1; i < p.ranking.length; i++) {
      expect(p.ranking[i]!.score).toBeLessThanOrEqual(p.ranking[i - 1]!.score);
    }
  });
});

describe("motion classification: errors", () => {
  it("is unsure, not wrong with confidence, when the body is never seen", () => {
    const frames = perform(DEMOS.squat!).frames(30, {
      camera: { view: "side", ...PORTRAIT },
      dropout: 1,
    });
    const p = classifyMotion(frames, CANDIDATES, { frameSize: PORTRAIT });
    expect(p.confidence_score).toBeLessThanOrEqual(1 / CANDIDATES.length + 0.01);
    expect(classifyMotion([], CANDIDATES).confidence_score).toBeLessThanOrEqual(
      1 / CANDIDATES.length + 0.01,
    );
  });

  it("returns an empty prediction for no candidates instead of throwing", () => {
    const p = classifyMotion([], []);
    expect(p.predicted_motion).toBe("");
    expect(p.ranking).toEqual([]);
  });
});

describe("motion classification: security", () => {
  it("gives a workspace's renamed or custom exercise the same result as its config", () => {
    const frames = perform(DEMOS.bicep_curl!).frames(30, { camera: { view: "side", ...PORTRAIT } });
    const renamed = CANDIDATES.map((c) => ({ ...c, slug: `x_${c.slug}`, name: "Custom" }));
    expect(classifyMotion(frames, renamed, { frameSize: PORTRAIT }).predicted_motion).toBe(
      "x_bicep_curl",
    );
  });
});
