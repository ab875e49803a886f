/**
 * Calls and in-app notifications in the console (issue 23), in headless Chromium against a real
 * `npm start` (seeded demo clinic), each side in its own browser context with the fixture clip as
 * its fake camera:
 * - the physiotherapist rings John from the clinic home's patient list; John's page (a 390 px
 *   phone) shows the incoming call over whatever page it is on and answers; both pages decode the
 *   other's video (videoWidth > 0, frames decoded and playing); mute toggles; the physiotherapist
 *   hangs up and both pages see the end; both call logs show the call answered with a duration,
 *   and John's also the seeded missed call;
 * - John declines the next call: the physiotherapist's page says so, and the "declined your call"
 *   notification arrives live in the bell (its unread count goes up without a reload); the
 *   physiotherapist cancels a third call while it rings: John's bell gets the missed call; the
 *   panel marks one read and all read; a call that rang before John opened the console is
 *   offered when he does.
 * Screenshots: test/e2e/screenshots/calls-*.png; the final ones are copied to docs/screenshots.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attachedServer,
  fixtureY4m,
  launchChromium,
  loginOf,
  SCREENSHOTS,
  startServer,
  type Server,
  signIn as signInAs,
} from "./harness";

const PORT = Number(process.env.E2E_CALLS_CONSOLE_PORT ?? 8950);
const DOCS = new URL("../../docs/screenshots", import.meta.url).pathname;
const LONG = { timeout: 90_000 };

async function signIn(page: Page, server: Server, email: string) {
  await signInAs(page, server, email, LONG.timeout);
  // The user stream is live (replay cursor known): events published from now on reach the page.
  await page.locator("body[data-stream=live]").waitFor(LONG);
}

async function shot(page: Page, name: string, toDocs = false) {
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (toDocs) copyFileSync(file, join(DOCS, `${name}.png`));
}

/** The bell's unread count as the page shows it (0 when the badge is absent). */
async function unread(page: Page): Promise<number> {
  const badge = page.locator("#bell-count");
  return (await badge.count()) ? Number(await badge.textContent()) : 0;
}

/** Waits until the page decodes and plays the other side's video. */
async function remoteVideoPlays(page: Page) {
  await page.waitForFunction(
    () => {
      const v = document.querySelector<HTMLVideoElement>("video.remote-video");
      return (
        !!v &&
        v.videoWidth > 0 &&
        v.getVideoPlaybackQuality().totalVideoFrames > 10 &&
        v.currentTime > 0.3
      );
    },
    undefined,
    { timeout: 90_000, polling: 250 },
  );
  return page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>("video.remote-video")!;
    return {
      width: v.videoWidth,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      local: document.querySelector<HTMLVideoElement>("#local-video")?.videoWidth ?? 0,
    };
  });
}

