/**
 * Browser stand-in for the two `node:crypto` functions the library's browser-safe modules call:
 * `randomBytes` (Web Crypto's getRandomValues) and `createHash("sha256")` (ethers' synchronous sha256).
 * Vite aliases `node:crypto` to this file for the web bundle only.
 */
import { sha256, toUtf8Bytes, hexlify } from "ethers";

class Bytes extends Uint8Array {
  override toString(encoding?: string): string {
    if (encoding === "hex") return hexlify(this).slice(2);
    return super.toString();
  }
}

export function randomBytes(n: number): Bytes {
  const out = new Bytes(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

export function createHash(algorithm: string): { update(data: string | Uint8Array, enc?: string): { digest(enc: "hex"): string } } {
  if (algorithm !== "sha256") throw new Error(`createHash(${algorithm}) is not available in the browser`);
  return {
    update(data) {
      const bytes = typeof data === "string" ? toUtf8Bytes(data) : data;
      return { digest: () => sha256(bytes).slice(2) };
    },
  };
}

export default { randomBytes, createHash };
