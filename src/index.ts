/** The Worker: HTTP through the Hono app, queue consumer, cron; and the Durable Object classes. */
import { createApp } from "./app";
import type { Bindings } from "./env";
import { handleJobs } from "./jobs/consumer";
import { runCron } from "./jobs/cron";

export { CallRoom } from "../party/call-room";
export { ChatRoom } from "../party/chat-room";
export { ClinicianCalendar } from "../party/clinician-calendar";
export { LiveSession } from "../party/live-session";
export { PoseStream } from "../party/pose";
export { RateLimiter } from "../party/rate-limiter";
export { UserStream } from "../party/user-stream";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await handleJobs(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runCron(env, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Bindings, unknown>;
