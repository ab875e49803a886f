import type { RouteCase } from "../suite";

export const realtimeCases: RouteCase[] = [
  { method: "GET", path: "/ws", skip: "socket: covered by test/realtime" },
];
