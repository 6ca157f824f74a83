/**
 * The funding formula (MarginMath.fundingStep, funding, fundingLoss) against its TypeScript mirror
 * (prover/src/margin.ts), bit for bit, over seeded random inputs and the edges of each range; and
 * against exact rational arithmetic for the direction of rounding: what a trader owes rounds up,
 * what it receives rounds toward zero, and the step's rate is clamped to the cap.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import { funding, fundingLoss, fundingStep, type FundingRule } from "../../prover/src/margin.js";
import { seededRandom } from "../../prover/src/prng.js";
import type { MarginMathHarness } from "../../types/ethers-contracts/index.js";

const { ethers } = await network.create();

const CASES = 1_500;
const BATCH = 250;
const MAX_PRICE = 10n ** 16n;
const MAX_CAP = 10n ** 16n;
const MAX_COEFFICIENT = 10n ** 20n;

/** Uniform-length bigints: small and large magnitudes alike, from a seeded stream. */
function bigints(seed: number): (max: bigint) => bigint {
  const r = seededRandom(seed);
  return (max) => {
    const len = 1 + Math.floor(r() * max.toString(2).length);
    let x = 0n;
    for (let i = 0; i < len; i++) x = (x << 1n) | (r() < 0.5 ? 1n : 0n);
    return x > max ? max : x;
  };
}

async function harness(): Promise<MarginMathHarness> {
  return (await ethers.deployContract("MarginMathHarness")) as unknown as MarginMathHarness;
}

describe("funding formula: Solidity and TypeScript bit for bit", function () {
  it("fundingStep agrees over random open interest, marks and rules, and at the edges", async function () {
    const h = await harness();
    const big = bigints(10);
    const signs = seededRandom(11);
    const cases: Array<[bigint, bigint, bigint, FundingRule]> = [
      [0n, 0n, MAX_PRICE, { coefficient: MAX_COEFFICIENT, cap: MAX_CAP, floor: 0n }],
      [(1n << 56n) - 1n, 0n, MAX_PRICE, { coefficient: MAX_COEFFICIENT, cap: MAX_CAP, floor: 0n }],
      [0n, (1n << 56n) - 1n, MAX_PRICE, { coefficient: MAX_COEFFICIENT, cap: MAX_CAP, floor: (1n << 64n) - 1n }],
      [5n, 5n, 3_000_00000000n, { coefficient: WAD, cap: MAX_CAP, floor: 0n }],
      [1n, 0n, 1n, { coefficient: 1n, cap: 1n, floor: 1n }],
    ];
    while (cases.length < CASES) {
      const floor = signs() < 0.3 ? 0n : big((1n << 64n) - 1n);
      cases.push([big((1n << 56n) - 1n), big((1n << 56n) - 1n), 1n + big(MAX_PRICE - 1n), { coefficient: big(MAX_COEFFICIENT), cap: big(MAX_CAP), floor }]);
    }
    for (let i = 0; i < cases.length; i += BATCH) {
      const batch = cases.slice(i, i + BATCH);
      const out = await h.fundingSteps(batch.map((c) => c[0]), batch.map((c) => c[1]), batch.map((c) => c[2]), batch.map((c) => [c[3].coefficient, c[3].cap, c[3].floor]));
      batch.forEach(([l, s, mark, rule], k) => {
        const step = fundingStep(l, s, mark, rule);
        expect(out[k], `case ${i + k}: ${l} ${s} ${mark} ${rule.coefficient} ${rule.cap} ${rule.floor}`).to.equal(step);
        // The rate is clamped: |step| <= cap * mark / 1e10, and its sign is the skew's (longs pay when long).
        expect(step * (l > s ? 1n : -1n) >= 0n || l === s).to.equal(true);
        expect(step < 0n ? -step : step).to.be.at.most((rule.cap * mark) / 10n ** 10n);
        if (l === s) expect(step).to.equal(0n);
      });
    }
  });

  it("funding and fundingLoss agree over random sizes, indices and decimals, rounding against the trader", async function () {
    const h = await harness();
    const big = bigints(20);
    const r = seededRandom(21);
    const signed = (max: bigint): bigint => (r() < 0.5 ? -big(max) : big(max));
    const cases: Array<[bigint, bigint, bigint, number]> = [
      [(1n << 96n) - 1n, -(1n << 95n), (1n << 95n) - 1n, 18],
      [-((1n << 96n) - 1n), -(1n << 95n), (1n << 95n) - 1n, 18],
      [1n, 0n, 1n, 6],
      [-1n, 0n, 1n, 6],
      [0n, 5n, 7n, 6],
    ];
    while (cases.length < CASES) cases.push([signed((1n << 96n) - 1n), signed((1n << 95n) - 1n), signed((1n << 95n) - 1n), Math.floor(r() * 19)]);
    for (let i = 0; i < cases.length; i += BATCH) {
      const batch = cases.slice(i, i + BATCH);
      const [owed, loss] = await h.fundings(batch.map((c) => c[0]), batch.map((c) => c[1]), batch.map((c) => c[2]), batch.map((c) => c[3]));
      batch.forEach(([size, from, to, dec], k) => {
        const o = funding(size, from, to, dec);
        expect(owed[k], `case ${i + k}`).to.equal(o);
        expect(loss[k], `case ${i + k}`).to.equal(fundingLoss(size, from, to));
        // Exact: size * (to - from) * 10^dec / 1e34. Owed (> 0) rounds up, received rounds toward zero.
        const raw = size * (to - from) * 10n ** BigInt(dec);
        const scale = 10n ** 34n;
        expect(o * scale >= raw, `case ${i + k} owes at least the exact amount`).to.equal(true);
        expect(o * scale - raw < scale, `case ${i + k} by less than one unit`).to.equal(true);
        if (raw < 0n) expect(o <= 0n).to.equal(true);
      });
    }
  });
});
