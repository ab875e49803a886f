/**
 * `/api/v1/users…`: the caller's profile and preferences, the directory and its administration.
 * The `/users/me…` routes are registered before `/users/{id}` so `me` never reaches the id route.
 */
import { ok, okList } from "../../lib/envelope";
import { paginationOf } from "../../lib/pagination";
import {
  createRouter,
  defineRoute,
  jsonBody,
  jsonList,
  jsonOk,
  noContent,
} from "../../lib/openapi";
import { deleteUser, getUser, listUsers, updateUser } from "./users.admin.service";
import { getMe, getPreferences, updateMe, updatePreferences } from "./users.me.service";
import {
  ListUsersQuery,
  Preferences,
  UpdateMeInput,
  UpdatePreferencesInput,
  UpdateUserInput,
  User,
  UserIdParam,
  UserView,
} from "./users.schemas";
import { avatarRoutes } from "./users.avatar.routes";

const tags = ["users"];
const ME = "/api/v1/users/me";

const getMeRoute = defineRoute({
  method: "get",
  path: ME,
  auth: "bearer",
  tags,
  summary: "The caller's profile (any role)",
  responses: { 200: jsonOk(User) },
});

const updateMeRoute = defineRoute({
  method: "put",
  path: ME,
  auth: "bearer",
  tags,
  summary:
    "Update the caller's name, phone number, title or avatar (email and role are not self-editable)",
  request: jsonBody(UpdateMeInput),
  responses: { 200: jsonOk(User, "The updated profile") },
});

const getPreferencesRoute = defineRoute({
  method: "get",
  path: `${ME}/preferences`,
  auth: "bearer",
  tags,
  summary: "The caller's preferences",
  responses: { 200: jsonOk(Preferences) },
});

const updatePreferencesRoute = defineRoute({
  method: "put",
  path: `${ME}/preferences`,
  auth: "bearer",
  tags,
  summary: "Partial update of the caller's preferences (timezone must be a known IANA zone)",
  request: jsonBody(UpdatePreferencesInput),
  responses: { 200: jsonOk(Preferences, "The saved preferences") },
});

const listRoute = defineRoute({
  method: "get",
  path: "/api/v1/users",
  auth: "bearer",
  tags,
  summary: "Admin: the workspace's users, by role, activity, exact email or name words",
  request: { query: ListUsersQuery },
  responses: { 200: jsonList(User) },
});

const getRoute = defineRoute({
  method: "get",
  path: "/api/v1/users/{id}",
  auth: "bearer",
  tags,
  summary:
    "One user: full for self and admins; staff read other staff's directory entry; otherwise 403 (staff) or 404",
  request: { params: UserIdParam },
  responses: { 200: jsonOk(UserView) },
});

const updateRoute = defineRoute({
  method: "put",
  path: "/api/v1/users/{id}",
  auth: "bearer",
  tags,
  summary:
    "Admin: change a user's details, staff role or activity; role changes and deactivation end their sessions",
  request: { params: UserIdParam, ...jsonBody(UpdateUserInput) },
  responses: { 200: jsonOk(User, "The updated user") },
});

const deleteRoute = defineRoute({
  method: "delete",
  path: "/api/v1/users/{id}",
  auth: "bearer",
  tags,
  summary: "Admin: soft-delete a user (deactivated, sessions ended); not yourself",
  request: { params: UserIdParam },
  responses: { 204: noContent },
});

export const usersRoutes = createRouter();
// `/users/*` also matches `/users` itself.

usersRoutes.openapi(getMeRoute, async (c) => ok(c, await getMe(c.var.ctx), 200));

usersRoutes.openapi(updateMeRoute, async (c) =>
  ok(c, await updateMe(c.var.ctx, c.req.valid("json")), 200),
);

usersRoutes.openapi(getPreferencesRoute, async (c) => ok(c, await getPreferences(c.var.ctx), 200));

usersRoutes.openapi(updatePreferencesRoute, async (c) =>
  ok(c, await updatePreferences(c.var.ctx, c.req.valid("json")), 200),
);

usersRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listUsers(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});

usersRoutes.openapi(getRoute, async (c) =>
  ok(c, await getUser(c.var.ctx, c.req.valid("param").id), 200),
);

usersRoutes.openapi(updateRoute, async (c) =>
  ok(c, await updateUser(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

usersRoutes.openapi(deleteRoute, async (c) => {
  await deleteUser(c.var.ctx, c.req.valid("param").id);
  return c.body(null, 204);
});

// The module's one router: avatars too.
usersRoutes.route("/", avatarRoutes);
