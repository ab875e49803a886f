/**
 * The demo clinic loaded by `npm start`: an admin, two clinicians, three patients with care teams
 * and a family member, then its working life (seed.activity.ts). Idempotent: a second run finds
 * the clinic and every part of it and changes nothing.
 * Demo credentials are for local development only; the route does not exist in production.
 */
import { eq } from "drizzle-orm";
import {
  careTeamMembers,
  familyAccess,
  patientSearchTokens,
  patients,
} from "../../db/schema/patients";
import { userPreferences, users, type Role } from "../../db/schema/users";
import { workspaces } from "../../db/schema/workspaces";
import { auditEntry } from "../../lib/audit";
import { hashPassword } from "../../lib/crypto/password";
import { uuidv7 } from "../../lib/ids";
import type { RequestContext } from "../../middleware/request-context";
import { workspaceSetupRows } from "../auth/workspace-setup";
import { newPatientRows } from "../patients/patients.data";
import { demoCast, seedClinicLife } from "./seed.activity";
import { emailIndex, newUserRow } from "../users/users.data";

export const DEMO_PASSWORD = "rehab-demo-password";
const domain = "demo.rehab-edge.test";

type DemoUser = { key: string; role: Role; name: string; title?: string };
const STAFF: DemoUser[] = [
  { key: "admin", role: "admin", name: "Alex Admin", title: "Clinic manager" },
  { key: "physio", role: "physiotherapist", name: "Sam Rivera", title: "PT, DPT" },
  { key: "doctor", role: "doctor", name: "Ada Okafor", title: "MD, Sports medicine" },
];
const PATIENTS = [
  {
    key: "patient.john",
    first: "John",
    last: "Doe",
    mrn: "DEMO-0001",
    dob: "1979-03-15",
    careTeam: ["physio", "doctor"],
    note: "ACL reconstruction, week 6",
  },
  {
    key: "patient.maria",
    first: "Maria",
    last: "Garcia",
    mrn: "DEMO-0002",
    dob: "1988-11-02",
    careTeam: ["physio"],
    note: "Rotator cuff tendinopathy",
  },
  {
    key: "patient.wei",
    first: "Wei",
    last: "Chen",
    mrn: "DEMO-0003",
    dob: "1954-07-21",
    careTeam: ["physio", "doctor"],
    note: "Total knee replacement, post-op",
  },
];
const FAMILY = { key: "family.jane", name: "Jane Doe", follows: "patient.john" };

export const demoEmail = (key: string) => `${key}@${domain}`;

export type SeedResult = {
  workspace_id: string;
  created: boolean;
  /** The parts of the clinic's life made by this call (none when all were there). */
  added: string[];
  password: string;
  logins: { email: string; role: Role; name: string }[];
};

/** The demo clinic's sender number: Twilio's test "From" number, while no workspace owns it. */
export const DEMO_SMS_NUMBER = "+15005550006";

async function demoSmsNumber(ctx: RequestContext) {
  const [owner] = await ctx.db.read([
    ctx.db.orm
      .select({ id: workspaces.id })
      .from(workspaces)
      .where(eq(workspaces.smsNumber, DEMO_SMS_NUMBER))
      .limit(1),
  ]);
  return owner[0] ? null : DEMO_SMS_NUMBER;
}

const castOf = (ctx: RequestContext, workspaceId: string) =>
  demoCast(
    ctx,
    workspaceId,
    [...STAFF.map((u) => u.key), ...PATIENTS.map((p) => p.key), FAMILY.key],
    demoEmail,
  );

/**
 * Loads the clinic (staff, patients, care teams, family access) once, then its working life
 * (seed.activity.ts): each part only if the workspace lacks it, so a second call changes nothing.
 */
