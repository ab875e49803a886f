/** The chart's read-only parts from `GET /patients/{id}`: profile and the clinical lists. */
import type { Schemas } from "../../api";
import { day } from "./format";

type Detail = Schemas["PatientDetail"];

export function Profile(props: { p: Detail }) {
  const p = props.p;
  const rows: [string, string | null][] = [
    ["MRN", p.mrn],
    ["Date of birth", p.date_of_birth ? day(p.date_of_birth) : null],
    ["Phone", p.phone_number],
    ["Email", p.email],
    ["Address", p.address],
    ["Blood type", p.blood_type],
    [
      "Emergency contact",
      p.emergency_contact
        ? [p.emergency_contact.name, p.emergency_contact.relationship, p.emergency_contact.phone]
            .filter(Boolean)
            .join(", ")
        : null,
    ],
    ["Consent", p.consent_given ? `Given ${day(p.consent_date)}` : "Not given"],
    ["Tags", p.tags.length ? p.tags.join(", ") : null],
    ["Notes", p.notes],
  ];
  return (
    <section aria-labelledby="profile-h" class="chart-part">
      <h3 id="profile-h">Profile</h3>
      <dl class="facts" id="profile">
        {rows
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
      </dl>
    </section>
  );
}

/** A titled list with its empty state; `id` names the list for tests and skip links. */
function Part<T>(props: {
  id: string;
  title: string;
  items: T[];
  empty: string;
  item: (x: T) => unknown;
}) {
  return (
    <section aria-labelledby={`${props.id}-h`} class="chart-part">
      <h3 id={`${props.id}-h`}>{props.title}</h3>
      {props.items.length ? (
        <ul class="list" id={props.id}>
          {props.items.map((x) => (
            <li>{props.item(x)}</li>
          ))}
        </ul>
      ) : (
        <p id={props.id}>{props.empty}</p>
      )}
    </section>
  );
}

export function ClinicalLists(props: { p: Detail }) {
  const p = props.p;
  return (
    <>
      <Part
        id="diagnoses"
        title="Diagnoses (active)"
        items={p.diagnoses}
        empty="No active diagnoses."
        item={(d) => (
          <>
            <strong>{d.diagnosis}</strong>
            {d.icd10_code ? ` (${d.icd10_code})` : ""}
            {d.diagnosed_date ? ` · since ${day(d.diagnosed_date)}` : ""}
          </>
        )}
      />
      <Part
        id="medications"
        title="Medications (active)"
        items={p.medications}
        empty="No active medications."
        item={(m) => (
          <>
            <strong>{m.name}</strong>
            {[m.dosage, m.frequency].filter(Boolean).length
              ? ` ${[m.dosage, m.frequency].filter(Boolean).join(", ")}`
              : ""}
            {m.start_date ? ` · from ${day(m.start_date)}` : ""}
          </>
        )}
      />
      <Part
        id="allergies"
        title="Allergies"
        items={p.allergies}
        empty="No known allergies."
        item={(a) => (
          <>
            <strong>{a.allergy}</strong> <span class={`severity ${a.severity}`}>{a.severity}</span>
            {a.reaction_description ? ` · ${a.reaction_description}` : ""}
          </>
        )}
      />
    </>
  );
}
