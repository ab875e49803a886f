/**
 * The schedule (issue 23), in headless Chromium against `npm start` and its seeded demo clinic:
 * - the physiotherapist opens their week and sees the seeded appointments and time off;
 * - books John into a free slot offered by the API (a first attempt loses its answer on the
 *   network; the client's resend carries the same id, so one appointment exists), and it appears;
 * - tries to book Maria over an existing appointment: the overlap is named next to the time
 *   before submitting, the API's 409 after, and nothing is created;
 * - moves the new appointment (an overlapping time is named in place first), cancels another;
 * - the week on a 360 px phone is a day list without sideways scrolling;
 * - John, signed in, sees his upcoming appointments, the moved one at its new time.
 * Times are UTC in the browser (contexts' timezoneId) as the seed's working hours are, in en-GB
 * (24-hour clock).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const PORT = Number(process.env.E2E_SCHEDULE_PORT ?? 8910);
const DOCS = new URL("../../docs/screenshots", import.meta.url).pathname;
const HOUR = 3_600_000;

type Appt = {
  id: string;
  patient_id: string;
  clinician_id: string;
  scheduled_start: string;
  scheduled_end: string;
  status: string;
};

const ymd = (d: Date) => d.toISOString().slice(0, 10);
const hm = (d: Date) => d.toISOString().slice(11, 16);

/** The next weekday after today (UTC): it has free future slots in working hours. */
function nextWorkday(now = new Date()): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d;
}

async function shot(page: Page, name: string, docs?: string) {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: !docs });
  if (docs) copyFileSync(path, join(DOCS, `schedule-${docs}.png`));
}

