import type { RouteCase } from "../suite";

export const liveCases: RouteCase[] = [
  {
    method: "GET",
    path: "/parties/live-session/{session_id}",
    skip: "socket: no token, other workspace, other patient, family and off-team staff in test/live",
  },
];
