/**
 * Every feature module's router, one per module. The order does not matter: path ids route
 * UUIDs only (src/lib/openapi.ts), so no parameter captures a sibling's static path, and
 * test/platform/module-order.test.ts mounts them reversed and shuffled to hold that.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { appointmentsRoutes } from "./appointments/appointments.routes";
import { auditRoutes } from "./audit/audit.routes";
import { authRoutes } from "./auth/auth.routes";
import { availabilityRoutes } from "./availability/availability.routes";
import { callRoutes } from "./calls/calls.routes";
import { chatRoutes } from "./chats/chats.routes";
import { clinicalNoteRoutes } from "./clinical-notes/clinical-notes.routes";
import { consoleRoutes } from "./console/console.routes";
import { devRoutes } from "./dev/dev.routes";
import { docsRoutes } from "./docs/docs.routes";
import { exerciseTypeRoutes } from "./exercise-types/exercise-types.routes";
import { exerciseRoutes } from "./exercises/exercises.routes";
import { fhirRoutes } from "./fhir/fhir.routes";
import { healthRoutes } from "./health/health.routes";
import { invitesRoutes } from "./invites/invites.routes";
import { liveRoutes } from "./live/live.routes";
import { locationsRoutes } from "./locations/locations.routes";
import { mediaRoutes } from "./media/media.routes";
import { patientRoutes } from "./patients/patients.routes";
import { poseRoutes } from "./pose/pose.routes";
import { realtimeRoutes } from "./realtime/realtime.routes";
import { scribeRoutes } from "./scribe/scribe.routes";
import { servicesRoutes } from "./services/services.routes";
import { sessionsModule } from "./sessions/sessions.module";
import { smsRoutes } from "./sms/sms.routes";
import { templateRoutes } from "./templates/templates.routes";
import { transcriptionRoutes } from "./transcriptions/transcriptions.routes";
import { notificationRoutes } from "./notifications/notifications.routes";
import { usersRoutes } from "./users/users.routes";

type ModuleRouter = OpenAPIHono<AppEnv>;

/** One router per module, alphabetical; mounting order is not significant. */
export const MODULES: readonly ModuleRouter[] = [
  appointmentsRoutes,
  auditRoutes,
  authRoutes,
  availabilityRoutes,
  callRoutes,
  chatRoutes,
  clinicalNoteRoutes,
  consoleRoutes,
  devRoutes,
  docsRoutes,
  exerciseTypeRoutes,
  exerciseRoutes,
  fhirRoutes,
  healthRoutes,
  invitesRoutes,
  liveRoutes,
  locationsRoutes,
  mediaRoutes,
  notificationRoutes,
  patientRoutes,
  poseRoutes,
  realtimeRoutes,
  scribeRoutes,
  servicesRoutes,
  sessionsModule,
  smsRoutes,
  templateRoutes,
  transcriptionRoutes,
  usersRoutes,
];

export function registerModules(
  app: OpenAPIHono<AppEnv>,
  modules: readonly ModuleRouter[] = MODULES,
) {
  for (const router of modules) app.route("/", router);
}
