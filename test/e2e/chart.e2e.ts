/**
 * The patient chart (issue 23), in headless Chromium against `npm start` and its demo clinic:
 * - the physiotherapist finds John in the patient list (the API's search), opens his chart and sees
 *   the seeded diagnoses, medications, allergies, the vitals chart with its table, the care team,
 *   and family access explained (the patient's or an admin's to see);
 * - assigns a lunge from the catalog (its joint targets shown); a bad value first shows the API's
 *   field error on that field; the patient's home page (another browser context) lists the new
 *   exercise; the physiotherapist edits it, then ends it, and the patient no longer sees it;
 * - a record the caller may not see reads "not on your list" (the API's 404), and the chart is
 *   usable on a 390 px phone (no sideways scrolling).
 * Screenshots go to test/e2e/screenshots/ and, for the docs, docs/screenshots/chart-*.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
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
  signIn as signInAs,
} from "./harness";

const PORT = Number(process.env.E2E_CHART_PORT ?? 8920);
const DOCS = new URL("../../docs/screenshots", import.meta.url).pathname;
const JOHN = "patient.john@demo.rehab-edge.test";
const WAIT = { timeout: 60_000 };

async function signIn(page: Page, server: Server, email: string) {
  await signInAs(page, server, email);
  // The home page renders once its lists are in; navigating before that would let the late home
  // render replace the next page (the hand-built pages do not know they were left).
  await page.locator("#main h2", { hasNotText: "Sign in" }).waitFor(WAIT);
}

/**
 * A full-page screenshot for this run; `doc` also saves a smaller one for the docs
 * (docs/screenshots/chart-<doc>.png: the viewport, or just `part` when given).
 */
async function shot(page: Page, name: string, doc?: string, part?: Locator) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  if (doc) await (part ?? page).screenshot({ path: join(DOCS, `chart-${doc}.png`) });
}

/** What a page showed and logged, added to a failure so it explains itself. */
function watch(pages: Page[]) {
  const errors: string[] = [];
  for (const p of pages) p.on("pageerror", (e) => errors.push(e.message));
  return {
    errors,
    explain: async (error: unknown): Promise<never> => {
      const text = (selector: string) =>
        Promise.all(
          pages.map((p) =>
            p
              .locator(selector)
              .textContent()
              .catch(() => ""),
          ),
        );
      const [status, main] = [await text("#status"), await text("#main")];
      throw new Error(
        `${String(error)}\nstatus: ${JSON.stringify(status)}\nmain: ${JSON.stringify(main)}\nerrors: ${errors.join("; ")}`,
      );
    },
  };
}

