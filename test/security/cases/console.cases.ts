import type { RouteCase } from "../suite";

/** The console's HTML shell: public (it holds no data; the app signs in against the API). */
export const consoleCases: RouteCase[] = [{ method: "GET", path: "/console", public: true }];