export async function seedDemoClinic(ctx: RequestContext): Promise<SeedResult> {
  const logins = [
    ...STAFF.map((u) => ({ email: demoEmail(u.key), role: u.role, name: u.name })),
    ...PATIENTS.map((p) => ({
      email: demoEmail(p.key),
      role: "patient" as Role,
      name: `${p.first} ${p.last}`,
    })),
    { email: demoEmail(FAMILY.key), role: "family" as Role, name: FAMILY.name },
  ];
  const [existing] = await ctx.db.read([
    ctx.db.orm
      .select({ workspaceId: users.workspaceId })
      .from(users)
      .where(eq(users.emailIndex, await emailIndex(ctx.phi, demoEmail("admin"))))
      .limit(1),
  ]);
  if (existing[0]) {
    const workspaceId = existing[0].workspaceId;
    const added = await seedClinicLife(ctx, await castOf(ctx, workspaceId), DEMO_PASSWORD);
    return { workspace_id: workspaceId, created: false, added, password: DEMO_PASSWORD, logins };
  }

  const now = new Date().toISOString();
  const workspaceId = uuidv7();
  const passwordHash = await hashPassword(DEMO_PASSWORD, ctx.env.PASSWORD_PEPPER);
  const ids = new Map<string, string>();
  const writes = [];
  writes.push(
    ctx.db.orm.insert(workspaces).values({
      id: workspaceId,
      name: "Harbour Rehab Demo Clinic",
      // Its own SMS sender number (Twilio's test number) unless another workspace has it already.
      smsNumber: await demoSmsNumber(ctx),
      createdAt: now,
      updatedAt: now,
    }),
  );
  const people: DemoUser[] = [
    ...STAFF,
    ...PATIENTS.map((p) => ({ key: p.key, role: "patient" as Role, name: `${p.first} ${p.last}` })),
    { key: FAMILY.key, role: "family", name: FAMILY.name },
  ];
  for (const person of people) {
    const user = await newUserRow(ctx.phi, {
      workspaceId,
      role: person.role,
      email: demoEmail(person.key),
      name: person.name,
      title: person.title ?? null,
      passwordHash,
    });
    ids.set(person.key, user.id);
    writes.push(
      ctx.db.orm.insert(users).values(user.row),
      ctx.db.orm.insert(userPreferences).values(user.preferences),
    );
  }
  for (const p of PATIENTS) {
    const rows = await newPatientRows(
      ctx.phi,
      workspaceId,
      {
        mrn: p.mrn,
        firstName: p.first,
        lastName: p.last,
        dateOfBirth: p.dob,
        email: demoEmail(p.key),
        notes: p.note,
        consentGiven: true,
        consentDate: now,
        userId: ids.get(p.key)!,
      },
      ids.get("admin")!,
    );
    ids.set(`record:${p.key}`, rows.id);
    writes.push(ctx.db.orm.insert(patients).values(rows.row));
    for (const token of rows.tokens)
      writes.push(ctx.db.orm.insert(patientSearchTokens).values(token));
    for (const member of p.careTeam) {
      writes.push(
        ctx.db.orm.insert(careTeamMembers).values({
          id: uuidv7(),
          workspaceId,
          patientId: rows.id,
          userId: ids.get(member)!,
          addedBy: ids.get("admin")!,
          createdAt: now,
        }),
      );
    }
  }
  writes.push(
    ctx.db.orm.insert(familyAccess).values({
      id: uuidv7(),
      workspaceId,
      patientId: ids.get(`record:${FAMILY.follows}`)!,
      familyUserId: ids.get(FAMILY.key)!,
      scopes: ["chat", "session_summaries", "appointments", "exercises"],
      relationship: "spouse",
      grantedBy: ids.get(FAMILY.follows)!,
      createdAt: now,
    }),
  );
  writes.push(...(await workspaceSetupRows(ctx, workspaceId)));
  writes.push(
    (
      await auditEntry(ctx, {
        workspaceId,
        actorId: null,
        actorRole: "system",
        action: "workspace.created",
        resourceType: "workspace",
        resourceId: workspaceId,
        metadata: { seed: "demo" },
      })
    ).query,
  );
  await ctx.db.write(writes as never);
  const added = await seedClinicLife(ctx, await castOf(ctx, workspaceId), DEMO_PASSWORD);
  return { workspace_id: workspaceId, created: true, added, password: DEMO_PASSWORD, logins };
}
