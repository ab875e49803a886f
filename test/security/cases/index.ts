/** Every module's security cases. Add a module's file here; coverage.test.ts checks none is missing. */
import type { RouteCase } from "../suite";
import { auditCases } from "./audit.cases";
import { clinicalNotesCases, scribeCases } from "./clinical-notes.cases";
import { authCases } from "./auth.cases";
import { authExtrasCases } from "./auth-extras.cases";
import { callsCases } from "./calls.cases";
import { chatsCases } from "./chats.cases";
import { exerciseCases } from "./exercises.cases";
import { liveCases } from "./live.cases";
import { mediaCases } from "./media.cases";
import { patientsCases } from "./patients.cases";
import { platformCases } from "./platform.cases";
import { poseCases } from "./pose.cases";
import { realtimeCases } from "./realtime.cases";
import { schedulingCases } from "./scheduling.cases";
import { sessionsCases } from "./sessions.cases";
import { smsCases } from "./sms.cases";
import { transcriptionsCases } from "./transcriptions.cases";
import { noteAttachmentCases } from "./note-attachments.cases";
import { scribeJobCases } from "./scribe-jobs.cases";
import { usersCases } from "./users.cases";
import { consoleCases } from "./console.cases";
import { fhirCases } from "./fhir.cases";
import { notificationsCases } from "./notifications.cases";

export const ALL_CASES: Record<string, RouteCase[]> = {
  platform: platformCases,
  auth: authCases,
  "auth-extras": authExtrasCases,
  users: usersCases,
  audit: auditCases,
  realtime: realtimeCases,
  live: liveCases,
  exercises: exerciseCases,
  patients: patientsCases,
  scheduling: schedulingCases,
  media: mediaCases,
  sessions: sessionsCases,
  chats: chatsCases,
  pose: poseCases,
  "clinical-notes": clinicalNotesCases,
  scribe: scribeCases,
  calls: callsCases,
  console: consoleCases,
  sms: smsCases,
  transcriptions: transcriptionsCases,
  "note-attachments": noteAttachmentCases,
  "scribe-jobs": scribeJobCases,
  fhir: fhirCases,
  notifications: notificationsCases,
};
