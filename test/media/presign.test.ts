/**
 * R2 presigned URLs (aws4fetch) checked against AWS's published SigV4 query-signing example
 * ("Authenticating Requests: Using Query Parameters", GET examplebucket/test.txt, 2013-05-24),
 * then the R2 form: credential scope with region `auto`, expiry and signed content type.
 */
import { describe, expect, it } from "vitest";
import { presignR2Object, presignS3Url } from "../../src/modules/media/media.presign";

const AWS_EXAMPLE = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

describe("happy", () => {
  it("reproduces AWS's known presigned URL signature", async () => {
    const url = new URL(
      await presignS3Url({
        url: "https://examplebucket.s3.amazonaws.com/test.txt",
        method: "GET",
        ...AWS_EXAMPLE,
        region: "us-east-1",
        expiresInSeconds: 86400,
        datetime: "20130524T000000Z",
      }),
    );
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-Credential")).toBe(
      "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request",
    );
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect(url.searchParams.get("X-Amz-Signature")).toBe(
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
  });

  it("signs R2 object URLs with region auto, the expiry and the content type", async () => {
    const url = new URL(
      await presignR2Object(
        { accountId: "acc123", bucket: "rehab-edge-media", ...AWS_EXAMPLE },
        "media/ws-1/media-1",
        "PUT",
        3600,
        { "content-type": "video/mp4" },
      ),
    );
    expect(url.origin).toBe("https://acc123.r2.cloudflarestorage.com");
    expect(url.pathname).toBe("/rehab-edge-media/media/ws-1/media-1");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/\/auto\/s3\/aws4_request$/);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("errors", () => {
  it("an upload URL signs the exact length and create-only: another length is another signature", async () => {
    const creds = { accountId: "acc123", bucket: "rehab-edge-media", ...AWS_EXAMPLE };
    const sign = async (length: string) =>
      new URL(
        await presignS3Url({
          url: "https://acc123.r2.cloudflarestorage.com/rehab-edge-media/media/ws-1/media-1",
          method: "PUT",
          accessKeyId: creds.accessKeyId,
          secretAccessKey: creds.secretAccessKey,
          region: "auto",
          expiresInSeconds: 3600,
          headers: { "content-type": "video/mp4", "content-length": length, "if-none-match": "*" },
          datetime: "20261207T000000Z",
        }),
      );
    const url = await sign("4096");
    // R2 recomputes the signature over these headers as sent: a PUT of another length, another
    // type, or without If-None-Match (which would overwrite a stored object) does not match.
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe(
      "content-length;content-type;host;if-none-match",
    );
    expect((await sign("4097")).searchParams.get("X-Amz-Signature")).not.toBe(
      url.searchParams.get("X-Amz-Signature"),
    );
  });

  it("a different secret or expiry gives a different signature", async () => {
    const base = {
      url: "https://examplebucket.s3.amazonaws.com/test.txt",
      method: "GET" as const,
      ...AWS_EXAMPLE,
      region: "us-east-1",
      expiresInSeconds: 86400,
      datetime: "20130524T000000Z",
    };
    const sig = async (input: typeof base) =>
      new URL(await presignS3Url(input)).searchParams.get("X-Amz-Signature");
    const reference = await sig(base);
    expect(await sig({ ...base, secretAccessKey: "other" })).not.toBe(reference);
    expect(await sig({ ...base, expiresInSeconds: 60 })).not.toBe(reference);
  });
});

describe("security", () => {
  it("object keys in presigned URLs hold ids only", async () => {
    const url = await presignR2Object(
      { accountId: "a", bucket: "b", ...AWS_EXAMPLE },
      "media/0190-ws/0190-media",
      "GET",
      60,
    );
    expect(new URL(url).pathname).toBe("/b/media/0190-ws/0190-media");
  });
});
