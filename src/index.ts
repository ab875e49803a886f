/** The Worker: HTTP through the Hono app, queue consumer, cron; and the Durable Object classes. */
import { createApp } from "./app";
import type { Bindings } from "./env";
import { handleJobs } from "./jobs/consumer";
import { runScheduled } from "./jobs/cron";

export { CallRoom } from "../party/call-room";
export { ChatRoom } from "../party/chat-room";
export { ClinicianCalendar } from "../party/clinician-calendar";
export { LiveSession } from "../party/live-session";
export { PoseStream } from "../party/pose";
export { RateLimiter } from "../party/rate-limiter";
export { UserStream } from "../party/user-stream";

const app = createApp();

/**
 * Paths served from `public/` (Swagger UI's files, the console's bundle; the console page itself
 * is the app's, for its CSP). Those files live in an assets-only Worker (assets/wrangler.toml)
 * reached over the ASSETS service binding: this Worker has no [assets] section, so an API request
 * passes no asset layer at all. These folders go to that binding, everything else to the app.
 */
export const ASSET_FOLDERS = ["/docs-assets", "/console-assets"] as const;

/** True for a folder itself and anything below it (`/docs-assets`, `/docs-assets/`, `/docs-assets?x`). */
export function isAssetPath(url: string) {
  // The path without parsing the URL: this runs on every request.
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return false;
  for (const folder of ASSET_FOLDERS) {
    if (!url.startsWith(folder, start)) continue;
    const next = url[start + folder.length];
    if (next === undefined || next === "/" || next === "?" || next === "#") return true;
  }
  return false;
}

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    return isAssetPath(request.url) ? env.ASSETS.fetch(request) : app.fetch(request, env, ctx);
  },
  async queue(batch, env) {
    await handleJobs(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, env, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Bindings, unknown>;