/** Rings John from the clinic home's patient list; returns the call id from the call page. */
async function ringJohn(physio: Page, server: Server): Promise<string> {
  await physio.goto(`${server.base}/console#/`);
  await physio.getByRole("button", { name: "Video call John Doe" }).click();
  await physio.waitForURL(/#\/calls\/[0-9a-f-]{36}$/, LONG);
  await physio.locator("#call-state[data-state=ringing]").waitFor(LONG);
  return physio.url().split("#/calls/")[1]!;
}

describe("console calls and notifications", () => {
  let server: Server;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let cleanupY4m: () => void;
  let physioCtx: BrowserContext;
  let patientCtx: BrowserContext;
  let physio: Page;
  let patient: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
    const y4m = fixtureY4m();
    cleanupY4m = y4m.cleanup;
    // The shared machine can take minutes to start and seed (load 20-30 on 2 cores was seen).
    server = attachedServer() ?? (await startServer({ port: PORT, timeoutMs: 360_000 }));
    ({ browser, close: closeBrowser } = await launchChromium({ fakeVideo: y4m.file }));
    physioCtx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    patientCtx = await browser.newContext({ viewport: { width: 390, height: 800 } });
    [physio, patient] = await Promise.all([physioCtx.newPage(), patientCtx.newPage()]);
    await Promise.all([
      signIn(physio, server, loginOf(server, "physiotherapist").email),
      signIn(patient, server, loginOf(server, "patient").email),
    ]);
  }, 480_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.stop();
    cleanupY4m?.();
  });

  it("rings, answers, both see video, hangs up; both call logs show it answered", async () => {
    const callId = await ringJohn(physio, server);

    // John is on his home page; the overlay comes over it.
    const overlay = patient.locator(`#incoming-call[data-call="${callId}"]`);
    await overlay.waitFor(LONG);
    expect(await overlay.textContent()).toContain(loginOf(server, "physiotherapist").name);
    expect(await patient.evaluate(() => document.activeElement?.id)).toBe("answer-call");
    await shot(patient, "calls-incoming", true);
    await patient.getByRole("button", { name: "Answer" }).click();
    await patient.waitForURL(new RegExp(`#/calls/${callId}$`), LONG);

    const [seenByPhysio, seenByPatient] = await Promise.all([
      remoteVideoPlays(physio),
      remoteVideoPlays(patient),
    ]);
    expect(seenByPhysio.width).toBeGreaterThan(0);
    expect(seenByPatient.width).toBeGreaterThan(0);
    expect(seenByPhysio.local).toBeGreaterThan(0);
    await physio.locator("#call-state[data-state=active]").waitFor(LONG);
    await patient.locator("#call-state[data-state=active]").waitFor(LONG);

    // Mute and camera toggles say their state.
    await patient.locator("#mute").click();
    expect(await patient.locator("#mute").getAttribute("aria-pressed")).toBe("true");
    await patient.locator("#mute").click();
    expect(await patient.locator("#mute").getAttribute("aria-pressed")).toBe("false");
    await shot(physio, "calls-in-call", true);
    await shot(patient, "calls-in-call-phone", true);

    await physio.getByRole("button", { name: "Hang up" }).click();
    await physio.locator("#call-state[data-state=ended]").waitFor(LONG);
    await patient.locator("#call-state[data-state=ended]").waitFor(LONG);
    // Media stop with the call.
    expect(await patient.locator("video").count()).toBe(0);

    for (const page of [physio, patient]) {
      await page.getByRole("link", { name: "Call log" }).click();
      const row = page.locator(`#call-log li[data-call="${callId}"]`);
      await row.waitFor(LONG);
      expect(await row.getAttribute("data-status")).toBe("answered");
      expect(await row.locator(".duration").textContent()).toMatch(/\d+s/);
    }
    // The seeded missed call (the physiotherapist rang John, nobody answered) is in his log.
    expect(await patient.locator('#call-log li[data-status="missed"]').count()).toBeGreaterThan(0);
    await shot(patient, "calls-log-phone", true);
  });

  it("a declined and a missed call arrive live as notifications in the bell", async () => {
    await physio.goto(`${server.base}/console#/`);
    await patient.goto(`${server.base}/console#/`);
    await physio.locator("#bell").waitFor(LONG);
    const physioBefore = await unread(physio);

    // John declines: the physiotherapist's call page says so and the bell counts it, live.
    const declined = await ringJohn(physio, server);
    await patient.locator(`#incoming-call[data-call="${declined}"]`).waitFor(LONG);
    await patient.getByRole("button", { name: "Decline" }).click();
    await patient.locator("#incoming-call").waitFor({ state: "detached", ...LONG });
    await physio.locator("#call-state[data-state=declined]").waitFor(LONG);
    await physio.waitForFunction(
      (n) => Number(document.querySelector("#bell-count")?.textContent ?? 0) === n + 1,
      physioBefore,
      LONG,
    );
    expect(await physio.locator("#bell-live").textContent()).toMatch(/declined your call/);

    await physio.locator("#bell").click();
    const item = physio.locator("#notifications li.unread").first();
    await item.waitFor(LONG);
    expect(await item.textContent()).toMatch(/John Doe declined your call/);
    await shot(physio, "calls-notifications", true);
    await item.getByRole("button", { name: /Mark read/ }).click();
    await physio.waitForFunction(
      (n) => Number(document.querySelector("#bell-count")?.textContent ?? 0) === n,
      physioBefore,
      LONG,
    );
    await physio.keyboard.press("Escape");
    expect(await physio.evaluate(() => document.activeElement?.id)).toBe("bell");

    // The physiotherapist cancels while it rings: John missed it, and his bell says so.
    const patientBefore = await unread(patient);
    const missed = await ringJohn(physio, server);
    await patient.locator(`#incoming-call[data-call="${missed}"]`).waitFor(LONG);
    await physio.getByRole("button", { name: "Cancel call" }).click();
    await physio.locator("#call-state[data-state=missed]").waitFor(LONG);
    await patient.locator("#incoming-call").waitFor({ state: "detached", ...LONG });
    await patient.waitForFunction(
      (n) => Number(document.querySelector("#bell-count")?.textContent ?? 0) === n + 1,
      patientBefore,
      LONG,
    );
    await patient.locator("#bell").click();
    expect(await patient.locator("#notifications li.unread").first().textContent()).toMatch(
      /Missed call from/,
    );
    await shot(patient, "calls-notifications-phone");
    // Mark all read (there is at least the missed call): the badge goes, the list turns read.
    await patient.locator("#read-all").click();
    await patient.locator("#bell-count").waitFor({ state: "detached", ...LONG });
    expect(await patient.locator("#notifications li.unread").count()).toBe(0);

    // A call that rings while John's console is closed is offered when he opens it.
    await patient.goto("about:blank");
    const early = await ringJohn(physio, server);
    await patient.goto(`${server.base}/console`);
    await patient.locator(`#incoming-call[data-call="${early}"]`).waitFor(LONG);
    await patient.getByRole("button", { name: "Decline" }).click();
    await physio.locator("#call-state[data-state=declined]").waitFor(LONG);
  });
});
