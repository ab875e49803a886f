import type { RouteCase } from "../suite";
import { ALL_ROLES } from "../../../src/policy/policy";

const anyone = [...ALL_ROLES];

export const authCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/auth/register",
    public: true,
    build: () => ({ body: { email: "x", password: "y" } }),
  },
  {
    method: "POST",
    path: "/api/v1/auth/login",
    public: true,
    build: () => ({ body: { email: "nobody@example.test", password: "wrong password" } }),
  },
  { method: "POST", path: "/api/v1/auth/refresh", public: true, build: () => ({ body: {} }) },
  { method: "POST", path: "/api/v1/auth/logout", allow: anyone },
  { method: "GET", path: "/api/v1/auth/profile", allow: anyone },
];
