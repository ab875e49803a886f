/** Mounts every feature module. A module exports a router built with `createRouter()`. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { appointmentsRoutes } from "./appointments/appointments.routes";
import { availabilityRoutes } from "./availability/availability.routes";
import { locationsRoutes } from "./locations/locations.routes";
import { servicesRoutes } from "./services/services.routes";
import { auditRoutes } from "./audit/audit.routes";
import { chatRoutes } from "./chats/chats.routes";
import { authRoutes } from "./auth/auth.routes";
import { magicLinkRoutes } from "./auth/magic-link.routes";
import { mfaRoutes } from "./auth/mfa.routes";
import { outboxRoutes } from "./dev/outbox.routes";
import { seedRoutes } from "./dev/seed.routes";
import { docsRoutes } from "./docs/docs.routes";
import { exerciseTypeRoutes } from "./exercise-types/exercise-types.routes";
import { exerciseRoutes } from "./exercises/exercises.routes";
import { templateRoutes } from "./templates/templates.routes";
import { healthRoutes } from "./health/health.routes";
import { invitesRoutes } from "./invites/invites.routes";
import { patientRoutes } from "./patients/patients.routes";
import { liveRoutes } from "./live/live.routes";
import { poseRoutes } from "./pose/pose.routes";
import { poseSocketRoutes } from "./pose/pose.socket.routes";
import { clinicalNoteRoutes } from "./clinical-notes/clinical-notes.routes";
import { scribeRoutes } from "./scribe/scribe.routes";
import { realtimeRoutes } from "./realtime/realtime.routes";
import { sessionsModule } from "./sessions/sessions.module";
import { avatarRoutes } from "./users/users.avatar.routes";
import { usersRoutes } from "./users/users.routes";
import { mediaRoutes } from "./media/media.routes";
import { callRoutes } from "./calls/calls.routes";
import { consoleRoutes } from "./console/console.routes";

export function registerModules(app: OpenAPIHono<AppEnv>) {
  app.route("/", healthRoutes);
  app.route("/", docsRoutes);
  app.route("/", authRoutes);
  app.route("/", magicLinkRoutes);
  app.route("/", mfaRoutes);
  app.route("/", invitesRoutes);
  app.route("/", outboxRoutes);
  app.route("/", avatarRoutes);
  app.route("/", usersRoutes);
  app.route("/", auditRoutes);
  app.route("/", realtimeRoutes);
  app.route("/", liveRoutes);
  app.route("/", seedRoutes);
  app.route("/", exerciseTypeRoutes);
  app.route("/", exerciseRoutes);
  app.route("/", templateRoutes);
  // Scheduling and sessions first: /patients/appointments and /patients/sessions must win over
  // /patients/{id}.
  app.route("/", servicesRoutes);
  app.route("/", locationsRoutes);
  app.route("/", appointmentsRoutes);
  app.route("/", availabilityRoutes);
  app.route("/", sessionsModule);
  app.route("/", patientRoutes);
  app.route("/", mediaRoutes);
  app.route("/", chatRoutes);
  app.route("/", poseRoutes);
  app.route("/", poseSocketRoutes);
  app.route("/", clinicalNoteRoutes);
  app.route("/", scribeRoutes);
  app.route("/", callRoutes);
  app.route("/", consoleRoutes);
}
