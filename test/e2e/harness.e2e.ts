/**
 * The harness's browser half: Chromium's fake camera plays the pose fixture (converted to y4m).
 * A bare loopback page is enough (127.0.0.1 is a secure context for getUserMedia); the server
 * half, startServer(), is exercised by every other e2e file.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureY4m, launchChromium } from "./harness";

describe("e2e harness", () => {
  let http: Server;
  let base: string;
  beforeAll(async () => {
    http = createServer((_, res) => res.end("<!doctype html><title>camera</title>"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  it("happy: Chromium's fake camera plays the pose fixture at its size, moving", async () => {
    const y4m = fixtureY4m();
    const { browser, close } = await launchChromium({ fakeVideo: y4m.file });
    try {
      const page = await browser.newPage();
      await page.goto(base);
      const result = await page.evaluate(async () => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: true });
        const video = document.createElement("video");
        video.muted = true;
        video.srcObject = stream;
        await video.play();
        const canvas = document.createElement("canvas");
        canvas.width = 32;
        canvas.height = 32;
        const g = canvas.getContext("2d")!;
        const sample = () => {
          g.drawImage(video, 0, 0, 32, 32);
          return Array.from(g.getImageData(0, 0, 32, 32).data);
        };
        const first = sample();
        await new Promise((r) => setTimeout(r, 1500));
        const later = sample();
        const settings = stream.getVideoTracks()[0]!.getSettings();
        stream.getTracks().forEach((t) => t.stop());
        const changed = first.filter((v, i) => Math.abs(v - later[i]!) > 8).length;
        const lit = first.filter((v) => v > 40).length;
        return { width: settings.width, height: settings.height, changed, lit };
      });
      expect({ width: result.width, height: result.height }).toEqual({ width: 576, height: 576 });
      expect(result.lit).toBeGreaterThan(1000); // a picture, not black frames
      expect(result.changed).toBeGreaterThan(20); // the clip plays
    } finally {
      await close();
      y4m.cleanup();
    }
  });

  it("errors: a missing fixture is named, not a silent empty camera", () => {
    expect(() => fixtureY4m("/nonexistent/clip.mp4")).toThrow(/ffmpeg failed/);
  });
});
