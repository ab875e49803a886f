/**
 * Issue 7's routers in one: sessions and pose data, review and analytics, motion prediction and
 * posture analyses, as the module's one router.
 */
import { createRouter } from "../../lib/openapi";
import { postureRoutes } from "./posture.routes";
import { predictRoutes } from "./predict.routes";
import { reviewRoutes } from "./review.routes";
import { sessionRoutes } from "./sessions.routes";

export const sessionsModule = createRouter();
sessionsModule.route("/", sessionRoutes);
sessionsModule.route("/", reviewRoutes);
sessionsModule.route("/", predictRoutes);
sessionsModule.route("/", postureRoutes);
