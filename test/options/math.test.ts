/**
 * The options math (contracts/libraries/FixedPointMath.sol, BlackScholes.sol) against its TypeScript twin
 * (prover/src/options), bit for bit over seeded random inputs, and both against double-precision
 * references for accuracy; the premium's monotonicity and put-call parity.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import { cdf, marginPerUnit, quote } from "../../prover/src/options/blackScholes.js";
import { expNeg, ln, sqrt } from "../../prover/src/options/math.js";
import type { OptionsMathHarness } from "../../types/ethers-contracts/index.js";
import { Draws, floatPremium, normCdf } from "./reference.js";

const { ethers } = await network.create();
const harness = (await ethers.deployContract("OptionsMathHarness")) as unknown as OptionsMathHarness;

const CASES = 3_000;
const BATCH = 150;
const toNum = (x: bigint, scale = WAD): number => Number(x) / Number(scale);

/** Calls `f` on the inputs in batches and concatenates the answers. */
async function batched<T, R>(inputs: T[], f: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < inputs.length; i += BATCH) out.push(...(await f(inputs.slice(i, i + BATCH))));
  return out;
}

interface QuoteCase {
  spot: bigint;
  strike: bigint;
  variance: bigint;
  isCall: boolean;
}

/** Spot $1 to $1,000,000, strike within a factor e^width of it, sigma sqrt T from 10^(minLog/2) to 1.8, a few zero variances. */
function quoteCases(seed: number, n: number, width = 1.5, minLog = -6): QuoteCase[] {
  const r = new Draws(seed);
  return Array.from({ length: n }, (_, i) => {
    const spot = r.logUniform(0, 6, 1e8);
    const strike = BigInt(Math.max(1, Math.round(Number(spot) * Math.exp(r.uniform(-width, width)))));
    const variance = i % 97 === 0 ? 0n : r.logUniform(minLog, 0.5, 1e18);
    return { spot, strike, variance, isCall: r.next() < 0.5 };
  });
}

async function solidityQuotes(cases: QuoteCase[], move: bigint, volShock: bigint): Promise<bigint[][]> {
  return batched(cases, async (c) => {
    const flat = await harness.quotes(c.map((x) => x.spot), c.map((x) => x.strike), c.map((x) => x.variance), c.map((x) => x.isCall), move, volShock);
    return c.map((_, i) => flat.slice(5 * i, 5 * i + 5).map(BigInt));
  });
}

