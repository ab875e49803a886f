import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3, 4,
]);

const upload = (token: string, body: BodyInit, type: string) =>
  api("PUT", "/api/v1/users/me/avatar", { token, raw: body, headers: { "content-type": type } });

describe("avatars in R2", () => {
  it("happy: stores the image in R2 under an id-only key and serves it to colleagues", async () => {
    const clinic = await createClinic();
    const res = expectStatus(await upload(clinic.physio.token, PNG, "image/png"), 200);
    expect(res.body.data).toEqual({
      avatar_url: `/api/v1/users/${clinic.physio.id}/avatar`,
      content_type: "image/png",
      size: PNG.byteLength,
    });

    const listed = await env.MEDIA.list({ prefix: `avatars/${clinic.workspaceId}/` });
    expect(listed.objects.map((o) => o.key)).toEqual([
      `avatars/${clinic.workspaceId}/${clinic.physio.id}`,
    ]);

    const served = await SELF.fetch(`https://api.test/api/v1/users/${clinic.physio.id}/avatar`, {
      headers: { authorization: `Bearer ${clinic.nurse.token}` },
    });
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);

    const me = expectStatus(
      await api("GET", "/api/v1/users/me", { token: clinic.physio.token }),
      200,
    );
    expect(me.body.data.avatar_url).toBe(`/api/v1/users/${clinic.physio.id}/avatar`);
  });

  it("errors: refuses non-images, mismatched types and oversized bodies; 404 without an avatar", async () => {
    const clinic = await createClinic();
    const text = await upload(clinic.admin.token, "hello", "image/png");
    expect(text.status, text.text).toBe(422);
    expect((await upload(clinic.admin.token, PNG, "image/jpeg")).status).toBe(422);
    const big = new Uint8Array(1024 * 1024 + 10);
    big.set(PNG);
    expect((await upload(clinic.admin.token, big, "image/png")).status).toBe(413);
    expect(
      (await api("GET", `/api/v1/users/${clinic.admin.id}/avatar`, { token: clinic.admin.token }))
        .status,
    ).toBe(404);
  });

  it("security: another workspace cannot read it", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    expectStatus(await upload(clinic.physio.token, PNG, "image/png"), 200);
    expect(
      (await api("GET", `/api/v1/users/${clinic.physio.id}/avatar`, { token: other.admin.token }))
        .status,
    ).toBe(404);
    expect(
      (
        await api("GET", `/api/v1/users/${clinic.physio.id}/avatar`, {
          token: clinic.patientUser.token,
        })
      ).status,
    ).toBe(404);
  });
});
