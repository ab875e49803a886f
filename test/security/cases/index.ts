/** Every module's security cases. Add a module's file here; coverage.test.ts checks none is missing. */
import type { RouteCase } from "../suite";
import { authCases } from "./auth.cases";
import { platformCases } from "./platform.cases";

export const ALL_CASES: Record<string, RouteCase[]> = {
  platform: platformCases,
  auth: authCases,
};
