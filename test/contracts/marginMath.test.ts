/**
 * MarginMath against its TypeScript mirror (prover/src/margin.ts), bit for bit, over seeded
 * random inputs and the edges of every range; both against exact rational arithmetic for the
 * direction of rounding (always against the trader). `growsExposure` has no Solidity twin in the
 * library: the engine inlines it, so it is checked through the margin kind the engine picks.
 */
import { expect } from "chai";
import { EventLog, type Signer } from "ethers";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import type { TokenContract } from "../../prover/src/contracts.js";
import { accountRequirement, growsExposure, positionRequirement, realisedPnl, type MarketQuote, type PositionState } from "../../prover/src/margin.js";
import { createWorld, nextEpoch, type World } from "../../scripts/lib/world.js";
import type { MarginEngine, MarginMathHarness, PerpMarket } from "../../types/ethers-contracts/index.js";
import { BTC_PERP, deployEngine, e18, e6, ETH_PERP, GARBAGE_NOTE, GARBAGE_PROOF, LIMIT_96, USDC, WBTC, WETH } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

const MAX_PRICE = 10n ** 16n;
const VALUE_SCALE = 10n ** 4n;
const PNL_SCALE = 10n ** 26n;
const CASES = 3_000;
const BATCH = 250;

// ----------------------------------------------------------------------------------------------
// Seeded generator (splitmix64) and input distributions
// ----------------------------------------------------------------------------------------------

const M64 = (1n << 64n) - 1n;

/** A deterministic stream of 64-bit words. */
function splitmix64(seed: bigint): () => bigint {
  let s = seed & M64;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  };
}

