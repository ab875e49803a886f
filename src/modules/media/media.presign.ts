/**
 * S3-style presigned URLs for R2's own endpoint (SigV4 query signing through aws4fetch), used
 * instead of Worker-signed URLs when R2 API credentials are configured: the bytes then go straight
 * to R2 without passing through the Worker. Credentials are secrets (`wrangler secret put`).
 */
import { AwsV4Signer } from "aws4fetch";
import type { Bindings } from "../../env";

export type R2Credentials = {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
};

/** The R2 API credentials, when all are configured; otherwise the Worker signs URLs itself. */
export function r2Credentials(env: Bindings): R2Credentials | null {
  const { R2_ACCOUNT_ID, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY } = env;
  if (!R2_ACCOUNT_ID || !R2_ACCESS_KEY_ID || !R2_SECRET_ACCESS_KEY) return null;
  return {
    accountId: R2_ACCOUNT_ID,
    accessKeyId: R2_ACCESS_KEY_ID,
    secretAccessKey: R2_SECRET_ACCESS_KEY,
    bucket: env.R2_BUCKET_NAME || "rehab-edge-media",
  };
}

export type PresignInput = {
  /** The object's full URL (endpoint, bucket and key). */
  url: string;
  method: "GET" | "PUT";
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  expiresInSeconds: number;
  /** Headers the client must send exactly (signed), e.g. content-type. */
  headers?: Record<string, string>;
  /** `YYYYMMDDTHHMMSSZ`; defaults to now (fixed in tests to check a known vector). */
  datetime?: string;
};

/** A SigV4 query-signed URL (service `s3`, payload unsigned, as S3 presigned URLs are). */
export async function presignS3Url(input: PresignInput): Promise<string> {
  const url = new URL(input.url);
  url.searchParams.set("X-Amz-Expires", String(input.expiresInSeconds));
  const signer = new AwsV4Signer({
    url: url.toString(),
    method: input.method,
    headers: input.headers,
    accessKeyId: input.accessKeyId,
    secretAccessKey: input.secretAccessKey,
    service: "s3",
    region: input.region,
    signQuery: true,
    // Sign every header given (content-type included, which aws4fetch skips by default), so R2
    // refuses an upload of another type.
    allHeaders: true,
    datetime: input.datetime,
  });
  const signed = await signer.sign();
  return signed.url.toString();
}

/** A presigned URL for one object of the R2 bucket (region `auto`, path-style addressing). */
export function presignR2Object(
  creds: R2Credentials,
  key: string,
  method: "GET" | "PUT",
  expiresInSeconds: number,
  headers?: Record<string, string>,
): Promise<string> {
  const path = key.split("/").map(encodeURIComponent).join("/");
  return presignS3Url({
    url: `https://${creds.accountId}.r2.cloudflarestorage.com/${creds.bucket}/${path}`,
    method,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    region: "auto",
    expiresInSeconds,
    headers,
  });
}
