/** The development module's one router: the outbox and the demo seed (neither in production). */
import { createRouter } from "../../lib/openapi";
import { outboxRoutes } from "./outbox.routes";
import { seedRoutes } from "./seed.routes";

export const devRoutes = createRouter();
devRoutes.route("/", outboxRoutes);
devRoutes.route("/", seedRoutes);
