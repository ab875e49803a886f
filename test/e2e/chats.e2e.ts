/**
 * The console's chats in headless Chromium against `npm start` (issue 23): the physiotherapist
 * and the patient John, in two browser contexts, chat both ways in the seeded care-team chat;
 * typing and read receipts reach the other side; the patient's chat socket is dropped while sends
 * are unacknowledged (the room stored them, their acks were lost) and while it is down a new send
 * waits and the physiotherapist writes: after the reconnect every message shows exactly once, in
 * order, on both pages. A file and a voice message (Chromium's fake microphone) go across and
 * open from blob URLs. Every chat socket passes through playwright (`routeWebSocket`), so the test
 * can swallow the room's answers, drop the socket and refuse reconnects.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiCall,
  apiLogin,
  fixtureY4m,
  launchChromium,
  loginOf,
  attachedServer,
  SCREENSHOTS,
  startServer,
  type Server,
  signIn,
} from "./harness";

const PORT = Number(process.env.E2E_CHATS_PORT ?? 8940);
// The machine is shared and busy: every wait is on page state, with room to spare.
const WAIT = { timeout: 60_000 };

/** A screenshot of the page's top (the thread's header and the newest messages). */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/**
 * A context's chat sockets, tapped: `mute` swallows what the room sends to the page (acks and
 * live events lost in transit), `down` refuses new connections, `drop()` closes the open ones.
 */
async function tapChatSockets(context: BrowserContext) {
  const tap = {
    mute: false,
    down: false,
    open: [] as { page: WebSocketRoute; server: WebSocketRoute }[],
    drop() {
      for (const s of tap.open.splice(0)) {
        // Not 4000: the client treats 4000 (a call's end) as final and would not reconnect.
        void s.page.close({ code: 4500, reason: "dropped by the test" });
        void s.server.close();
      }
    },
  };
  await context.routeWebSocket(/\/api\/v1\/chats\/[0-9a-f-]{36}\/ws/, (ws) => {
    if (tap.down) return void ws.close({ code: 4500, reason: "network down" });
    const server = ws.connectToServer();
    server.onMessage((m) => {
      if (!tap.mute) ws.send(m);
    });
    tap.open.push({ page: ws, server });
  });
  return tap;
}

/** The texts of the stored messages in a page's thread, in the order shown. */
const shownTexts = (page: Page) =>
  page.locator("#chat-log li.msg:not(.pending) .body").allTextContents();

