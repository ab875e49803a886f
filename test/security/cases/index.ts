/** Every module's security cases. Add a module's file here; coverage.test.ts checks none is missing. */
import type { RouteCase } from "../suite";
import { auditCases } from "./audit.cases";
import { clinicalNotesCases, scribeCases } from "./clinical-notes.cases";
import { authCases } from "./auth.cases";
import { authExtrasCases } from "./auth-extras.cases";
import { exerciseCases } from "./exercises.cases";
import { patientsCases } from "./patients.cases";
import { platformCases } from "./platform.cases";
import { realtimeCases } from "./realtime.cases";
import { schedulingCases } from "./scheduling.cases";
import { usersCases } from "./users.cases";

export const ALL_CASES: Record<string, RouteCase[]> = {
  platform: platformCases,
  auth: authCases,
  "auth-extras": authExtrasCases,
  users: usersCases,
  audit: auditCases,
  realtime: realtimeCases,
  exercises: exerciseCases,
  patients: patientsCases,
  scheduling: schedulingCases,
  "clinical-notes": clinicalNotesCases,
  scribe: scribeCases,
};