describe("Options math", function () {
  describe("FixedPointMath", function () {
    it(`sqrt is floor(sqrt) and agrees bit for bit with the TypeScript twin over ${CASES} inputs`, async function () {
      const r = new Draws(1);
      const xs = [0n, 1n, 2n, 3n, 4n, WAD, (1n << 256n) - 1n, ...Array.from({ length: CASES }, () => r.spread(256))];
      const sol = await batched(xs, async (c) => (await harness.sqrts(c)).map(BigInt));
      xs.forEach((x, i) => {
        expect(sol[i], `sqrt(${x})`).to.equal(sqrt(x));
        expect(sol[i]! * sol[i]! <= x && (sol[i]! + 1n) * (sol[i]! + 1n) > x, `floor of sqrt(${x})`).to.equal(true);
      });
    });

    it(`ln agrees bit for bit with the TypeScript twin over ${CASES} inputs, within 1e-12 of Math.log, and refuses 0`, async function () {
      const r = new Draws(2);
      const xs = [1n, WAD - 1n, WAD, WAD + 1n, 2n * WAD, 10n ** 36n, ...Array.from({ length: CASES }, () => r.spread(200) + 1n)];
      const sol = await batched(xs, async (c) => (await harness.lns(c)).map(BigInt));
      let worst = 0;
      xs.forEach((x, i) => {
        expect(sol[i], `ln(${x})`).to.equal(ln(x));
        worst = Math.max(worst, Math.abs(toNum(sol[i]!) - Math.log(Number(x) / 1e18)));
      });
      expect(ln(WAD)).to.equal(0n);
      expect(worst, "max |ln - Math.log|").to.be.below(1e-12);
      await expect(harness.ln(0n)).to.be.revertedWithCustomError(harness, "LnOfZero");
    });

    it(`expNeg agrees bit for bit with the TypeScript twin over ${CASES} inputs, within 2e-16 of Math.exp (a double's resolution), and refuses x > 0`, async function () {
      const r = new Draws(3);
      const xs = [0n, -1n, -WAD, -42n * WAD, -42n * WAD - 1n, ...Array.from({ length: CASES }, () => -BigInt(Math.floor(r.uniform(0, 45) * 1e15)) * 1000n - r.bits(10))];
      const sol = await batched(xs, async (c) => (await harness.expNegs(c)).map(BigInt));
      let worst = 0;
      xs.forEach((x, i) => {
        expect(sol[i], `expNeg(${x})`).to.equal(expNeg(x));
        worst = Math.max(worst, Math.abs(toNum(sol[i]!) - Math.exp(Number(x) / 1e18)));
      });
      expect(expNeg(0n)).to.equal(WAD);
      expect(worst, "max |expNeg - Math.exp|").to.be.below(2e-16);
      await expect(harness.expNeg(1n)).to.be.revertedWithCustomError(harness, "ExpPositive").withArgs(1n);
    });
  });

  describe("BlackScholes", function () {
    it(`the normal CDF agrees bit for bit over ${CASES} inputs, is symmetric, and is within A&S 26.2.17's 7.5e-8 of a double-precision CDF`, async function () {
      const r = new Draws(4);
      const xs = [0n, 1n, -1n, 40n * WAD, -40n * WAD, 40n * WAD - 1n, ...Array.from({ length: CASES }, () => BigInt(Math.round(r.uniform(-9, 9) * 1e9)) * 10n ** 9n + r.bits(20))];
      const sol = await batched(xs, async (c) => (await harness.cdfs(c)).map(BigInt));
      let worst = 0;
      xs.forEach((x, i) => {
        expect(sol[i], `cdf(${x})`).to.equal(cdf(x));
        expect(cdf(-x) + cdf(x), `cdf(${x}) + cdf(-x)`).to.equal(x === 0n ? 2n * cdf(0n) : WAD);
        worst = Math.max(worst, Math.abs(toNum(sol[i]!) - normCdf(Number(x) / 1e18)));
      });
      console.log(`      measured max |cdf - double CDF| = ${worst.toExponential(2)} over ${xs.length} inputs`);
      expect(worst).to.be.below(7.5e-8 + 1e-12);
    });

    it(`premium, delta, gamma, vegaS and the margin per unit agree bit for bit over ${CASES} random options`, async function () {
      const cases = quoteCases(5, CASES);
      for (const [move, volShock] of [[12n * 10n ** 16n, 25n * 10n ** 16n], [WAD / 1000n, 0n]] as const) {
        const sol = await solidityQuotes(cases, move, volShock);
        cases.forEach((c, i) => {
          const q = quote(c.spot, c.strike, c.variance, c.isCall);
          const m = marginPerUnit(c.spot, c.variance, q, move, volShock);
          expect(sol[i], `quote ${JSON.stringify(c, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`).to.deep.equal([q.premium, q.delta, q.gamma, q.vegaS, m]);
        });
      }
    });

    it("the premium is within 7.5e-8 (spot + strike) of a double-precision Black-Scholes (the CDF's bound)", async function () {
      const cases = quoteCases(6, CASES);
      const sol = await solidityQuotes(cases, 0n, 0n);
      let worst = 0;
      cases.forEach((c, i) => {
        const s = toNum(c.spot, 10n ** 8n);
        const k = toNum(c.strike, 10n ** 8n);
        const ref = floatPremium(s, k, toNum(c.variance), c.isCall);
        const err = Math.abs(toNum(sol[i]![0]!) - ref) / (s + k);
        worst = Math.max(worst, err);
      });
      console.log(`      measured max |premium - double BS| / (spot + strike) = ${worst.toExponential(2)} over ${cases.length} options`);
      expect(worst).to.be.below(7.5e-8);
    });

    it("put-call parity holds within 1e-18 USD per unit: C - P = S - K exactly up to one rounding", async function () {
      const cases = quoteCases(7, 1_000, 0.3, -2).map((c) => ({ ...c, isCall: true }));
      const calls = await solidityQuotes(cases, 0n, 0n);
      const puts = await solidityQuotes(cases.map((c) => ({ ...c, isCall: false })), 0n, 0n);
      let checked = 0;
      cases.forEach((c, i) => {
        const [call, put] = [calls[i]![0]!, puts[i]![0]!];
        if (call === 0n || put === 0n) return; // clamped at 0: parity does not bind
        const gap = call - put - (c.spot - c.strike) * 10n ** 10n;
        expect(gap >= -1n && gap <= 1n, `parity gap ${gap} at ${c.spot}/${c.strike}/${c.variance}`).to.equal(true);
        checked++;
      });
      expect(checked).to.be.greaterThan(950);
    });

    it("the premium rises with spot (call) or falls (put), falls with strike (call) or rises (put), rises with variance", async function () {
      const K = 3_000n * 10n ** 8n;
      const v = 4n * 10n ** 16n; // sigma sqrt T = 0.2
      const grid = Array.from({ length: 151 }, (_, i) => (K * BigInt(50 + i)) / 100n); // 50% .. 200% of K
      const variances = Array.from({ length: 100 }, (_, i) => BigInt(i + 1) * 10n ** 15n);
      const premiums = async (cs: QuoteCase[]): Promise<bigint[]> => (await solidityQuotes(cs, 0n, 0n)).map((q) => q[0]!);
      const nonDecreasing = (xs: bigint[], what: string): void => xs.slice(1).forEach((x, i) => expect(x >= xs[i]!, `${what} at step ${i + 1}: ${xs[i]} -> ${x}`).to.equal(true));
      for (const isCall of [true, false]) {
        const bySpot = await premiums(grid.map((s) => ({ spot: s, strike: K, variance: v, isCall })));
        nonDecreasing(isCall ? bySpot : [...bySpot].reverse(), `${isCall ? "call" : "put"} in spot`);
        const byStrike = await premiums(grid.map((k) => ({ spot: K, strike: k, variance: v, isCall })));
        nonDecreasing(isCall ? [...byStrike].reverse() : byStrike, `${isCall ? "call" : "put"} in strike`);
        const byVol = await premiums(variances.map((x) => ({ spot: K, strike: (K * 11n) / 10n, variance: x, isCall })));
        nonDecreasing(byVol, `${isCall ? "call" : "put"} in variance`);
        expect(byVol[99]! > byVol[0]!).to.equal(true);
      }
    });

    it("caps the price part of the margin at the move h: gamma grows without bound at the money near expiry", async function () {
      const S = 3_000n * 10n ** 8n;
      const move = 12n * 10n ** 16n;
      const h = (S * 10n ** 10n * move) / WAD; // 360 USD, exact
      const [, delta, gamma, , capped] = (await solidityQuotes([{ spot: S, strike: S, variance: 10n ** 12n, isCall: true }], move, 0n))[0]!;
      const taylor = (delta! * h) / WAD + (((gamma! * h) / WAD) * h) / (2n * WAD);
      expect(taylor, "the uncapped Taylor term").to.be.greaterThan(10n * h);
      expect(capped).to.equal(h);
      // A month out (sigma sqrt T = 0.2) the Taylor term is below h and is the margin.
      const [, d2, g2, , month] = (await solidityQuotes([{ spot: S, strike: S, variance: 4n * 10n ** 16n, isCall: true }], move, 0n))[0]!;
      const monthTaylor = (d2! * h) / WAD + (((g2! * h) / WAD) * h) / (2n * WAD);
      expect(month).to.be.lessThan(h);
      expect(month! >= monthTaylor && month! <= monthTaylor + 2n, `margin ${month} against the Taylor term ${monthTaylor}`).to.equal(true);
    });

    it("at zero variance the premium is the intrinsic value, delta a step, gamma and vega 0", function () {
      const S = 3_000n * 10n ** 8n;
      expect(quote(S, S - 10n ** 10n, 0n, true)).to.deep.equal({ premium: 10n ** 20n, delta: WAD, gamma: 0n, vegaS: 0n });
      expect(quote(S, S + 10n ** 10n, 0n, true)).to.deep.equal({ premium: 0n, delta: 0n, gamma: 0n, vegaS: 0n });
      expect(quote(S, S + 10n ** 10n, 0n, false)).to.deep.equal({ premium: 10n ** 20n, delta: -WAD, gamma: 0n, vegaS: 0n });
    });
  });
});