describe("schedule", () => {
  let server: Server;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let token: string;
  let physioId: string;
  let patients: Map<string, string>;

  const list = async (query: string) =>
    (await apiCall<Appt[]>(server, "GET", `/api/v1/appointments?page_size=100&${query}`, { token }))
      .body.data;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
    // The first start builds and seeds the clinic; on a shared, busy machine that can take minutes.
    server = attachedServer() ?? (await startServer({ port: PORT, timeoutMs: 400_000 }));
    ({ browser, close: closeBrowser } = await launchChromium());
    const physio = loginOf(server, "physiotherapist");
    const tokens = await apiLogin(server, physio.email);
    token = tokens.access_token;
    physioId = (tokens as unknown as { user: { id: string } }).user.id;
    const found = await apiCall<{ id: string; name: string }[]>(
      server,
      "GET",
      "/api/v1/patients?page_size=100",
      { token },
    );
    patients = new Map(found.body.data.map((p) => [p.name, p.id]));
  }, 420_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.stop();
  });

  /** A scheduled appointment of the physiotherapist in the future: a seeded one, or one booked now. */
  async function futureAppointment(exceptPatient: string, exceptId: string): Promise<Appt> {
    const now = new Date();
    const mine = await list(
      `clinician_id=${physioId}&status=scheduled&start_date=${now.toISOString()}&end_date=${new Date(now.getTime() + 14 * 24 * HOUR).toISOString()}`,
    );
    const seeded = mine.find(
      (a) =>
        a.patient_id !== exceptPatient && a.id !== exceptId && new Date(a.scheduled_start) > now,
    );
    if (seeded) return seeded;
    const day = nextWorkday();
    const start = new Date(day.getTime() + 15 * HOUR);
    const made = await apiCall<Appt>(server, "POST", "/api/v1/appointments", {
      token,
      body: {
        patient_id: patients.get("Wei Chen"),
        clinician_id: physioId,
        scheduled_start: start.toISOString(),
        scheduled_end: new Date(start.getTime() + 45 * 60_000).toISOString(),
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return made.body.data;
  }

  it("happy: week, book a free slot (its lost answer resent), conflict in place, move, cancel; the patient sees it", async () => {
    const clinicCtx = await browser.newContext({
      viewport: { width: 1000, height: 800 },
      timezoneId: "UTC",
      locale: "en-GB",
    });
    const page = await clinicCtx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const explain = async (error: unknown) => {
      const statusLine = await page
        .locator("#status")
        .textContent()
        .catch(() => "");
      throw new Error(`${String(error)}\nstatus: ${statusLine}\nerrors: ${errors.join("; ")}`);
    };
    const john = patients.get("John Doe")!;
    const maria = patients.get("Maria Garcia")!;
    let phone: BrowserContext | undefined;
    let patientCtx: BrowserContext | undefined;
    let adminCtx: BrowserContext | undefined;
    try {
      // The week: the seeded appointments of this week, today marked, Wednesday's time off.
      await signIn(page, server, loginOf(server, "physiotherapist").email);
      await page.locator("#patients li").first().waitFor(); // home has rendered (it renders late)
      await page.getByRole("link", { name: "Schedule" }).click();
      await page.locator(".week .day").first().waitFor();
      const monday = new Date();
      monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
      const seeded = await list(
        `clinician_id=${physioId}&start_date=${ymd(monday)}&end_date=${ymd(new Date(monday.getTime() + 7 * 24 * HOUR))}`,
      );
      expect(seeded.length).toBeGreaterThanOrEqual(14);
      await expect.poll(() => page.locator(".week li.appt").count()).toBe(seeded.length);
      await expect(page.locator(".week .day.today").count()).resolves.toBe(1);
      await expect(page.locator(".week .day[aria-current=date]").count()).resolves.toBe(1);
      await page.locator(".week .timeoff", { hasText: "Time off 13:00–17:00" }).waitFor();
      await shot(page, "schedule-week", "week");

      // Book John into the first free slot the API offers on the next workday.
      const day = nextWorkday();
      await page.locator("#book-open").click();
      await page.getByLabel("Patient").selectOption({ label: "John Doe" });
      await page.locator("#book-day").fill(ymd(day));
      await page.locator("#book-minutes").fill("30");
      const slot = page.locator(`#book-slots[data-day="${ymd(day)}"] .slot`).first();
      await slot.waitFor();
      await slot.click();
      await page.locator("#book-answer", { hasText: "Free" }).waitFor();
      const chosen = await page.locator("#book-time").inputValue();
      const start = new Date(`${ymd(day)}T${chosen}:00Z`);
      // The first answer is lost on the way back (the server booked it): the client resends with
      // the same id, and one appointment exists.
      let posts = 0;
      await page.route("**/api/v1/appointments", async (route) => {
        if (route.request().method() !== "POST" || posts++ > 0) return route.fallback();
        await route.fetch();
        await route.abort("failed");
      });
      const booked = page.waitForResponse(
        (r) => r.url().endsWith("/api/v1/appointments") && r.request().method() === "POST",
      );
      await page.locator("#book-submit").click();
      const created = ((await (await booked).json()) as { data: Appt }).data;
      expect(posts).toBe(2);
      await page.unroute("**/api/v1/appointments");
      expect(created.scheduled_start).toBe(start.toISOString());
      await page
        .locator(`.week li.appt[data-id="${created.id}"]`, { hasText: "John Doe" })
        .waitFor();
      await page.locator("#status", { hasText: "Booked John Doe" }).waitFor();
      const sameTime = (
        await list(
          `patient_id=${john}&start_date=${start.toISOString()}&end_date=${new Date(start.getTime() + 30 * 60_000).toISOString()}`,
        )
      ).filter((a) => a.scheduled_start === start.toISOString());
      expect(sameTime.map((a) => a.id)).toEqual([created.id]);

      // Maria over an existing appointment: named in place before and after submitting.
      const taken = await futureAppointment(maria, created.id);
      const takenStart = new Date(taken.scheduled_start);
      const before = (await list(`clinician_id=${physioId}`)).length;
      await page.locator("#book-open").click();
      await page.getByLabel("Patient").selectOption({ label: "Maria Garcia" });
      await page.locator("#book-day").fill(ymd(takenStart));
      await page.locator("#book-time").fill(hm(takenStart));
      const answer = page.locator("#book-answer.clash");
      const takenName = [...patients].find(([, id]) => id === taken.patient_id)![0];
      await answer
        .filter({ hasText: `Overlaps ${takenName}'s appointment with Sam Rivera` })
        .waitFor();
      await page.locator("#book-submit").click();
      await answer.filter({ hasText: "Not booked: the time is taken." }).waitFor();
      await expect(answer.textContent()).resolves.toContain(`${takenName}'s appointment`);
      await shot(page, "schedule-conflict", "conflict");
      expect((await list(`clinician_id=${physioId}`)).length).toBe(before);

      // Into the seeded time off (this week's Wednesday afternoon): named in place, then the 409.
      const wednesday = new Date(monday.getTime() + 2 * 24 * HOUR);
      await page.locator("#book-day").fill(ymd(wednesday));
      await page.locator("#book-time").fill("15:00");
      const off = "Sam Rivera is on time off Wed 9 Dec, 13:00–17:00".replace(
        "Wed 9 Dec",
        wednesday.toLocaleDateString("en-GB", {
          weekday: "short",
          day: "numeric",
          month: "short",
          timeZone: "UTC",
        }),
      );
      await answer.filter({ hasText: "This time is not free" }).filter({ hasText: off }).waitFor();
      await page.locator("#book-submit").click();
      await answer.filter({ hasText: "Not booked" }).filter({ hasText: off }).waitFor();
      expect((await list(`clinician_id=${physioId}`)).length).toBe(before);
      await page.getByRole("button", { name: "Close" }).click();

      // Move the new appointment: onto the taken time first (named in place), then a free slot.
      await page.locator(`.week li.appt[data-id="${created.id}"] button`).click();
      await page.locator("#appt-move").click();
      await page.locator("#move-day").fill(ymd(takenStart));
      await page.locator("#move-time").fill(hm(takenStart));
      await page.locator("#move-answer.clash", { hasText: `${takenName}'s appointment` }).waitFor();
      await page.locator("#move-day").fill(ymd(day));
      const lastSlot = page.locator(`#move-slots[data-day="${ymd(day)}"] .slot`).last();
      await lastSlot.waitFor();
      await lastSlot.click();
      await page.locator("#move-answer", { hasText: "Free" }).waitFor();
      const movedTo = new Date(`${ymd(day)}T${await page.locator("#move-time").inputValue()}:00Z`);
      expect(movedTo.getTime()).not.toBe(start.getTime());
      await page.locator("#move-submit").click();
      await page.locator("#status", { hasText: "Moved to" }).waitFor();
      const moved = await apiCall<Appt>(server, "GET", `/api/v1/appointments/${created.id}`, {
        token,
      });
      expect(moved.body.data.scheduled_start).toBe(movedTo.toISOString());
      expect(moved.body.data.scheduled_end).toBe(
        new Date(movedTo.getTime() + 30 * 60_000).toISOString(),
      );
      await page
        .locator(`.week li.appt[data-id="${created.id}"]`, { hasText: hm(movedTo) })
        .waitFor();

      // Cancel the other one.
      if (
        new Date(taken.scheduled_start) >= new Date(ymd(new Date(monday.getTime() + 7 * 24 * HOUR)))
      )
        await page.locator("#week-next").click();
      await page.locator(`.week li.appt[data-id="${taken.id}"] button`).click();
      await page.locator("#appt-cancel").click();
      await page.locator("#cancel-confirm").click();
      await page.locator(`.week li.appt-cancelled[data-id="${taken.id}"]`).waitFor();
      const cancelled = await apiCall<Appt>(server, "GET", `/api/v1/appointments/${taken.id}`, {
        token,
      });
      expect(cancelled.body.data.status).toBe("cancelled");

      // On a 360 px phone the week is one column of days, nothing scrolls sideways.
      phone = await browser.newContext({
        viewport: { width: 360, height: 740 },
        timezoneId: "UTC",
        locale: "en-GB",
      });
      const small = await phone.newPage();
      await signIn(small, server, loginOf(server, "physiotherapist").email);
      await small.locator("#patients li").first().waitFor();
      await small.getByRole("link", { name: "Schedule" }).click();
      await small.locator(".week li.appt").first().waitFor();
      const widths = await small.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        days: new Set(
          Array.from(document.querySelectorAll(".week .day")).map(
            (d) => d.getBoundingClientRect().left,
          ),
        ).size,
      }));
      expect(widths.page).toBeLessThanOrEqual(360);
      expect(widths.days).toBe(1);

      // An admin picks whose week: the doctor's seeded appointments, named by clinician filter.
      adminCtx = await browser.newContext({
        viewport: { width: 1000, height: 800 },
        timezoneId: "UTC",
        locale: "en-GB",
      });
      const admin = await adminCtx.newPage();
      await signIn(admin, server, loginOf(server, "admin").email);
      await admin.locator("#patients, #status.error").first().waitFor(); // home settled
      await admin.getByRole("link", { name: "Schedule" }).click();
      await admin.getByLabel("Clinician").selectOption({ label: "Ada Okafor" });
      const doctorWeek = (
        await list(
          `start_date=${ymd(monday)}&end_date=${ymd(new Date(monday.getTime() + 7 * 24 * HOUR))}`,
        )
      ).filter((a) => a.clinician_id !== physioId);
      expect(doctorWeek.length).toBeGreaterThanOrEqual(1);
      for (const a of doctorWeek) await admin.locator(`.week li.appt[data-id="${a.id}"]`).waitFor();
      await expect.poll(() => admin.locator(".week li.appt").count()).toBe(doctorWeek.length);

      // John sees his upcoming appointments, the moved one at its new time.
      patientCtx = await browser.newContext({
        viewport: { width: 390, height: 800 },
        timezoneId: "UTC",
        locale: "en-GB",
      });
      const patient = await patientCtx.newPage();
      await signIn(patient, server, "patient.john@demo.rehab-edge.test");
      const mineLi = patient.locator(`#upcoming-appointments li[data-id="${created.id}"]`);
      await mineLi.waitFor();
      await expect(mineLi.textContent()).resolves.toContain(hm(movedTo));
      await expect(mineLi.textContent()).resolves.toContain("with Sam Rivera");
      await patient.locator("#upcoming-title").scrollIntoViewIfNeeded();
      await shot(patient, "schedule-patient-upcoming", "patient-upcoming");
      expect(errors).toEqual([]);
    } catch (error) {
      await shot(page, "schedule-failure").catch(() => undefined);
      await explain(error);
    } finally {
      await phone?.close();
      await patientCtx?.close();
      await adminCtx?.close();
      await clinicCtx.close();
    }
  }, 240_000);
});
