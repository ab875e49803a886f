/**
 * D1 read replication through the Sessions API. Each request runs its queries in one D1 session,
 * so they are sequentially consistent with each other, and the session's bookmark travels with
 * the client: answered in the `X-D1-Bookmark` response header, accepted on the next request, so a
 * client always reads its own writes even when the next read lands on a replica.
 *
 * A request without a bookmark starts on the primary when it may write (anything but GET/HEAD)
 * and anywhere when it only reads. Rooms (Durable Objects) and queue consumers do not use
 * sessions: their queries go to the primary, which keeps the access re-checks of open sockets
 * current rather than as fresh as a replica.
 */
import { ValidationError } from "./errors";

export const BOOKMARK_HEADER = "x-d1-bookmark";

/** D1 bookmarks are hex groups joined by dashes; anything else is refused, never passed to D1. */
const BOOKMARK = /^[0-9a-f]{1,40}(-[0-9a-f]{1,40}){1,7}$/i;

/** The request's bookmark, if it sent one; a malformed one is a 422 naming the header. */
export function readBookmark(request: Request): string | null {
  const value = request.headers.get(BOOKMARK_HEADER);
  if (value === null || value === "") return null;
  if (!BOOKMARK.test(value)) {
    throw new ValidationError([
      { field: `header.${BOOKMARK_HEADER}`, message: "Not a D1 bookmark" },
    ]);
  }
  return value;
}

/** Where a request's session starts: its bookmark, else the primary for writes, else anywhere. */
export function sessionStart(method: string, bookmark: string | null): string {
  if (bookmark) return bookmark;
  return method === "GET" || method === "HEAD" ? "first-unconstrained" : "first-primary";
}