async function send(page: Page, text: string) {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

describe("console chats", () => {
  let server: Server;
  let closeBrowser: () => Promise<void>;
  let cleanupY4m: () => void;
  let browser: Awaited<ReturnType<typeof launchChromium>>["browser"];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The fake camera's flags bring Chromium's fake microphone too (voice messages).
    const y4m = fixtureY4m();
    cleanupY4m = y4m.cleanup;
    // Generous: on the shared machine `npm start` alone has taken over 150 s.
    server = attachedServer() ?? (await startServer({ port: PORT, timeoutMs: 330_000 }));
    ({ browser, close: closeBrowser } = await launchChromium({ fakeVideo: y4m.file }));
  }, 400_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.stop();
    cleanupY4m?.();
  });

  it("happy: both ways, typing, read receipt, a forced reconnect without loss, file and voice", async () => {
    const clinicCtx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const patientCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    for (const c of [clinicCtx, patientCtx]) {
      c.setDefaultTimeout(60_000);
      c.setDefaultNavigationTimeout(90_000);
    }
    const physio = await clinicCtx.newPage();
    const patient = await patientCtx.newPage();
    const errors: string[] = [];
    const logs: string[] = [];
    for (const p of [physio, patient]) {
      p.on("pageerror", (e) => errors.push(e.message));
      p.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
      p.on("websocket", (ws) => {
        const at = () => new Date().toISOString().slice(11, 23);
        logs.push(`${at()} ws open ${ws.url().slice(-40)}`);
        ws.on("close", () => logs.push(`${at()} ws close ${ws.url().slice(-40)}`));
      });
    }
    const patientTap = await tapChatSockets(patientCtx);
    await tapChatSockets(clinicCtx);
    try {
      // John writes first (through the API), so the physiotherapist has an unread message.
      const john = await apiLogin(server, "patient.john@demo.rehab-edge.test");
      const johnChats = await apiCall<{ id: string; type: string }[]>(
        server,
        "GET",
        "/api/v1/chats",
        {
          token: john.access_token,
        },
      );
      const careTeam = johnChats.body.data.find((c) => c.type === "Care Team")!;
      const posted = await apiCall(server, "POST", `/api/v1/chats/${careTeam.id}/messages`, {
        token: john.access_token,
        body: { type: "text", content: "I did my exercises this morning." },
      });
      expect(posted.status, JSON.stringify(posted.body)).toBe(201);

      // The physiotherapist's chats: the seeded care-team chats and John's family chat, with unread counts.
      await signIn(physio, server, loginOf(server, "physiotherapist").email);
      // The home page renders after its loads; navigating before that would be overdrawn by it.
      await physio.locator("#patients").waitFor(WAIT);
      await physio.getByRole("link", { name: "Chats" }).click();
      const johnCare = physio.locator('#chats li[data-type="Care Team"]', { hasText: "John Doe" });
      await johnCare.waitFor(WAIT);
      await physio.locator('#chats li[data-type="Family Update"]').first().waitFor(WAIT);
      expect(Number(await johnCare.locator(".badge").textContent())).toBeGreaterThanOrEqual(1);
      await shot(physio, "chats-list");

      // The patient reaches the same chat from their home page.
      await signIn(patient, server, "patient.john@demo.rehab-edge.test");
      await patient.locator("#care-team-chat").click();
      await patient.locator('#chats li[data-type="Care Team"] a').first().click();
      await patient.locator("#thread-link.ok").waitFor(WAIT);
      const chatId = /#\/chats\/([0-9a-f-]{36})/.exec(patient.url())![1]!;
      expect(chatId).toBe(careTeam.id);

      await johnCare.locator("a").click();
      await physio.waitForURL(new RegExp(`#/chats/${chatId}$`));
      await physio.locator("#thread-link.ok").waitFor(WAIT);

      // Typing shows on the other side.
      await physio.getByRole("textbox", { name: "Message" }).pressSequentially("Hel");
      await patient.locator("#typing", { hasText: "Physiotherapist is typing" }).waitFor(WAIT);

      // Both ways; the patient has the thread open, so the physiotherapist sees it read. Each
      // text carries this run's tag (a server kept with E2E_READY_FILE holds earlier runs).
      const run = Date.now().toString(36);
      const t = (text: string) => `${text} [${run}]`;
      const line = (page: Page, text: string, mine = "") =>
        page.locator(`#chat-log li.msg${mine}`, { hasText: t(text) });
      await send(physio, t("Hello John, how is the shoulder today?"));
      await line(patient, "Hello John, how is the shoulder today?").waitFor(WAIT);
      const hello = line(physio, "Hello John, how is the shoulder today?", ".mine");
      await hello.locator(".receipt", { hasText: "Read" }).waitFor(WAIT);
      await send(patient, t("Better, thank you. Less pain lifting."));
      await line(physio, "Better, thank you. Less pain lifting.").waitFor(WAIT);

      await line(patient, "Better, thank you. Less pain lifting.", ".mine:not(.pending)").waitFor(
        WAIT,
      );

      // A reconnect while sending. The room stores r1..r3 but its acks never reach the patient.
      patientTap.mute = true;
      for (const n of [1, 2, 3]) await send(patient, t(`r${n} sent before the drop`));
      await line(physio, "r3 sent before the drop").waitFor(WAIT);
      await expect(patient.locator('#chat-log li[data-state="sending"]').count()).resolves.toBe(3);
      // The socket drops and stays down: a new send waits in the outbox; the physio writes meanwhile.
      patientTap.down = true;
      patientTap.drop();
      patientTap.mute = false;
      await patient.locator("#thread-link:not(.ok)").waitFor(WAIT);
      await send(patient, t("r4 sent while offline"));
      await line(patient, "r4 sent while offline", '.pending[data-state="sending"]').waitFor(WAIT);
      await send(physio, t("p5 sent while John was offline"));
      await line(physio, "p5 sent while John was offline", ".mine:not(.pending)").waitFor(WAIT);
      // Back up: the outbox is resent with its ids, what was missed is fetched.
      patientTap.down = false;
      await patient.locator("#thread-link.ok").waitFor(WAIT);
      await patient
        .locator("#chat-log li.pending")
        .first()
        .waitFor({ state: "detached", ...WAIT });
      await line(physio, "r4 sent while offline").waitFor(WAIT);
      await line(patient, "p5 sent while John was offline").waitFor(WAIT);

      const tail = [
        "Hello John, how is the shoulder today?",
        "Better, thank you. Less pain lifting.",
        "r1 sent before the drop",
        "r2 sent before the drop",
        "r3 sent before the drop",
        "p5 sent while John was offline",
        "r4 sent while offline",
      ].map(t);
      for (const page of [physio, patient]) {
        const texts = await shownTexts(page);
        const from = texts.indexOf(tail[0]!);
        expect(texts.slice(from), "each message once, in the room's order").toEqual(tail);
        const seqs = (await page
          .locator("#chat-log li.msg:not(.pending)")
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))))) as number[];
        expect(new Set(seqs).size, "no seq shown twice").toBe(seqs.length);
        expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      }
      await shot(patient, "chats-thread-phone");

      // A file: the physiotherapist attaches an image; John opens it from a blob URL.
      const png = await physio.screenshot({ clip: { x: 0, y: 0, width: 40, height: 30 } });
      await physio.getByRole("textbox", { name: "Message" }).fill(t("Your exercise sheet"));
      await physio.getByLabel("Attach a file (image or PDF)").setInputFiles({
        name: "sheet.png",
        mimeType: "image/png",
        buffer: png,
      });
      const fileMsg = line(patient, "Your exercise sheet");
      await fileMsg.getByRole("button", { name: "Open attachment" }).click(WAIT);
      const img = fileMsg.locator("img.chat-image");
      await img.waitFor(WAIT);
      expect(await img.getAttribute("src")).toMatch(/^blob:/);
      expect(await img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(40);

      // A voice message recorded with the fake microphone; the physiotherapist plays it.
      await patient.getByRole("button", { name: "Record voice message" }).click();
      await patient.getByRole("button", { name: /Stop and send voice \([1-9]\d* s\)/ }).click(WAIT);
      const play = physio.getByRole("button", { name: /Play voice message \(\d+ s\)/ }).last();
      await play.click(WAIT);
      const audio = physio.locator("#chat-log audio").last();
      await audio.waitFor({ state: "attached", ...WAIT });
      expect(await audio.getAttribute("src")).toMatch(/^blob:/);
      // The recording decodes as media (the page's CSP keeps the blob out of reach of fetch).
      const decoded = await audio.evaluate(
        (el: HTMLAudioElement) =>
          new Promise<boolean>((resolve) => {
            if (el.readyState >= 1) return resolve(true);
            el.addEventListener("loadedmetadata", () => resolve(true));
            el.addEventListener("error", () => resolve(false));
          }),
      );
      expect(decoded, "the voice message plays").toBe(true);
      await shot(physio, "chats-thread");

      // The list stays current: John back on his list sees the next message counted as unread.
      await patient.getByRole("link", { name: "All chats" }).click();
      const careRow = patient.locator('#chats li[data-type="Care Team"]');
      await careRow.waitFor(WAIT);
      expect(await careRow.locator(".badge").count()).toBe(0);
      await send(physio, t("One more thing: ice after the exercises."));
      await careRow.locator(".badge", { hasText: "1" }).waitFor(WAIT);
      await expect(careRow.locator(".last").textContent()).resolves.toContain("ice after");
      expect(errors).toEqual([]);
    } catch (error) {
      const status = await Promise.all(
        [physio, patient].map((p) =>
          p
            .locator("#status")
            .textContent()
            .catch(() => ""),
        ),
      );
      await Promise.all([
        shot(physio, "chats-failed-physio"),
        shot(patient, "chats-failed-patient"),
      ]);
      throw new Error(
        `${String(error)}\nstatus: ${JSON.stringify(status)}\nerrors: ${errors.join("; ")}\nlogs:\n${logs.slice(-40).join("\n")}`,
      );
    } finally {
      await clinicCtx.close();
      await patientCtx.close();
    }
  }, 420_000);
});
