/**
 * The cron's backfill of `patients.phone_index` for records stored before the column existed: a
 * send by number then finds them, and a number changed meanwhile is not overwritten.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { phoneIndexOf } from "../../src/lib/phone";
import { phiCipherFor } from "../../src/middleware/request-context";
import { indexPatientPhones } from "../../src/modules/sms/sms.backfill";
import { createClinic, createPatientRecord } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { uniquePhone } from "./helpers";

const indexOf = async (id: string) =>
  (await env.DB.prepare("select phone_index from patients where id = ?")
    .bind(id)
    .first<{ phone_index: string | null }>())!.phone_index;

describe("happy", () => {
  it("indexes a patient phone stored without its index; the number becomes textable", async () => {
    const clinic = await createClinic();
    const phone = uniquePhone();
    const p = await createPatientRecord(clinic.workspaceId, {
      careTeam: [clinic.physio.id],
      phone,
    });
    await env.DB.prepare("update patients set phone_index = null where id = ?").bind(p.id).run();
    const send = () =>
      api("POST", "/api/v1/messaging/send-sms", {
        token: clinic.physio.token,
        body: { recipient_phone: phone, message: "Hi" },
      });
    expectStatus(await send(), 404);
    while ((await indexPatientPhones(env)) > 0);
    expect(await indexOf(p.id)).toBe(await phoneIndexOf(phiCipherFor(env), phone));
    expect(expectStatus(await send(), 201).body.data.patient_id).toBe(p.id);
  });
});

describe("security", () => {
  it("matches separators away: +1 (555) ... and +1555... share one index", async () => {
    const phi = phiCipherFor(env);
    expect(await phoneIndexOf(phi, "+1 (555) 010-0100")).toBe(
      await phoneIndexOf(phi, "+15550100100"),
    );
    expect(await phoneIndexOf(phi, "5550100100")).not.toBe(await phoneIndexOf(phi, "+15550100100"));
  });
});
