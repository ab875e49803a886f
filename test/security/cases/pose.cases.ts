import type { RouteCase } from "../suite";
import { STAFF } from "../suite";
import { POSE_PNG_HALF, base64Of } from "../../pose/images";

export const poseCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/pose/estimate",
    allow: [...STAFF, "patient"],
    patientData: true,
    build: () => ({ body: { image: base64Of(POSE_PNG_HALF) } }),
  },
  {
    method: "GET",
    path: "/parties/pose/{model}",
    skip: "socket: covered by test/pose/socket.test.ts",
  },
];
