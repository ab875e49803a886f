/**
 * Cron: writes the phone blind index (`patients.phone_index`) of patient records stored before the
 * column existed, a bounded batch per run, so a send by number finds every patient's number.
 *
 * Invariant: a row is updated only while its phone is still the one that was read (`phone_enc`
 * unchanged), so a concurrent edit of the number is never overwritten with a stale index.
 */
import { drizzle } from "drizzle-orm/d1";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Bindings } from "../../env";
import { patients } from "../../db/schema/patients";
import { phoneIndexOf } from "../../lib/phone";
import { phiCipherFor } from "../../middleware/request-context";
import { patientRef } from "../patients/patients.data";

/** Indexes up to `limit` unindexed patient phones; returns how many it indexed. */
export async function indexPatientPhones(env: Bindings, limit = 200) {
  const db = drizzle(env.DB);
  const rows = await db
    .select({ id: patients.id, phoneEnc: patients.phoneEnc })
    .from(patients)
    .where(and(isNotNull(patients.phoneEnc), isNull(patients.phoneIndex)))
    .limit(limit);
  if (rows.length === 0) return 0;
  const phi = phiCipherFor(env);
  // A phone that does not decrypt gets the empty index (it matches no number) rather than
  // being picked again on every run ahead of the rows behind it.
  const indexes = await Promise.all(
    rows.map((row) =>
      phi
        .decrypt(row.phoneEnc!, patientRef(row.id, "phone"))
        .then((phone) => phoneIndexOf(phi, phone))
        .catch(() => ""),
    ),
  );
  const [first, ...rest] = rows.map((row, i) =>
    db
      .update(patients)
      .set({ phoneIndex: indexes[i]! })
      .where(and(eq(patients.id, row.id), eq(patients.phoneEnc, row.phoneEnc!))),
  );
  await db.batch([first!, ...rest]);
  return rows.length;
}
