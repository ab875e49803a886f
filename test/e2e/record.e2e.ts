/**
 * `#/record` and `#/my-progress` in headless Chromium against `npm start`:
 * - the demo patient picks the repository's fixture clip (pose_1.mp4, made a WebM here because
 *   Debian's Chromium plays no H.264), the page runs BlazePose over it frame by frame at the
 *   video's own timestamps, uploads the video and the frames as a session, and shows the server's
 *   prediction and analysis. The first pose chunk's answer is lost on its way back (the server
 *   stored it); the page's retry must not store it twice nor make a second session;
 * - the session then waits in the physiotherapist's review queue (another browser context);
 * - the patient's own progress page shows the chart and the numbers;
 * - bad input (not a video, no exercise chosen) is named at its field.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  apiCall,
  apiLogin,
  attachedServer,
  launchChromium,
  loginOf,
  SCREENSHOTS,
  startServer,
  type Server,
  signIn,
} from "./harness";

const PORT = Number(process.env.E2E_RECORD_PORT ?? 8960);
const root = new URL("../..", import.meta.url).pathname;
const PATIENT = "patient.john@demo.rehab-edge.test";

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** The fixture clip as VP9 WebM in a temporary directory (never committed). */
function fixtureWebm(dir: string): string {
  const file = join(dir, "pose_1.webm");
  const result = spawnSync(
    "ffmpeg",
    [
      ...["-loglevel", "error", "-y", "-i", join(root, "test/pose/fixtures/pose_1.mp4")],
      ...["-an", "-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0", "-deadline", "realtime", file],
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  if (result.status !== 0)
    throw new Error(`ffmpeg failed (${result.status}): ${result.stderr?.toString()}`);
  return file;
}

describe.concurrent("recorded video and the patient's own progress", () => {
  let server: Server;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let dir: string;
  let webm: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "rehab-e2e-record-"));
    webm = fixtureWebm(dir);
    // On this shared machine `npm start` has taken minutes: its own deadline stays inside the
    // hook's, so a start that never comes up is stopped by startServer, not left running.
    server = attachedServer() ?? (await startServer({ port: PORT, timeoutMs: 420_000 }));
    ({ browser, close: closeBrowser } = await launchChromium());
  }, 480_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "happy: a video becomes a session with the server's prediction, in the review queue",
    {
      timeout: 600_000,
    },
    async ({ expect }) => {
      const patientCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await patientCtx.newPage();
      const errors: string[] = [];
      const logs: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
      const patientToken = (await apiLogin(server, PATIENT)).access_token;
      const ownBefore = await apiCall<unknown[]>(server, "GET", "/api/v1/patients/sessions", {
        token: patientToken,
      });
      // The first chunk reaches the server, but its answer is lost: the page sees a network error.
      let chunkPosts = 0;
      await page.route(/\/api\/v1\/sessions\/[0-9a-f-]{36}\/data$/, async (route) => {
        chunkPosts++;
        if (chunkPosts > 1) return route.continue();
        const stored = await route.fetch();
        expect(stored.status()).toBe(201);
        await route.abort("connectionreset");
      });
      try {
        await signIn(page, server, PATIENT);
        await page.getByRole("link", { name: "Record from a video" }).click();
        await page.waitForURL(/#\/record$/);
        const exercise = page.getByLabel("Exercise in the video");
        await exercise
          .locator('option[data-slug="shoulder_abduction"]')
          .waitFor({ state: "attached" });
        const value = await exercise
          .locator('option[data-slug="shoulder_abduction"]')
          .first()
          .getAttribute("value");
        await exercise.selectOption(value!);
        await page.getByLabel(/Video file/).setInputFiles(webm);
        await expect
          .poll(() => page.locator("#record-meta").textContent())
          .toMatch(/4\.\d s, 576×576/);
        const started = Date.now();
        await page.getByRole("button", { name: "Analyse and upload" }).click();
        // The walk shows its progress with the skeleton over the frame.
        await page.waitForFunction(
          () =>
            Number(document.querySelector("#record-walk")?.getAttribute("data-found") ?? 0) >= 5,
          undefined,
          { timeout: 120_000 },
        );
        await shot(page, "record-walking");
        // The lost chunk answer is reported; the retry resumes.
        await expect
          .poll(() => page.locator("#record-status").textContent(), { timeout: 240_000 })
          .toMatch(/retry/);
        await page.getByRole("button", { name: "Try again" }).click();
        await page.locator("#record-result").waitFor({ timeout: 120_000 });
        await expect
          .poll(() => page.evaluate(() => document.activeElement?.id))
          .toBe("record-result");
        await shot(page, "record-result");

        const sessionId = (await page.locator("#record-result").getAttribute("data-session"))!;
        // The page shows the server's answer as it is (which exercise the landmarks look like is
        // the classifier's call, not this test's): the predicted slug by its catalog name, and a
        // match only when it is the assigned exercise.
        const predicted = (await page.locator("#predicted-motion").getAttribute("data-slug"))!;
        const match = (await page.locator("#is-match").textContent())!;
        if (predicted === "shoulder_abduction") expect(match).toBe("Yes");
        else expect(match).toBe("No (expected Shoulder Abduction)");
        expect(await page.locator("#confidence").textContent()).toMatch(/^\d+ %$/);
        const reps = (await page.locator("#record-reps").textContent())!;
        expect(reps).toMatch(/^\d+( \(\+\d+ partial\))?$/);
        const shownFrames = Number(await page.locator("#record-frames").textContent());
        expect(shownFrames).toBeGreaterThan(60);
        console.log(
          `record: ${shownFrames} frames walked and sent in ${Math.round((Date.now() - started) / 1000)} s; predicted ${predicted} (${await page.locator("#confidence").textContent()}), reps ${reps}`,
        );

        // The API holds exactly one new session with every frame once, the video, the prediction.
        const ownAfter = await apiCall<{ id: string }[]>(
          server,
          "GET",
          "/api/v1/patients/sessions",
          {
            token: patientToken,
          },
        );
        expect(ownAfter.body.data.length).toBe(ownBefore.body.data.length + 1);
        expect(ownAfter.body.data[0]!.id).toBe(sessionId);
        const physio = (await apiLogin(server, loginOf(server, "physiotherapist").email))
          .access_token;
        const detail = await apiCall<{
          session: { status: string; video_media_id: string | null };
          pose_data: {
            frame_count: number;
            rep_count: number;
            partial_reps: number;
            frame_size: unknown;
          };
        }>(server, "GET", `/api/v1/sessions/${sessionId}`, { token: physio });
        expect(detail.body.data.session.status).toBe("review_pending");
        expect(detail.body.data.session.video_media_id).not.toBeNull();
        expect(detail.body.data.pose_data.frame_count).toBe(shownFrames);
        expect(detail.body.data.pose_data.frame_size).toEqual({ width: 576, height: 576 });
        // The arms' rise is seen: a repetition, or one in progress when the clip ends.
        const analysis = detail.body.data.pose_data;
        expect(reps.startsWith(String(analysis.rep_count))).toBe(true);
        expect(analysis.rep_count + analysis.partial_reps).toBeGreaterThanOrEqual(1);
        // Timestamps are the video's own (a 4 s clip at 30 fps), not the wall clock.
        const frames = await apiCall<{ frames: { timestamp: number }[] }>(
          server,
          "GET",
          `/api/v1/sessions/${sessionId}/frames?limit=3000`,
          { token: physio },
        );
        const ts = frames.body.data.frames.map((f) => f.timestamp);
        expect(ts.length).toBe(shownFrames);
        expect(ts[0]).toBeGreaterThanOrEqual(0);
        expect(ts.at(-1)).toBeLessThanOrEqual(4100);
        const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
        for (const gap of gaps)
          expect(Math.abs(gap / (1000 / 30) - Math.round(gap / (1000 / 30)))).toBeLessThan(0.05);
        const video = await apiCall<{
          prediction: { predicted_motion: string; is_match: boolean } | null;
        }>(server, "GET", `/api/v1/videos/${sessionId}`, { token: physio });
        expect(video.body.data.prediction?.predicted_motion).toBe(predicted);
        expect(video.body.data.prediction?.is_match).toBe(predicted === "shoulder_abduction");

        // The physiotherapist's review queue lists it (another browser context).
        const clinicCtx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
        const clinician = await clinicCtx.newPage();
        clinician.on("pageerror", (e) => errors.push(e.message));
        await signIn(clinician, server, loginOf(server, "physiotherapist").email);
        await clinician
          .locator(`#review-queue li[data-session="${sessionId}"]`)
          .getByRole("link", { name: "Review" })
          .waitFor();
        await shot(clinician, "record-review-queue");
        await clinicCtx.close();

        // The patient's own progress: nav link, the API's chart and the numbers.
        await page.getByRole("link", { name: "My progress" }).click();
        await page.waitForURL(/#\/my-progress$/);
        await page.locator("#progress-chart").waitFor();
        await page.locator('#my-progress-table [data-exercise="shoulder_abduction"]').waitFor();
        await shot(page, "record-my-progress");
      } catch (error) {
        const line = await page
          .locator("#record-status")
          .textContent()
          .catch(() => "");
        throw new Error(
          `${String(error)}\nstatus: ${line}\nerrors: ${errors.join("; ")}\nlogs:\n${logs.slice(-30).join("\n")}`,
        );
      }
      expect(chunkPosts).toBeGreaterThanOrEqual(2);
      expect(errors).toEqual([]);
      await patientCtx.close();
    },
  );

  it(
    "errors: a file that is not a video and a missing exercise are named at their fields",
    {
      timeout: 180_000,
    },
    async ({ expect }) => {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await ctx.newPage();
      const text = join(dir, "notes.txt");
      writeFileSync(text, "not a video");
      await signIn(page, server, PATIENT);
      await page.getByRole("link", { name: "Record from a video" }).click();
      await page.getByLabel(/Video file/).setInputFiles(text);
      await page.locator("#record-file-error", { hasText: "not an MP4" }).waitFor();
      await page.getByRole("button", { name: "Analyse and upload" }).click();
      await page.locator("#record-exercise-error", { hasText: "Choose the exercise" }).waitFor();
      await shot(page, "record-errors");
      await ctx.close();
    },
  );
});
