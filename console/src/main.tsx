/**
 * The clinic console: a hash-routed app (no server routes beyond /console). ROUTES below maps each
 * hash to its page; `#/` is the home of the caller's role. While signed in, the user stream, the
 * bell and the incoming-call overlay run beside the page (views/calls/signedIn.tsx). Pages are
 * either TSX components (`mount(<View …/>)`, view.tsx) or older hand-built DOM (ui.ts).
 */
import { refresh, session, signOut } from "./api";
import { errorText, h, status } from "./ui";
import { mount, unmount } from "./view";
import { ChartView } from "./views/chart/ChartView";
import { PatientsView } from "./views/chart/PatientsView";
import { exerciseView } from "./views/exercise";
import { homeView, loginView } from "./views/home";
import { CallLogView } from "./views/calls/CallLog";
import { CallView } from "./views/calls/CallView";
import { startSignedIn, stopSignedIn } from "./views/calls/signedIn";
import { NoteEditor } from "./views/notes/editor";
import { NotesList } from "./views/notes/list";
import { NewNoteView } from "./views/notes/new";
import { ProgressView } from "./views/progress";
import { MyProgressView } from "./views/record/MyProgressView";
import { RecordView } from "./views/record/RecordView";
import { reviewView } from "./views/review";
import { ChatsView } from "./views/chats/list";
import { ThreadView } from "./views/chats/thread";
import { ScheduleView } from "./views/schedule/ScheduleView";
import { watchView } from "./views/watch";

const ID = "([0-9a-f-]{36})";
const ROUTES: [RegExp, (id: string) => unknown][] = [
  [new RegExp(`^#/exercise/${ID}$`), exerciseView],
  [new RegExp(`^#/watch/${ID}$`), watchView],
  [new RegExp(`^#/review/${ID}$`), reviewView],
  [new RegExp(`^#/progress/${ID}$`), (id) => mount(<ProgressView patientId={id} />)],
  [/^#\/chats$/, () => mount(<ChatsView />)],
  [new RegExp(`^#/chats/${ID}$`), (id) => mount(<ThreadView chatId={id} />)],
  [new RegExp(`^#/calls/${ID}$`), (id) => mount(<CallView callId={id} />)],
  [/^#\/calls$/, () => mount(<CallLogView />)],
  [/^#\/notes$/, () => mount(<NotesList />)],
  [new RegExp(`^#/notes/new/${ID}$`), (id) => mount(<NewNoteView patientId={id} />)],
  [new RegExp(`^#/notes/${ID}$`), (id) => mount(<NoteEditor noteId={id} />)],
  [/^#\/schedule$/, () => mount(<ScheduleView />)],
  [/^#\/record$/, () => mount(<RecordView />)],
  [/^#\/my-progress$/, () => mount(<MyProgressView />)],
  [/^#\/patients$/, () => mount(<PatientsView />)],
  [new RegExp(`^#/patients/${ID}$`), (id) => mount(<ChartView patientId={id} />)],
];

function nav() {
  const navEl = document.getElementById("nav")!;
  const user = session.user;
  if (!user) {
    stopSignedIn();
    return navEl.replaceChildren();
  }
  const bell = startSignedIn();
  const out = h("button", { type: "button", id: "signout" }, "Sign out");
  out.addEventListener("click", async () => {
    stopSignedIn();
    await signOut();
    location.hash = "#/";
    route();
  });
  const staff = user.role !== "patient" && user.role !== "family";
  navEl.replaceChildren(
    h("a", { href: "#/" }, "Home"),
    h("a", { href: "#/chats" }, "Chats"),
    ...(user.role === "family" ? [] : [h("a", { href: "#/calls" }, "Calls")]),
    ...(staff
      ? [
          h("a", { href: "#/patients" }, "Patients"),
          h("a", { href: "#/schedule" }, "Schedule"),
          h("a", { href: "#/notes" }, "Notes"),
        ]
      : []),
    ...(user.role === "patient" ? [h("a", { href: "#/my-progress" }, "My progress")] : []),
    bell,
    h("span", { id: "who" }, `${user.name} (${user.role})`),
    out,
  );
}

async function route() {
  nav();
  unmount();
  if (!session.user) return loginView(() => route());
  try {
    for (const [re, view] of ROUTES) {
      const m = re.exec(location.hash);
      if (m) return await view(m[1]!);
    }
    await homeView();
  } catch (error) {
    status(errorText(error), "error");
  }
}

window.addEventListener("hashchange", () => void route());
window.addEventListener("offline", () =>
  status("You are offline. The live link reconnects when the network is back.", "error"),
);
window.addEventListener("online", () => status("Back online.", "ok"));
void refresh().then(() => route());
