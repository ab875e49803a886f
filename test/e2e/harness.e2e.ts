/**
 * The harness itself: `npm start` comes up on a fresh state directory with the demo clinic, the
 * API signs a seeded user in, and Chromium's fake camera plays the pose fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiLogin, fixtureY4m, launchChromium, loginOf, startServer, type Server } from "./harness";

const PORT = Number(process.env.E2E_HARNESS_PORT ?? 8900);

describe("e2e harness", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ port: PORT });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("happy: serves the API with the seeded demo clinic and signs a patient in", async () => {
    const health = await fetch(`${server.base}/health`);
    expect(health.status).toBe(200);
    const patient = loginOf(server, "patient");
    const tokens = await apiLogin(server, patient.email);
    expect(tokens.access_token).toMatch(/\./);
  });

  it("happy: Chromium's fake camera plays the pose fixture at its size", async () => {
    const y4m = fixtureY4m();
    const { browser, close } = await launchChromium({ fakeVideo: y4m.file });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.base}/console`);
      const size = await page.evaluate(async () => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: true });
        const settings = stream.getVideoTracks()[0]!.getSettings();
        stream.getTracks().forEach((t) => t.stop());
        return { width: settings.width, height: settings.height };
      });
      expect(size).toEqual({ width: 576, height: 576 });
    } finally {
      await close();
      y4m.cleanup();
    }
  });
});
