/**
 * `#/chats`: the caller's chats with unread counts and the last message, newest activity first.
 * The user's event stream (`/ws`) reloads the list when a message or read receipt arrives (and
 * once it is connected), so the counts stay current while the page is open.
 */
import { useEffect } from "hono/jsx/dom";
import { userStream } from "../../../../client/src/index";
import { api, session, type Schemas } from "../../api";
import { Loading, useLoad } from "../../view";

type Chat = Schemas["Chat"];

/** Patient names by id, for telling the care-team chats apart (empty where the role sees none). */
async function patientNames(): Promise<Map<string, string>> {
  if (session.user?.role === "family") return new Map();
  try {
    const patients = await api.GET("/api/v1/patients", { params: { query: { page_size: 100 } } });
    return new Map(patients.flatMap((p) => ("name" in p && p.name ? [[p.id, p.name]] : [])));
  } catch {
    return new Map(); // the names are a convenience; the list stands without them
  }
}

export function ChatsView() {
  const chats = useLoad(() => api.GET("/api/v1/chats", { params: { query: { page_size: 100 } } }));
  // Once per visit: the list's reloads (every new message) need not read the patients again.
  const names = useLoad(patientNames);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stream = userStream(api, location.origin, {
      socket: { maxRetries: Infinity, maxReconnectionDelay: 10_000 },
      onEvent: (e) => {
        // `ready` too: a message sent between the list's load and the stream's start is
        // counted by reloading once the stream is live.
        if (!["ready", "message:received", "message:read"].includes(e.event)) return;
        clearTimeout(timer); // a burst reloads once
        timer = setTimeout(chats.reload, 300);
      },
    });
    return () => {
      clearTimeout(timer);
      stream.close();
    };
  }, []);

  return (
    <>
      <h2>
        Chats{" "}
        <button type="button" id="chats-refresh" onClick={chats.reload}>
          Refresh
        </button>
      </h2>
      <Loading loaded={chats}>
        {(list) =>
          list.length ? (
            <ul class="list chat-list" id="chats">
              {list.map((c) => (
                <ChatRow
                  chat={c}
                  patient={c.patient_id ? names.data?.get(c.patient_id) : undefined}
                />
              ))}
            </ul>
          ) : (
            <p>No chats yet.</p>
          )
        }
      </Loading>
    </>
  );
}

function ChatRow(props: { chat: Chat; patient: string | undefined }) {
  const { chat: c } = props;
  const title = `${c.name}${props.patient && !c.name.includes(props.patient) ? ` · ${props.patient}` : ""}`;
  return (
    <li data-chat={c.id} data-type={c.type} class={c.unread_count ? "chat-row unread" : "chat-row"}>
      <a href={`#/chats/${c.id}`}>
        <strong>{title}</strong>
      </a>{" "}
      <span class="chat-type">{c.type}</span>
      {c.unread_count ? (
        <span class="badge" aria-label={`${c.unread_count} unread`}>
          {c.unread_count}
        </span>
      ) : null}
      <p class="last">
        {c.last_message ?? "No messages yet"}
        {c.last_message_time ? (
          <>
            {" · "}
            <time dateTime={c.last_message_time}>
              {new Date(c.last_message_time).toLocaleString()}
            </time>
          </>
        ) : null}
      </p>
    </li>
  );
}
