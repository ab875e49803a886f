import { env } from "cloudflare:test";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { hmac } from "../../src/lib/crypto/keys";
import { signToken } from "../../src/lib/tokens";
import { createClinic } from "../helpers/fixtures";
import { api } from "../helpers/http";

async function accessKey() {
  return new Uint8Array(await hmac(env.JWT_SECRET, "jwt-key:access"));
}

describe("token confusion", () => {
  it("accepts a genuine access token and rejects every impostor", async () => {
    const clinic = await createClinic();
    const { admin } = clinic;
    const ok = await api("GET", "/api/v1/auth/profile", { token: admin.token });
    expect(ok.status, ok.text).toBe(200);

    const claims = { sub: admin.id, wid: clinic.workspaceId, role: "admin", sid: admin.sessionId };
    const now = Math.floor(Date.now() / 1000);
    const key = await accessKey();
    const build = () =>
      new SignJWT(claims)
        .setIssuer("rehab-edge")
        .setAudience("rehab-edge:api")
        .setJti(crypto.randomUUID())
        .setIssuedAt(now)
        .setSubject(admin.id);

    const impostors: Record<string, string> = {
      "alg none": new UnsecuredJWT(claims)
        .setIssuer("rehab-edge")
        .setAudience("rehab-edge:api")
        .setSubject(admin.id)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .encode(),
      "refresh token as access": admin.refreshToken,
      "upload token as access": (
        await signToken(env.JWT_SECRET, "upload", {
          sub: admin.id,
          wid: clinic.workspaceId,
          role: "admin",
          sid: admin.sessionId,
        })
      ).token,
      expired: await build()
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(key),
      "wrong typ": await build()
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setExpirationTime(now + 600)
        .sign(key),
      "wrong issuer": await build()
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
        .setIssuer("someone-else")
        .setExpirationTime(now + 600)
        .sign(key),
      "wrong audience": await build()
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
        .setAudience("rehab-edge:refresh")
        .setExpirationTime(now + 600)
        .sign(key),
      "other algorithm": await build()
        .setProtectedHeader({ alg: "HS512", typ: "at+jwt" })
        .setExpirationTime(now + 600)
        .sign(new Uint8Array(64).fill(7)),
      "wrong key": await build()
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
        .setExpirationTime(now + 600)
        .sign(new Uint8Array(32).fill(9)),
      tampered: (() => {
        const [h, p, s] = admin.token.split(".");
        const payload = JSON.parse(atob(p!.replaceAll("-", "+").replaceAll("_", "/")));
        payload.role = "admin";
        payload.wid = "00000000-0000-7000-8000-000000000000";
        const forged = btoa(JSON.stringify(payload))
          .replaceAll("+", "-")
          .replaceAll("/", "_")
          .replace(/=+$/, "");
        return `${h}.${forged}.${s}`;
      })(),
    };
    for (const [name, token] of Object.entries(impostors)) {
      const res = await api("GET", "/api/v1/auth/profile", { token });
      expect(res.status, `${name}: ${res.text}`).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHORIZED");
    }
  });

  it("rejects an access token presented as a refresh token", async () => {
    const clinic = await createClinic();
    const res = await api("POST", "/api/v1/auth/refresh", {
      body: { refresh_token: clinic.admin.token },
    });
    expect(res.status).toBe(401);
  });
});