describe("patient chart", () => {
  let server: Server;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
    // A busy shared machine can take minutes to bring wrangler up and seed the clinic.
    server = attachedServer() ?? (await startServer({ port: PORT, timeoutMs: 420_000 }));
    ({ browser, close: closeBrowser } = await launchChromium());
  }, 480_000);

  /** John's lunge assignments, straight from the API (any earlier run's included). */
  async function lungesOf(patientId: string) {
    const token = (await apiLogin(server, loginOf(server, "physiotherapist").email)).access_token;
    const listed = await apiCall<
      {
        id: string;
        exercise_type: { slug: string };
        status: string;
        sets: number;
        repetitions: number;
      }[]
    >(server, "GET", `/api/v1/exercises/patient/${patientId}?page_size=100`, { token });
    return listed.body.data.filter((a) => a.exercise_type.slug === "lunge");
  }

  afterAll(async () => {
    await closeBrowser?.();
    await server?.stop();
  });

  it("happy: chart parts, then assign (a bad value shown in place), edit and end; the patient sees it", async () => {
    const clinicCtx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const patientCtx = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const clinician = await clinicCtx.newPage();
    const patient = await patientCtx.newPage();
    const { errors, explain } = watch([clinician, patient]);
    try {
      // Both sign in at once (separate contexts).
      await Promise.all([
        signIn(clinician, server, loginOf(server, "physiotherapist").email),
        signIn(patient, server, JOHN),
      ]);

      // The patient list, searched through the API, with the review counts of the home page.
      await clinician.getByRole("link", { name: "Patients" }).click();
      await clinician.locator("#patient-list li").first().waitFor(WAIT);
      expect(await clinician.locator("#patient-list li").count()).toBe(3);
      await clinician.getByLabel("Search by MRN or name").fill("garcia");
      await clinician.getByRole("button", { name: "Search" }).click();
      await expect
        .poll(() => clinician.locator("#patients-count").textContent(), WAIT)
        .toMatch(/^1 patient matches/);
      expect(await clinician.locator("#patient-list").textContent()).toContain("Maria Garcia");
      expect(await clinician.locator("#patient-list").textContent()).toMatch(/1 to review/);
      await clinician.getByRole("button", { name: "Show all" }).click();
      await clinician.getByRole("link", { name: "John Doe", exact: true }).click();
      await clinician.waitForURL(/#\/patients\/[0-9a-f-]{36}$/);
      const patientId = /#\/patients\/([0-9a-f-]{36})/.exec(clinician.url())![1]!;
      const lungesBefore = await lungesOf(patientId);
      const lungeIdsBefore = lungesBefore.map((a) => a.id);
      const activeBefore = lungesBefore.filter((a) => a.status !== "Completed").length;

      // The chart: seeded clinical parts, the vitals chart (one line per series) and its table.
      await clinician.locator("#chart-name", { hasText: "John Doe" }).waitFor(WAIT);
      await clinician
        .locator("#diagnoses", { hasText: "anterior cruciate ligament" })
        .waitFor(WAIT);
      expect(await clinician.locator("#diagnoses li").count()).toBe(2);
      expect(await clinician.locator("#medications").textContent()).toContain("Ibuprofen");
      expect(await clinician.locator("#allergies").textContent()).toContain("Penicillin");
      await clinician.locator("#vitals-chart polyline").first().waitFor(WAIT);
      expect(await clinician.locator("#vitals-chart polyline").count()).toBe(3);
      expect(await clinician.locator("#vitals-chart circle.marker").count()).toBe(6);
      expect(await clinician.locator("#vitals-table tbody tr").count()).toBe(6);
      expect(await clinician.locator("#vitals-chart").getAttribute("aria-labelledby")).toBeTruthy();
      await clinician.locator("#care-team li").first().waitFor(WAIT);
      expect(await clinician.locator("#care-team").textContent()).toContain("physiotherapist");
      await clinician
        .locator("#family-access", { hasText: "Only the patient or a clinic admin" })
        .waitFor(WAIT);
      await clinician.locator("#chart-sessions li").first().waitFor(WAIT);
      for (const href of [`#/progress/${patientId}`, `#/notes/new/${patientId}`, "#/chats"])
        expect(await clinician.locator(`.chart-links a[href="${href}"]`).count()).toBe(1);
      await shot(clinician, "chart-john", "chart");

      // Assign from the catalog: the lunge's joint targets are shown.
      await clinician.getByRole("button", { name: "Assign an exercise" }).click();
      const picker = clinician.getByLabel("Exercise", { exact: true });
      const lunge = await clinician
        .locator('#assign-type option[data-slug="lunge"]')
        .getAttribute("value");
      await picker.selectOption(lunge!);
      await clinician.locator('#joint-targets tr[data-joint="knee_left"]').waitFor(WAIT);
      // A bad value: the API's 422 appears on the Sets field, which is marked and focused.
      await clinician.getByLabel("Sets").fill("50");
      await clinician.getByLabel("Repetitions per set").fill("8");
      await clinician.getByLabel("Times a week").fill("4");
      await clinician
        .getByLabel("Instructions for the patient")
        .fill("Hold the rail if you need to.");
      await clinician.getByRole("button", { name: "Assign", exact: true }).click();
      await clinician.locator("#assign-sets-error").waitFor(WAIT);
      expect(await clinician.locator("#assign-sets-error").textContent()).toMatch(/20/);
      expect(await clinician.locator("#assign-sets").getAttribute("aria-invalid")).toBe("true");
      expect(await clinician.evaluate(() => document.activeElement?.id)).toBe("assign-sets");
      await shot(clinician, "chart-assign-error", "assign-form", clinician.locator("#assign-form"));
      await clinician.getByLabel("Sets").fill("2");
      await clinician.getByRole("button", { name: "Assign", exact: true }).click();
      // The new row (an earlier run against an attached server may have left lunges too).
      await clinician.locator("#assignments-status", { hasText: "Lunge assigned." }).waitFor(WAIT);
      const known = new Set(lungeIdsBefore);
      let assignmentId = "";
      await expect
        .poll(async () => {
          const ids = await clinician
            .locator('#active-assignments li[data-slug="lunge"]')
            .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-assignment")!));
          assignmentId = ids.find((id) => !known.has(id)) ?? "";
          return assignmentId;
        }, WAIT)
        .not.toBe("");
      const row = clinician.locator(`#active-assignments li[data-assignment="${assignmentId}"]`);
      expect(await row.textContent()).toMatch(/2 sets × 8 reps.*4× a week/);

      // The patient's home page lists it.
      await patient.reload();
      const patientLunges = patient.locator('#assignments button[data-slug="lunge"]');
      await expect.poll(() => patientLunges.count(), WAIT).toBe(activeBefore + 1);
      await shot(patient, "chart-patient-home");

      // Edit: more repetitions.
      await row.getByRole("button", { name: "Edit Lunge" }).click();
      await row.getByLabel("Repetitions per set").fill("12");
      await row.getByRole("button", { name: "Save changes" }).click();
      await clinician.locator("#assignments-status", { hasText: "Lunge changed." }).waitFor(WAIT);
      await expect.poll(() => row.textContent(), WAIT).toMatch(/2 sets × 12 reps/);

      // End it: confirmed, moved to the ended list; the patient no longer sees it.
      await row.getByRole("button", { name: "End Lunge" }).click();
      await row.getByRole("button", { name: "Yes, end it" }).click();
      await clinician
        .locator(`#ended-assignments li[data-assignment="${assignmentId}"]`)
        .waitFor(WAIT);
      expect(await row.count()).toBe(0);
      await patient.reload();
      await patient.locator("#assignments li").first().waitFor(WAIT);
      expect(await patientLunges.count()).toBe(activeBefore);

      // The API holds one new lunge for John (the refused try made none), ended, edited.
      const after = await lungesOf(patientId);
      expect(after.length).toBe(lungeIdsBefore.length + 1);
      expect(after.find((a) => a.id === assignmentId)).toMatchObject({
        status: "Completed",
        repetitions: 12,
        sets: 2,
      });
    } catch (error) {
      await explain(error);
    }
    expect(errors).toEqual([]);
    await Promise.all([clinicCtx.close(), patientCtx.close()]);
  }, 240_000);

  it("errors: a record outside the caller's list is 'not on your list'; the chart fits a phone", async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await ctx.newPage();
    const { errors, explain } = watch([page]);
    try {
      await signIn(page, server, loginOf(server, "physiotherapist").email);
      await page.goto(`${server.base}/console#/patients/00000000-0000-7000-8000-000000000000`);
      await page.locator("#chart-refused", { hasText: "not on your list" }).waitFor(WAIT);

      await page.goto(`${server.base}/console#/patients`);
      await page.getByRole("link", { name: "Wei Chen", exact: true }).click();
      await page.locator("#vitals-table tbody tr").first().waitFor(WAIT);
      await page.locator("#active-assignments li").first().waitFor(WAIT);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, "chart-phone", "phone");
    } catch (error) {
      await explain(error);
    }
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);
});
