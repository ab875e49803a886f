/** Sign-in (with the second factor when the API asks for it) and each role's home page. */
import { api, idempotent, needsMfa, session, signIn, type Schemas } from "../api";
import { errorText, fmt, h, render, status } from "../ui";
import { callButtonIsland } from "../components/CallButton";
import { island } from "../view";
import { uploads } from "./exercise";
import { upcomingAppointments } from "./schedule/UpcomingAppointments";

export type CreatedSession = Schemas["CreatedExerciseSession"];
type SessionItem = Schemas["ExerciseSessionListItem"];

export function loginView(onDone: () => void) {
  const email = h("input", {
    id: "email",
    type: "email",
    autocomplete: "username",
    required: true,
  });
  const password = h("input", {
    id: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const code = h("input", {
    id: "mfa",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9A-Za-z-]{6,9}",
  });
  const mfaRow = h("p", { hidden: true }, h("label", { for: "mfa" }, "Authenticator code"), code);
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title" }, "Sign in"),
    h("p", {}, h("label", { for: "email" }, "Email"), email),
    h("p", {}, h("label", { for: "password" }, "Password"), password),
    mfaRow,
    h("button", { type: "submit", id: "signin" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status("Signing in…");
    try {
      await signIn(email.value.trim(), password.value, code.value.trim() || undefined);
      status(`Signed in as ${session.user?.name}.`, "ok");
      onDone();
    } catch (error) {
      if (needsMfa(error)) {
        mfaRow.hidden = false;
        code.focus();
        status("Enter the 6-digit code from your authenticator app (or a backup code).", "error");
      } else status(errorText(error), "error");
    }
  });
  render(form);
  email.focus();
}

export async function homeView() {
  const user = session.user!;
  if (user.role === "patient") return patientHome();
  if (user.role === "family") {
    render(h("h2", {}, "Family access"), h("p", {}, "Session summaries are in the mobile app."));
    return;
  }
  return clinicianHome();
}

async function patientHome() {
  const patients = await api.GET("/api/v1/patients");
  const me = patients[0];
  if (!me) {
    render(h("p", {}, "No patient record is linked to this login yet."));
    return;
  }
  const assignments = await api.GET("/api/v1/exercises/patient/{patient_id}", {
    params: { path: { patient_id: me.id }, query: { page_size: 50 } },
  });
  const list = h("ul", { class: "list", id: "assignments" });
  for (const a of assignments.filter((x) => x.exercise_type && x.status !== "Completed")) {
    const start = h("button", { type: "button", "data-slug": a.exercise_type!.slug }, "Start");
    // One key per intended session: a click retried after a network error gets the same session.
    let key = crypto.randomUUID();
    start.addEventListener("click", async () => {
      start.disabled = true;
      try {
        const created = await createSession({ patient_id: me.id, assignment_id: a.id }, key);
        key = crypto.randomUUID();
        uploads.set(created.session_id, created.upload_urls);
        location.hash = `#/exercise/${created.session_id}`;
      } catch (error) {
        status(errorText(error), "error");
        start.disabled = false;
      }
    });
    const dose = a.repetitions ? `${a.sets} × ${a.repetitions}` : `${a.sets} sets`;
    list.append(h("li", {}, h("strong", {}, a.exercise_type!.name), ` ${dose} `, start));
  }
  if (!list.children.length)
    list.append(h("li", {}, "No exercises are assigned to you right now."));
  render(
    h("h2", {}, "Your exercises"),
    list,
    h("p", {}, h("a", { href: "#/chats", id: "care-team-chat" }, "Message your care team")),
    island(upcomingAppointments()),
    h(
      "p",
      { class: "actions" },
      h("a", { href: "#/record", id: "record-link" }, "Record from a video"),
      " · ",
      h("a", { href: "#/my-progress" }, "Your progress"),
    ),
    sessionSection(
      "Your sessions",
      await api.GET("/api/v1/sessions", { params: { query: { page_size: 10 } } }),
      false,
    ),
  );
}

/** Creates a session with a client idempotency key: a retried click never makes two. */
async function createSession(
  body: { patient_id: string; assignment_id: string },
  key: string,
): Promise<CreatedSession> {
  return api.POST("/api/v1/sessions", {
    body: { ...body, video_content_type: "video/webm" },
    ...idempotent(key),
  });
}

async function clinicianHome() {
  // One query for every open session, split here: two status-filtered queries could both miss
  // a session that moves from pending to recording between them.
  const [open, queue, patients] = await Promise.all([
    api.GET("/api/v1/sessions", { params: { query: { page_size: 100 } } }),
    api.GET("/api/v1/physio/sessions", { params: { query: { page_size: 20 } } }),
    api.GET("/api/v1/physio/patients", { params: { query: { page_size: 50 } } }),
  ]);
  const plist = h("ul", { class: "list", id: "patients" });
  for (const p of patients)
    plist.append(
      h(
        "li",
        { "data-patient": p.id },
        h("a", { href: `#/patients/${p.id}` }, p.name),
        ` — ${p.sessions_pending_review} to review · `,
        h("a", { href: `#/progress/${p.id}`, "aria-label": `Progress of ${p.name}` }, "Progress"),
        " ",
        callButtonIsland({ patientId: p.id, name: p.name }),
      ),
    );
  const refresh = h("button", { type: "button", id: "refresh" }, "Refresh");
  refresh.addEventListener("click", () => void clinicianHome());
  render(
    h("h2", {}, "Clinic ", refresh),
    sessionSection(
      "Live now",
      open.filter((s) => s.status === "recording"),
      true,
    ),
    sessionSection(
      "Not started yet",
      open.filter((s) => s.status === "pending"),
      true,
    ),
    sessionSection("Review queue", queue, false),
    h("h3", {}, "Patients"),
    plist,
  );
}

function sessionSection(title: string, items: SessionItem[], watch: boolean): HTMLElement {
  const id = title.toLowerCase().replace(/\W+/g, "-");
  const list = h("ul", { class: "list", id });
  for (const s of items) {
    const link = watch
      ? h("a", { href: `#/watch/${s.id}` }, "Watch live")
      : s.status === "review_pending" || s.status === "reviewed" || s.status === "completed"
        ? h("a", { href: `#/review/${s.id}` }, s.status === "review_pending" ? "Review" : "Open")
        : null;
    list.append(
      h(
        "li",
        { "data-session": s.id },
        // A family member's list holds summaries (no name, no creation time).
        h("strong", {}, ("patient_name" in s && s.patient_name) || ""),
        ` ${s.exercise_name} · ${s.status.replace("_", " ")} · ${fmt.date(s.start_time ?? ("created_at" in s ? s.created_at : null))} `,
        link,
      ),
    );
  }
  if (!items.length) list.append(h("li", {}, "Nothing here."));
  return h("section", { "aria-label": title }, h("h3", {}, title), list);
}
