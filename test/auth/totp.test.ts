import { TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { matchingStep } from "../../src/modules/auth/mfa.verify";

// RFC 6238 Appendix B, SHA-1 seed "12345678901234567890".
const SEED_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP (RFC 6238)", () => {
  it("generates the RFC test vectors", () => {
    const totp = new TOTP({ algorithm: "SHA1", digits: 8, period: 30, secret: SEED_BASE32 });
    for (const [seconds, code] of VECTORS)
      expect(totp.generate({ timestamp: seconds * 1000 })).toBe(code);
  });

  it("accepts the 6-digit code of a step within ±1 step and names that step", () => {
    for (const [seconds, code] of VECTORS) {
      const sixDigits = code.slice(-6);
      const step = Math.floor(seconds / 30);
      expect(matchingStep(SEED_BASE32, sixDigits, seconds * 1000)).toBe(step);
      expect(matchingStep(SEED_BASE32, sixDigits, (seconds + 30) * 1000)).toBe(step);
      expect(matchingStep(SEED_BASE32, sixDigits, (seconds + 95) * 1000)).toBeNull();
    }
  });
});
