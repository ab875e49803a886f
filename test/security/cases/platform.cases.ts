import type { RouteCase } from "../suite";

export const platformCases: RouteCase[] = [
  { method: "GET", path: "/health", public: true },
  { method: "GET", path: "/api/v1/health", public: true },
  { method: "GET", path: "/docs", public: true },
  { method: "GET", path: "/ping", public: true },
  { method: "GET", path: "/openapi.json", public: true },
  { method: "POST", path: "/api/v1/dev/seed", public: true },
];
