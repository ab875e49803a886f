import type { RouteCase } from "../suite";
import { STAFF } from "../suite";
import { ALL_ROLES } from "../../../src/policy/policy";

const anyone = [...ALL_ROLES];

/** Cases for /users: the caller's own routes are open to every role, the rest are admin-only. */
export const usersCases: RouteCase[] = [
  { method: "GET", path: "/api/v1/users/me", allow: anyone },
  {
    method: "PUT",
    path: "/api/v1/users/me",
    allow: anyone,
    build: () => ({ body: { title: "DPT" } }),
  },
  { method: "GET", path: "/api/v1/users/me/preferences", allow: anyone },
  { method: "PUT", path: "/api/v1/users/me/avatar", allow: anyone },
  {
    method: "GET",
    path: "/api/v1/users/{id}/avatar",
    allow: STAFF,
    deny: { patient: 404, family: 404 },
    build: (clinic) => ({ params: { id: clinic.nurse.id } }),
  },
  {
    method: "PUT",
    path: "/api/v1/users/me/preferences",
    allow: anyone,
    build: () => ({ body: { dark_mode: true, timezone: "Europe/Paris" } }),
  },
  { method: "GET", path: "/api/v1/users", allow: ["admin"], build: () => ({ query: "page=1" }) },
  {
    // Staff read a colleague's directory entry; patients and family learn nothing of others.
    method: "GET",
    path: "/api/v1/users/{id}",
    allow: STAFF,
    deny: { patient: 404, family: 404 },
    build: (clinic) => ({ params: { id: clinic.nurse.id } }),
  },
  {
    method: "PUT",
    path: "/api/v1/users/{id}",
    allow: ["admin"],
    build: (clinic) => ({ params: { id: clinic.nurse.id }, body: { title: "RN" } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/users/{id}",
    allow: ["admin"],
    build: (clinic) => ({ params: { id: clinic.nurse.id } }),
  },
];
