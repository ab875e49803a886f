// The benchmark's synthetic clinic, as pure functions: patient records and an appointment plan
// in which no clinician and no patient is ever booked twice at the same time.
import { randomUUID } from "node:crypto";

// prettier-ignore
const FIRST_NAMES = [
  "Amara", "Bilal", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
  "Keiko", "Liam", "Mina", "Nikolai", "Olga", "Pedro", "Quinn", "Rosa", "Sanjay", "Tess",
  "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zara", "Arjun", "Bea", "Carlos", "Dana",
  "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo", "Nora",
];

// prettier-ignore
const LAST_NAMES = [
  "Abbott", "Baptiste", "Castillo", "Dimitrov", "Eriksen", "Fontaine", "Gallagher", "Haddad",
  "Ibarra", "Jankowski", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okonkwo", "Petrov",
  "Quintero", "Rasmussen", "Schneider", "Tanaka", "Ueda", "Varga", "Whitfield", "Xu", "Yilmaz",
  "Zamora", "Albrecht", "Bergstrom", "Carvalho", "Delacroix", "Esposito", "Fitzgerald", "Guerrero",
  "Halvorsen", "Iwasaki", "Jovanovic", "Kaminski", "Lachance", "Mancini", "Novak", "Oyelaran",
  "Pacheco", "Rahman", "Sandoval", "Takahashi", "Urquhart", "Valdez", "Wojcik", "Yamamoto",
  "Zielinski", "Achterberg", "Brennan", "Chaudhry", "Dubois", "Engstrom", "Ferreira", "Greco",
  "Hoffmann", "Ivanova", "Jensen", "Kruger", "Lombardi", "Mbeki", "Nilsen", "Osei", "Pellegrini",
  "Reyes", "Sorensen", "Thorne", "Uribe", "Vasquez", "Weber", "Yoshida", "Zhou", "Andersen",
  "Bianchi", "Cohen", "Duarte", "Edwards", "Fischer", "Gomez", "Hughes", "Ishikawa", "Jaramillo",
  "Kim", "Larsen", "Mendoza", "Nguyen", "Oliveira", "Park", "Rossi", "Silva", "Tran", "Ulloa",
  "Vogel", "Walsh", "Young", "Zhang", "Bauer", "Molina",
];

const TAGS = ["knee", "shoulder", "back", "hip", "post-op", "sports", "neuro", "balance"];

const pad = (n, width) => String(n).padStart(width, "0");

/** The bench patient number `i` (0-based): same input on every run. */
export function patientRecord(i) {
  const year = 1940 + ((i * 37) % 66);
  return {
    mrn: `BENCH-${pad(i + 1, 6)}`,
    first_name: FIRST_NAMES[Math.floor(i / LAST_NAMES.length) % FIRST_NAMES.length],
    last_name: LAST_NAMES[i % LAST_NAMES.length],
    date_of_birth: `${year}-${pad((i % 12) + 1, 2)}-${pad((i % 28) + 1, 2)}`,
    email: `bench.patient.${i + 1}@example.test`,
    phone_number: `+1555${pad(i, 7)}`,
    address: `${(i % 900) + 10} Harbour Street, Unit ${(i % 40) + 1}, Springfield`,
    consent_given: true,
    notes: `Referred for rehabilitation; bench record ${i + 1}.`,
    tags: [TAGS[i % TAGS.length], TAGS[(i * 3 + 1) % TAGS.length]].filter(
      (tag, k, all) => all.indexOf(tag) === k,
    ),
  };
}

/** A last name that several patients share, and one MRN, for the search targets. */
export const searchSamples = (patients) => ({
  lastName: LAST_NAMES[17 % LAST_NAMES.length],
  mrn: patientRecord(Math.min(1234, patients - 1)).mrn,
});

const HOURS = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17]; // slot start times (UTC), one hour apart
const DAY_MS = 86_400_000;

/** Weekdays (Mon-Fri, UTC midnights) of `weeks` weeks starting on the Monday after `from`. */
function workingDays(from, weeks) {
  const start = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (start.getUTCDay() !== 1) start.setUTCDate(start.getUTCDate() + 1);
  const days = [];
  for (let d = 0; d < weeks * 7; d++) {
    const day = new Date(start.getTime() + d * DAY_MS);
    if (day.getUTCDay() >= 1 && day.getUTCDay() <= 5) days.push(day);
  }
  return days;
}

/**
 * `count` appointments over `weeks` weeks of working hours (default 104: one year back, one
 * ahead; BENCH_WEEKS narrows the window so a smaller dataset keeps the calendar week as full), each in its
 * own one-hour slot and shorter than it. Appointment k goes to clinician k % C and patient
 * k % P; each clinician's appointments are spread evenly over the window, offset from the
 * others', so no clinician has two in one slot. A patient's appointments are P/C of the
 * clinician's sequence apart, hence in different slots too. Verified at the end.
 */
export function appointmentPlan({ count, patients, clinicians, weeks = 104, now = new Date() }) {
  const days = workingDays(new Date(now.getTime() - (weeks * 3.5 + 1) * DAY_MS), weeks);
  const slots = days.length * HOURS.length;
  const perClinician = Math.ceil(count / clinicians);
  if (perClinician > slots) {
    throw new Error(`${count} appointments do not fit ${clinicians} clinicians' working hours`);
  }
  const plan = [];
  for (let k = 0; k < count; k++) {
    const clinician = k % clinicians;
    const nth = Math.floor(k / clinicians);
    const slot = Math.floor(((nth + clinician / clinicians) * slots) / perClinician);
    const day = days[Math.floor(slot / HOURS.length)];
    const start = new Date(day.getTime() + HOURS[slot % HOURS.length] * 3600_000);
    const past = start < now;
    plan.push({
      id: randomUUID(),
      patient: k % patients,
      clinician,
      slot,
      scheduled_start: start.toISOString(),
      status: past ? (k % 29 === 0 ? "no_show" : "completed") : "scheduled",
      location_details: `Room ${(clinician % 6) + 1}`,
      notes: past ? "Session done; progress as expected." : "Follow-up; review home exercises.",
    });
  }
  assertNoDoubleBooking(plan);
  return { plan, firstDay: days[0], lastDay: days[days.length - 1] };
}

/** Each slot holds at most one appointment per clinician and per patient. */
function assertNoDoubleBooking(plan) {
  const seen = new Set();
  for (const a of plan) {
    for (const key of [`c${a.clinician}@${a.slot}`, `p${a.patient}@${a.slot}`]) {
      if (seen.has(key)) throw new Error(`Appointment plan double-books ${key}`);
      seen.add(key);
    }
  }
}

/** The clinicians of patient `p` in the plan (indexes), for its care team. */
export function cliniciansOfPatient(p, { count, patients, clinicians }) {
  const found = new Set();
  for (let k = p; k < count; k += patients) found.add(k % clinicians);
  return [...found];
}

/** The Monday 00:00 UTC four weeks after `now`: the calendar week the benchmark reads. */
export function benchWeek(now = new Date()) {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 28));
  while (day.getUTCDay() !== 1) day.setUTCDate(day.getUTCDate() + 1);
  return { start: day, end: new Date(day.getTime() + 7 * DAY_MS) };
}
