/**
 * The header's bell: the unread count, and a panel with the caller's notifications
 * (`GET /notifications`, newest first) to mark one or all read. New ones arrive on the user stream
 * (`notification:new`) and are announced in a polite live region; after a stream resync the
 * list is fetched again.
 */
import { useCallback, useEffect, useRef, useState } from "hono/jsx/dom";
import { api, type Schemas } from "../api";
import { useStream } from "../stream";
import { errorText, fmt } from "../ui";

type Item = Schemas["Notification"];

const PAGE = 20;

/** The API's app paths (ids only) as console routes; null where the console has no page. */
export function consoleLink(link: string): string | null {
  const m = /^\/([a-z-]+)\/([0-9a-f-]{36})$/.exec(link);
  if (!m) return null;
  const route: Record<string, string> = {
    chats: "chats",
    calls: "calls",
    "clinical-notes": "notes",
    sessions: "review",
  };
  return route[m[1]!] ? `#/${route[m[1]!]}/${m[2]}` : null;
}

export function NotificationBell() {
  const [items, setItems] = useState<Item[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [announce, setAnnounce] = useState("");
  const [tick, setTick] = useState(0);
  const toggle = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const seen = useRef(new Set<string>());

  useEffect(() => {
    let live = true;
    Promise.all([
      api.GET("/api/v1/notifications", { params: { query: { page_size: PAGE } } }),
      api.raw.GET("/api/v1/notifications", {
        params: { query: { unread: "true", page_size: 1 } },
      }),
    ]).then(
      ([list, count]) => {
        if (!live) return;
        setItems(list);
        for (const n of list) seen.current.add(n.id);
        setUnread(count.data?.pagination.total_items ?? list.filter((n) => !n.read_at).length);
        setError(null);
      },
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  useStream(["resync"], reload);
  useStream(["notification:new"], (data) => {
    const item: Item = {
      id: String(data.id),
      type: data.type as Item["type"],
      title: String(data.title ?? ""),
      body: String(data.body ?? ""),
      link: String(data.link ?? ""),
      timestamp: String(data.timestamp ?? new Date().toISOString()),
      read_at: null,
    };
    // One the list already holds (fetched while the event was on its way) is not counted twice.
    if (seen.current.has(item.id)) return;
    seen.current.add(item.id);
    setItems((list) => [item, ...list].slice(0, PAGE));
    setUnread((n) => n + 1);
    setAnnounce(`New notification: ${item.title}`);
  });

  const markRead = async (item: Item) => {
    try {
      const done = await api.POST("/api/v1/notifications/{id}/read", {
        params: { path: { id: item.id } },
      });
      setItems((list) => list.map((n) => (n.id === item.id ? { ...n, read_at: done.read_at } : n)));
      if (!item.read_at) setUnread((n) => Math.max(0, n - 1));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const readAll = async () => {
    try {
      const done = await api.POST("/api/v1/notifications/read-all", {});
      setItems((list) => list.map((n) => (n.read_at ? n : { ...n, read_at: done.read_at })));
      setUnread(0);
      setAnnounce("All notifications marked read.");
      // The button turns disabled: keep focus in the panel rather than losing it to the page.
      heading.current?.focus();
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    heading.current?.focus();
    // Escape closes the panel wherever focus is (also after a button in it turned disabled).
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  const label = unread ? `Notifications, ${unread} unread` : "Notifications, none unread";
  return (
    <span class="bell">
      <button
        type="button"
        id="bell"
        ref={toggle}
        aria-expanded={open ? "true" : "false"}
        aria-controls="notifications-panel"
        aria-label={label}
        onClick={() => (open ? close() : setOpen(true))}
      >
        <svg class="bell-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
        </svg>
        {unread ? (
          <span class="badge" id="bell-count" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        ) : null}
      </button>
      <span class="sr-only" aria-live="polite" id="bell-live">
        {announce}
      </span>
      {open ? (
        <section id="notifications-panel" class="panel" aria-labelledby="notifications-title">
          <h2 id="notifications-title" tabindex={-1} ref={heading}>
            Notifications
          </h2>
          {error ? (
            <p class="error" role="alert">
              {error}{" "}
              <button type="button" class="link" onClick={reload}>
                Try again
              </button>
            </p>
          ) : null}
          <p class="inline">
            <button type="button" id="read-all" onClick={readAll} disabled={!unread}>
              Mark all read
            </button>
            <button type="button" class="link" onClick={close}>
              Close
            </button>
          </p>
          <ul class="notifications" id="notifications">
            {items.length ? (
              items.map((n) => {
                const href = consoleLink(n.link);
                return (
                  <li key={n.id} data-id={n.id} class={n.read_at ? "read" : "unread"}>
                    <strong>{href ? <a href={href}>{n.title}</a> : n.title}</strong>
                    {n.read_at ? null : <span class="pill">new</span>}
                    <br />
                    {n.body}
                    <br />
                    <small>{fmt.date(n.timestamp)}</small>{" "}
                    {n.read_at ? null : (
                      <button
                        type="button"
                        class="link"
                        aria-label={`Mark read: ${n.title}`}
                        onClick={() => markRead(n)}
                      >
                        Mark read
                      </button>
                    )}
                  </li>
                );
              })
            ) : (
              <li>No notifications.</li>
            )}
          </ul>
        </section>
      ) : null}
    </span>
  );
}