class Random {
  private readonly next: () => bigint;
  constructor(seed: bigint) {
    this.next = splitmix64(seed);
  }
  /** Uniform in [0, 2^bits). */
  bits(bits: number): bigint {
    let x = 0n;
    for (let have = 0; have < bits; have += 64) x = (x << 64n) | this.next();
    return x & ((1n << BigInt(bits)) - 1n);
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Number(this.next() % BigInt(n));
  }
  /** A value in [0, max] whose bit length is uniform: small and large magnitudes alike. */
  spread(max: bigint): bigint {
    const len = 1 + this.int(max.toString(2).length);
    return this.bits(len) % (max + 1n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return Number(this.next() >> 11n) / 2 ** 53 < p;
  }
}

const SIZE_EDGES = [0n, 1n, -1n, LIMIT_96 - 1n, -(LIMIT_96 - 1n), e18, -e18];
const PRICE_EDGES = [0n, 1n, 10n ** 8n, MAX_PRICE - 1n, MAX_PRICE];
const RATIO_EDGES = [0n, 1n, WAD - 1n, WAD];
const DECIMAL_EDGES = [0, 6, 18];

function size(r: Random): bigint {
  if (r.chance(0.2)) return r.pick(SIZE_EDGES);
  const magnitude = r.spread(LIMIT_96 - 1n);
  return r.chance(0.5) ? -magnitude : magnitude;
}
const price = (r: Random): bigint => (r.chance(0.2) ? r.pick(PRICE_EDGES) : r.spread(MAX_PRICE));
const ratio = (r: Random): bigint => (r.chance(0.2) ? r.pick(RATIO_EDGES) : r.spread(WAD));
const decimals = (r: Random): number => (r.chance(0.3) ? r.pick(DECIMAL_EDGES) : r.int(19));

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

// ----------------------------------------------------------------------------------------------
// Fixtures
// ----------------------------------------------------------------------------------------------

async function harnessFixture(): Promise<{ harness: MarginMathHarness }> {
  return { harness: await ethers.deployContract("MarginMathHarness") };
}

interface AcceptingEngine {
  w: World;
  engine: MarginEngine;
  market: PerpMarket;
  trader: Signer;
}

/**
 * A development world with a second engine whose verifier accepts every proof, so that trades
 * can be driven in the hundreds; the trader's "deposit" gives the engine USDC to settle losses.
 */
async function acceptingEngineFixture(): Promise<AcceptingEngine> {
  const w = await createWorld(ethers);
  const verifier = await ethers.deployContract("AcceptingVerifier");
  const { engine, market } = await deployEngine(ethers, w, { verifier: await verifier.getAddress() });
  const [, lp, trader] = await ethers.getSigners();
  const usdc = (who: Signer): TokenContract => w.d.tokens[USDC]!.connect(who) as TokenContract;
  await (await usdc(lp!).mint(await lp!.getAddress(), 1_000_000_000n * e6)).wait();
  await (await usdc(lp!).approve(await market.getAddress(), 1_000_000_000n * e6)).wait();
  await (await market.connect(lp!).addLiquidity(1_000_000_000n * e6)).wait();
  await (await usdc(trader!).mint(await trader!.getAddress(), 100_000_000n * e6)).wait();
  await (await usdc(trader!).approve(await engine.getAddress(), 100_000_000n * e6)).wait();
  const epoch = BigInt(await w.d.oracle.currentEpoch());
  await (await engine.connect(trader!).deposit(USDC, 100_000_000n * e6, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  return { w, engine, market, trader: trader! };
}

// ----------------------------------------------------------------------------------------------
// Exact rational references
// ----------------------------------------------------------------------------------------------

/** True when `q` is the least integer >= num/den (den > 0). */
function isCeil(q: bigint, num: bigint, den: bigint): boolean {
  return q * den >= num && (q - 1n) * den < num;
}

/** True when `q` is the greatest integer <= num/den (den > 0), for num of either sign. */
function isFloor(q: bigint, num: bigint, den: bigint): boolean {
  return q * den <= num && (q + 1n) * den > num;
}

describe("MarginMath", function () {
  describe("#positionRequirement", function () {
    it(`agrees bit for bit with the TypeScript mirror over ${CASES} seeded inputs and the edges`, async function () {
      const { harness } = await networkHelpers.loadFixture(harnessFixture);
      const r = new Random(0x5eed_0001n);
      const inputs: [bigint, bigint, bigint, bigint][] = [];
      // Every combination of edges first, then random inputs.
      for (const s of SIZE_EDGES) for (const e of PRICE_EDGES) for (const m of PRICE_EDGES) for (const q of [0n, WAD]) inputs.push([s, e, m, q]);
      while (inputs.length < CASES) inputs.push([size(r), price(r), price(r), ratio(r)]);

      for (let i = 0; i < inputs.length; i += BATCH) {
        const batch = inputs.slice(i, i + BATCH);
        const got: bigint[] = [
          ...(await harness.positionRequirements(
            batch.map((x) => x[0]),
            batch.map((x) => x[1]),
            batch.map((x) => x[2]),
            batch.map((x) => x[3]),
          )),
        ];
        batch.forEach(([s, e, m, q], k) => {
          expect(got[k], `positionRequirement(${s}, ${e}, ${m}, ${q})`).to.equal(positionRequirement(s, e, m, q));
        });
      }
    });

    it("rounds the margin up and adds the exact unrealised loss: never below the exact requirement, less than one unit above", async function () {
      const r = new Random(0x5eed_0002n);
      for (let i = 0; i < CASES; i++) {
        const [s, e, m, q] = [size(r), price(r), price(r), ratio(r)];
        const req = positionRequirement(s, e, m, q);
        // exact = |s| m 1e4 q / 1e18 + max(0, -s (m - e) 1e4), as one fraction over 1e18.
        const loss = s * (m - e) * VALUE_SCALE < 0n ? -(s * (m - e) * VALUE_SCALE) : 0n;
        const num = abs(s) * m * VALUE_SCALE * q + loss * WAD;
        expect(isCeil(req, num, WAD), `positionRequirement(${s}, ${e}, ${m}, ${q}) = ${req}`).to.equal(true);
      }
    });

    it("can exceed the 150-bit requirement field with a single position at the largest size and mark (hence RequirementTooLarge)", async function () {
      const { harness } = await networkHelpers.loadFixture(harnessFixture);
      const worst = BigInt(await harness.positionRequirement(LIMIT_96 - 1n, MAX_PRICE, 0n, WAD));
      expect(worst).to.equal(positionRequirement(LIMIT_96 - 1n, MAX_PRICE, 0n, WAD));
      expect(worst).to.be.at.least(1n << 150n);
      expect(worst).to.be.lessThan(1n << 256n);
    });
  });

  describe("#realisedPnl", function () {
    it(`agrees bit for bit with the TypeScript mirror over ${CASES} seeded inputs and the edges`, async function () {
      const { harness } = await networkHelpers.loadFixture(harnessFixture);
      const r = new Random(0x5eed_0003n);
      const inputs: [bigint, bigint, bigint, number][] = [];
      for (const s of SIZE_EDGES) for (const e of PRICE_EDGES) for (const m of PRICE_EDGES) for (const d of DECIMAL_EDGES) inputs.push([s, e, m, d]);
      while (inputs.length < CASES) inputs.push([size(r), price(r), price(r), decimals(r)]);

      for (let i = 0; i < inputs.length; i += BATCH) {
        const batch = inputs.slice(i, i + BATCH);
        const got: bigint[] = [
          ...(await harness.realisedPnls(
            batch.map((x) => x[0]),
            batch.map((x) => x[1]),
            batch.map((x) => x[2]),
            batch.map((x) => x[3]),
          )),
        ];
        batch.forEach(([s, e, m, d], k) => {
          expect(got[k], `realisedPnl(${s}, ${e}, ${m}, ${d})`).to.equal(realisedPnl(s, e, m, d));
        });
      }
    });

    it("rounds profit down and loss up: the floor of the exact PnL, never above it", async function () {
      const r = new Random(0x5eed_0004n);
      let profits = 0;
      let losses = 0;
      for (let i = 0; i < CASES; i++) {
        const [s, e, m, d] = [size(r), price(r), price(r), decimals(r)];
        const pnl = realisedPnl(s, e, m, d);
        const exact = s * (m - e) * 10n ** BigInt(d); // over PNL_SCALE
        expect(isFloor(pnl, exact, PNL_SCALE), `realisedPnl(${s}, ${e}, ${m}, ${d}) = ${pnl}`).to.equal(true);
        if (exact > 0n && exact % PNL_SCALE !== 0n) profits++;
        if (exact < 0n && exact % PNL_SCALE !== 0n) losses++;
      }
      // Both directions of rounding were exercised.
      expect(profits).to.be.greaterThan(100);
      expect(losses).to.be.greaterThan(100);
    });

    it("cannot reach PnlTooLarge with a quote token of at most 10 decimals (USDC has 6), but can with 18", async function () {
      const { harness } = await networkHelpers.loadFixture(harnessFixture);
      const at = async (d: number): Promise<bigint> => BigInt(await harness.realisedPnl(LIMIT_96 - 1n, 0n, MAX_PRICE, d));
      expect(await at(6)).to.be.lessThan(LIMIT_96);
      expect(-BigInt(await harness.realisedPnl(LIMIT_96 - 1n, MAX_PRICE, 0n, 6))).to.be.lessThan(LIMIT_96);
      expect(await at(18)).to.be.at.least(LIMIT_96);
      // The most quote decimals for which no position can overflow the 96-bit delta.
      let safe = 0;
      while (safe < 18 && (await at(safe + 1)) < LIMIT_96) safe++;
      expect(safe).to.equal(10);
    });
  });

  describe("#abs", function () {
    it("returns the magnitude at the edges of int256", async function () {
      const { harness } = await networkHelpers.loadFixture(harnessFixture);
      const MAX = (1n << 255n) - 1n;
      for (const x of [0n, 1n, -1n, MAX, -MAX]) expect(await harness.abs(x)).to.equal(abs(x));
      await expect(harness.abs(-(1n << 255n))).to.be.revertedWithPanic(0x11);
    });
  });
});

describe("growsExposure (TypeScript) against the engine's choice of margin", function () {
  it("picks initial margin exactly when the TypeScript growsExposure does, over seeded random trades", async function () {
    const { w, engine, trader } = await networkHelpers.loadFixture(acceptingEngineFixture);
    const who = await trader.getAddress();
    const as = engine.connect(trader);
    const r = new Random(0x5eed_0005n);
    const unit = [e18, e18 / 100n]; // 1 ETH, 0.01 BTC
    const counts = { grows: 0, shrinks: 0, flips: 0, closes: 0 };
    let commitment = 2n;

    for (let step = 0; step < 160; step++) {
      if (r.chance(0.1)) {
        const move = (p: bigint): bigint => (p * BigInt(90 + r.int(21))) / 100n;
        await nextEpoch(w, new Map([[WETH, move(w.prices[WETH]!)], [WBTC, move(w.prices[WBTC]!)]]));
        // A move that trips a circuit breaker halts new risk: wait out the cooling-off at the new prices.
        while ((await w.d.oracle.marketHalted(0)) || (await w.d.oracle.marketHalted(1))) await nextEpoch(w);
      }
      const j = r.int(2);
      const markets: MarketQuote[] = [];
      const positions = new Map<number, PositionState>();
      for (let k = 0; k < 2; k++) {
        const [mark, ratios, pos] = await Promise.all([w.d.oracle.markPrice(k), w.d.oracle.marketRatios(k), engine.positionOf(who, k)]);
        markets.push({ mark: BigInt(mark), imRatio: BigInt(ratios[0]), mmRatio: BigInt(ratios[1]) });
        if (BigInt(pos.size) !== 0n) positions.set(k, { size: BigInt(pos.size), entryPrice: BigInt(pos.entryPrice) });
      }
      const old = positions.get(j) ?? { size: 0n, entryPrice: 0n };
      let delta: bigint;
      switch (old.size === 0n ? 0 : r.int(6)) {
        case 1: delta = -old.size; break; // close
        case 2: delta = -2n * old.size; break; // flip to the same size on the other side
        case 3: delta = -old.size / 2n; break; // halve
        case 4: delta = old.size > 0n ? -1n : 1n; break; // shave one unit
        case 5: delta = old.size > 0n ? 1n : -1n; break; // grow by one unit
        default: delta = BigInt(r.int(21) - 10) * unit[j]!;
      }
      if (delta === 0n) delta = unit[j]!;
      const newSize = old.size + delta;
      const grows = growsExposure(old.size, newSize);
      const mark = markets[j]!.mark;
      const pnl = realisedPnl(old.size, old.entryPrice, mark, 6);
      const after = new Map(positions);
      if (newSize === 0n) after.delete(j);
      else after.set(j, { size: newSize, entryPrice: mark });
      const requirement = accountRequirement(after, markets, grows);
      const other = accountRequirement(after, markets, !grows);

      const epoch = BigInt(await w.d.oracle.currentEpoch());
      const receipt = await (await as.trade(j, delta, epoch, commitment++, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
      const logs = receipt!.logs.filter((l): l is EventLog => l instanceof EventLog);
      const updated = logs.find((l) => l.eventName === "AccountUpdated")!;
      const changed = logs.find((l) => l.eventName === "PositionChanged")!;
      const label = `step ${step}: market ${j}, ${old.size} -> ${newSize}`;
      expect(changed.args.realisedPnl, label).to.equal(pnl);
      expect(updated.args.requirement, label).to.equal(requirement);
      if (after.size > 0) expect(other, `${label}: initial and maintenance differ`).to.not.equal(requirement);

      if ((old.size > 0n && newSize < 0n) || (old.size < 0n && newSize > 0n)) counts.flips++;
      else if (newSize === 0n) counts.closes++;
      else if (grows) counts.grows++;
      else counts.shrinks++;
    }
    expect(counts.grows, JSON.stringify(counts)).to.be.greaterThan(10);
    expect(counts.shrinks, JSON.stringify(counts)).to.be.greaterThan(10);
    expect(counts.flips, JSON.stringify(counts)).to.be.greaterThan(5);
    expect(counts.closes, JSON.stringify(counts)).to.be.greaterThan(5);
  });

  it("treats a flip as growth even to a smaller size, and an unchanged size as no growth", function () {
    expect(growsExposure(0n, 1n)).to.equal(true);
    expect(growsExposure(5n, 6n)).to.equal(true);
    expect(growsExposure(-5n, -6n)).to.equal(true);
    expect(growsExposure(5n, -1n)).to.equal(true);
    expect(growsExposure(-5n, 1n)).to.equal(true);
    expect(growsExposure(5n, 4n)).to.equal(false);
    expect(growsExposure(-5n, -4n)).to.equal(false);
    expect(growsExposure(5n, 0n)).to.equal(false);
    expect(growsExposure(5n, 5n)).to.equal(false);
  });
});
