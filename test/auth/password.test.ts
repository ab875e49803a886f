import { describe, expect, it } from "vitest";
import {
  hashPassword,
  needsRehash,
  parsePasswordHash,
  PBKDF2_MAX_ITERATIONS,
  verifyPassword,
} from "../../src/lib/crypto/password";

describe("password hashing", () => {
  it("holds Cloudflare's PBKDF2 cap of 100,000 iterations, which local workerd does not enforce", async () => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    const hash = await hashPassword("a long enough passphrase", "pepper");
    expect(parsePasswordHash(hash)?.iterations).toBe(100_000);
    await expect(hashPassword("x", "pepper", 100_001)).rejects.toThrow(/cap/);
  });

  it("verifies with the stored parameters, and asks to rehash weaker ones", async () => {
    const weak = await hashPassword("a long enough passphrase", "pepper", 1000);
    expect(await verifyPassword("a long enough passphrase", weak, "pepper")).toBe(true);
    expect(await verifyPassword("a long enough passphrase", weak, "other pepper")).toBe(false);
    expect(await verifyPassword("wrong", weak, "pepper")).toBe(false);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword("p", "pepper"))).toBe(false);
  });
});
