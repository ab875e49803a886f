/**
 * The chart's people: the care team, and who the patient shares with (family access). The API
 * decides who may see and change each: family access is the patient's or an admin's to read and
 * change, so a clinician is told so instead of shown an error.
 */
import { useState } from "hono/jsx/dom";
import { api, session, type Schemas } from "../../api";
import { errorText } from "../../ui";
import { Field, fieldErrors, Loading, useLoad } from "../../view";

type Scope = Schemas["FamilyAccessGrant"]["scopes"][number];
const SCOPES: { value: Scope; label: string }[] = [
  { value: "chat", label: "Family chat" },
  { value: "session_summaries", label: "Session summaries" },
  { value: "appointments", label: "Appointments" },
  { value: "exercises", label: "Exercises" },
];

export function CareTeam(props: { patientId: string }) {
  const team = useLoad(
    () => api.GET("/api/v1/patients/{id}/care-team", { params: { path: { id: props.patientId } } }),
    [props.patientId],
  );
  return (
    <section aria-labelledby="care-team-h" class="chart-part">
      <h3 id="care-team-h">Care team</h3>
      <Loading loaded={team}>
        {(members) =>
          members.length ? (
            <ul class="list" id="care-team">
              {members.map((m) => (
                <li>
                  <strong>{m.name}</strong> · {m.role}
                  {m.title ? ` · ${m.title}` : ""}
                </li>
              ))}
            </ul>
          ) : (
            <p id="care-team">Nobody is on the care team yet.</p>
          )
        }
      </Loading>
    </section>
  );
}

export function FamilyAccess(props: { patientId: string }) {
  const grants = useLoad(
    () =>
      api.GET("/api/v1/patients/{id}/family-access", {
        params: { path: { id: props.patientId } },
      }),
    [props.patientId],
  );
  const [message, setMessage] = useState<string | null>(null);
  const canChange = session.user?.role === "admin" || session.user?.role === "patient";

  async function revoke(grant: Schemas["FamilyAccessGrant"]) {
    setMessage(null);
    try {
      await api.DELETE("/api/v1/patients/{id}/family-access/{family_user_id}", {
        params: { path: { id: props.patientId, family_user_id: grant.family_user_id } },
      });
      setMessage(`${grant.name} no longer has family access.`);
      grants.reload();
    } catch (error) {
      setMessage(`Could not revoke: ${errorText(error)}`);
    }
  }

  return (
    <section aria-labelledby="family-h" class="chart-part" id="family-access">
      <h3 id="family-h">Family access</h3>
      {grants.status === 403 ? (
        <p>Only the patient or a clinic admin can see and change who has family access.</p>
      ) : (
        <Loading loaded={grants}>
          {(list) => (
            <>
              {list.length ? (
                <ul class="list">
                  {list.map((g) => (
                    <li>
                      <strong>{g.name}</strong>
                      {g.relationship ? ` (${g.relationship})` : ""} ·{" "}
                      {g.scopes
                        .map((s) => SCOPES.find((x) => x.value === s)?.label ?? s)
                        .join(", ")}{" "}
                      {canChange ? (
                        <button type="button" class="link" onClick={() => void revoke(g)}>
                          Revoke access of {g.name}
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : (
                <p>Nobody has family access.</p>
              )}
              {session.user?.role === "admin" ? (
                <GrantForm patientId={props.patientId} onDone={grants.reload} />
              ) : null}
            </>
          )}
        </Loading>
      )}
      <p role="status" aria-live="polite">
        {message ?? ""}
      </p>
    </section>
  );
}

/** Admin: share the record with a family-role user of the clinic. */
function GrantForm(props: { patientId: string; onDone: () => void }) {
  const family = useLoad(
    () => api.GET("/api/v1/users", { params: { query: { role: "family", page_size: 100 } } }),
    [],
  );
  const [who, setWho] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["chat", "session_summaries"]);
  const [relationship, setRelationship] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    try {
      await api.POST("/api/v1/patients/{id}/family-access", {
        params: { path: { id: props.patientId } },
        body: {
          family_user_id: who,
          scopes,
          ...(relationship.trim() && { relationship: relationship.trim() }),
        },
      });
      setWho("");
      props.onDone();
    } catch (error) {
      const f = fieldErrors(error);
      setErrors(f);
      if (!Object.keys(f).length) setFailure(errorText(error));
    }
  }

  return (
    <Loading loaded={family}>
      {(users) => (
        <form class="inline-form" onSubmit={submit} noValidate aria-labelledby="grant-h">
          <h4 id="grant-h">Give family access</h4>
          <Field id="grant-who" label="Family member" error={errors.family_user_id}>
            <select
              id="grant-who"
              value={who}
              onChange={(e: Event) => setWho((e.target as HTMLSelectElement).value)}
            >
              <option value="">Choose…</option>
              {users.map((u) => (
                <option value={u.id}>{u.name}</option>
              ))}
            </select>
          </Field>
          <fieldset>
            <legend>What they may see</legend>
            {SCOPES.map((s) => (
              <label class="check">
                <input
                  type="checkbox"
                  checked={scopes.includes(s.value)}
                  onChange={(e: Event) =>
                    setScopes((now) =>
                      (e.target as HTMLInputElement).checked
                        ? [...now, s.value]
                        : now.filter((x) => x !== s.value),
                    )
                  }
                />{" "}
                {s.label}
              </label>
            ))}
            {errors.scopes ? (
              <span class="field-error" role="alert">
                {errors.scopes}
              </span>
            ) : null}
          </fieldset>
          <Field id="grant-rel" label="Relationship (optional)" error={errors.relationship}>
            <input
              id="grant-rel"
              value={relationship}
              onInput={(e: Event) => setRelationship((e.target as HTMLInputElement).value)}
            />
          </Field>
          <button type="submit">Give access</button>
          {failure ? (
            <p class="error" role="alert">
              {failure}
            </p>
          ) : null}
        </form>
      )}
    </Loading>
  );
}
