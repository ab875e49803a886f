/** The seeded catalog's analysis configs, parsed exactly as the API stores them. */
import { AnalysisConfig } from "../../src/modules/exercise-types/exercise-types.analysis";
import { defaultExerciseTypes } from "../../src/modules/exercise-types/exercise-types.catalog";
import type { FrameSize, MotionCandidate } from "../../src/analysis";

export const CANDIDATES: MotionCandidate[] = defaultExerciseTypes().map((e) => ({
  slug: e.slug,
  name: e.name,
  config: AnalysisConfig.parse(e.analysis),
}));

export function configOf(slug: string): AnalysisConfig {
  const c = CANDIDATES.find((x) => x.slug === slug);
  if (!c) throw new Error(`no catalog exercise ${slug}`);
  return c.config;
}

export const PORTRAIT: FrameSize = { width: 720, height: 1280 };
export const SQUARE: FrameSize = { width: 720, height: 720 };
