/**
 * Independent reference values shared by the circuit suites: a realistic 16-slot market (token
 * decimals and prices), the weight of a base unit computed by hand, and a deterministic generator of
 * random bigints. Nothing here comes from the code under test.
 */

/** Decimals of the 16 slots of the reference basket: 18-, 8- and 6-decimal tokens and a few others. */
export const DECIMALS = [18, 8, 6, 18, 6, 18, 8, 18, 18, 6, 18, 12, 18, 0, 18, 9];

/** Prices of those slots, USD per whole token with 8 decimals. */
export const PRICES_E8 = [3000n, 60_000n, 1n, 2500n, 1n, 15n, 59_000n, 1n, 400n, 1n, 7n, 120n, 2n, 10n ** 8n, 3000n, 150n].map((p) => p * 10n ** 8n);

/** Value of one base unit after the haircut, in 1e-30 USD: price (8 decimals) · 10^(22 - decimals) · (1 - bps/1e4), rounded down. */
export function weight(priceE8: bigint, decimals: number, haircutBps: bigint): bigint {
  return (priceE8 * 10n ** BigInt(22 - decimals) * (10_000n - haircutBps)) / 10_000n;
}

/** Deterministic pseudo-random bigints (splitmix64), for property-style cases. */
export function rng(seed: bigint): (bits: number) => bigint {
  let state = seed;
  const next64 = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  };
  return (bits) => {
    let v = 0n;
    for (let got = 0; got < bits; got += 64) v = (v << 64n) | next64();
    return v & ((1n << BigInt(bits)) - 1n);
  };
}
