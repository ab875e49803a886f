/**
 * A clinic with one user of every role, written straight to D1 through the same row builders the
 * service verbs use, with live sessions and access tokens:
 * - physiotherapist on the care team of `patient` (the record of the patient user);
 * - doctor on the care team of `otherPatient`; nurse on no care team;
 * - family with access to `patient` (scopes chat, session_summaries).
 */
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { authSessions, refreshTokens } from "../../src/db/schema/auth";
import {
  careTeamMembers,
  familyAccess,
  patientSearchTokens,
  patients,
} from "../../src/db/schema/patients";
import { userPreferences, users, type Role } from "../../src/db/schema/users";
import { workspaces } from "../../src/db/schema/workspaces";
import { hashPassword } from "../../src/lib/crypto/password";
import { uuidv7 } from "../../src/lib/ids";
import { phiCipherFor } from "../../src/middleware/request-context";
import { openSession } from "../../src/modules/auth/auth.sessions";
import { newPatientRows } from "../../src/modules/patients/patients.data";
import { newUserRow } from "../../src/modules/users/users.data";

export const PASSWORD = "correct horse battery staple";
/** Every fixture patient's phone unless given: the same in every clinic, as a shared phone would be. */
export const PATIENT_PHONE = "+15550001111";
let passwordHash: Promise<string> | null = null;

export type TestUser = {
  id: string;
  email: string;
  name: string;
  role: Role;
  token: string;
  refreshToken: string;
  sessionId: string;
};

export type Clinic = {
  workspaceId: string;
  /** The clinic's own SMS sender number (unique across clinics, as the schema requires). */
  smsNumber: string;
  admin: TestUser;
  physio: TestUser;
  doctor: TestUser;
  nurse: TestUser;
  patientUser: TestUser;
  otherPatientUser: TestUser;
  family: TestUser;
  patient: { id: string; mrn: string };
  otherPatient: { id: string; mrn: string };
  users: Record<Role, TestUser>;
};

let counter = 0;

/** A sender number no other clinic has: +4470 and ten random digits (E.164, 14 digits). */
export function uniqueSmsNumber() {
  const [a, b] = crypto.getRandomValues(new Uint32Array(2));
  const five = (n: number) => String(n % 100_000).padStart(5, "0");
  return `+4470${five(a!)}${five(b!)}`;
}

export async function createUser(
  workspaceId: string,
  role: Role,
  name?: string,
): Promise<TestUser> {
  const db = drizzle(env.DB);
  const phi = phiCipherFor(env);
  const n = ++counter;
  const email = `${role}.${n}.${uuidv7().slice(-8)}@example.test`;
  const fullName = name ?? `${role[0]!.toUpperCase()}${role.slice(1)} Person${n}`;
  passwordHash ??= hashPassword(PASSWORD, env.PASSWORD_PEPPER);
  const user = await newUserRow(phi, {
    workspaceId,
    role,
    email,
    name: fullName,
    passwordHash: await passwordHash,
  });
  const session = await openSession(env.JWT_SECRET, { id: user.id, workspaceId, role }, "password");
  await db.batch([
    db.insert(users).values(user.row),
    db.insert(userPreferences).values(user.preferences),
    db.insert(authSessions).values(session.session),
    db.insert(refreshTokens).values(session.refreshRow),
  ]);
  return {
    id: user.id,
    email,
    name: fullName,
    role,
    token: session.access.token,
    refreshToken: session.refresh.token,
    sessionId: session.sessionId,
  };
}

export async function createPatientRecord(
  workspaceId: string,
  opts: {
    userId?: string | null;
    firstName?: string;
    lastName?: string;
    careTeam?: string[];
    phone?: string;
  } = {},
) {
  const db = drizzle(env.DB);
  const phi = phiCipherFor(env);
  const mrn = `MRN-${uuidv7().slice(-10)}`;
  const rows = await newPatientRows(
    phi,
    workspaceId,
    {
      mrn,
      firstName: opts.firstName ?? "Pat",
      lastName: opts.lastName ?? `Ient${++counter}`,
      dateOfBirth: "1980-04-12",
      phone: opts.phone ?? PATIENT_PHONE,
      address: "12 Harbour Road",
      userId: opts.userId ?? null,
      consentGiven: true,
    },
    null,
  );
  const now = new Date().toISOString();
  await db.batch([
    db.insert(patients).values(rows.row),
    ...rows.tokens.map((t) => db.insert(patientSearchTokens).values(t)),
    ...(opts.careTeam ?? []).map((userId) =>
      db
        .insert(careTeamMembers)
        .values({ id: uuidv7(), workspaceId, patientId: rows.id, userId, createdAt: now }),
    ),
  ]);
  return { id: rows.id, mrn };
}

export async function createClinic(name = "Test Clinic"): Promise<Clinic> {
  const db = drizzle(env.DB);
  const workspaceId = uuidv7();
  const smsNumber = uniqueSmsNumber();
  const now = new Date().toISOString();
  await db
    .insert(workspaces)
    .values({ id: workspaceId, name, smsNumber, createdAt: now, updatedAt: now });
  const [admin, physio, doctor, nurse, patientUser, otherPatientUser, family] = await Promise.all([
    createUser(workspaceId, "admin"),
    createUser(workspaceId, "physiotherapist"),
    createUser(workspaceId, "doctor"),
    createUser(workspaceId, "nurse"),
    createUser(workspaceId, "patient"),
    createUser(workspaceId, "patient"),
    createUser(workspaceId, "family"),
  ]);
  const patient = await createPatientRecord(workspaceId, {
    userId: patientUser!.id,
    careTeam: [physio!.id],
  });
  const otherPatient = await createPatientRecord(workspaceId, {
    userId: otherPatientUser!.id,
    careTeam: [doctor!.id],
  });
  await db.insert(familyAccess).values({
    id: uuidv7(),
    workspaceId,
    patientId: patient.id,
    familyUserId: family!.id,
    scopes: ["chat", "session_summaries"],
    relationship: "spouse",
    grantedBy: patientUser!.id,
    createdAt: now,
  });
  return {
    workspaceId,
    smsNumber,
    admin: admin!,
    physio: physio!,
    doctor: doctor!,
    nurse: nurse!,
    patientUser: patientUser!,
    otherPatientUser: otherPatientUser!,
    family: family!,
    patient,
    otherPatient,
    users: {
      admin: admin!,
      physiotherapist: physio!,
      doctor: doctor!,
      nurse: nurse!,
      patient: patientUser!,
      family: family!,
    },
  };
}
