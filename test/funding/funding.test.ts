/**
 * Funding on the perp (contracts/engine/Positions.sol, "Funding" in the README): the index per market,
 * accrued per whole oracle grid step at the open-interest skew, realised into the settlement slot at every
 * trade, renewal, force-close and liquidation. The engine verifies with `AcceptingVerifier` and
 * `AcceptingInsolvencyVerifier` (accept every proof): what is checked is the engine's own arithmetic and the
 * tokens it moves, against the TypeScript model (prover/src/margin.ts) recomputed from public state.
 */
import { expect } from "chai";
import type { ContractTransactionResponse, Signer } from "ethers";
import { network } from "hardhat";
import type { TokenContract } from "../../prover/src/contracts.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { accountRequirement, funding, fundingLoss, fundingStep, realisedPnl, type FundingRule } from "../../prover/src/margin.js";
import { seededRandom } from "../../prover/src/prng.js";
import { createWorld, elapse, frozenEpoch, nextEpoch, type World } from "../../scripts/lib/world.js";
import type { MarginEngine, PerpMarket, PlimsollOracle } from "../../types/ethers-contracts/index.js";
import { deployAcceptingEngine, e18, e6, ETH_PERP, fundFor, GARBAGE_NOTE, GARBAGE_PROOF, USDC, WETH } from "../contracts/helpers.js";

const { ethers, networkHelpers } = await network.create();

/** 0.1% of the notional per grid step at a full skew; the skew is divided by at least 1 whole unit (1e5 OI units). */
const RULE: FundingRule = { coefficient: 10n ** 15n, cap: 10n ** 15n, floor: 100_000n };
/** The largest rule the engine accepts, with a floor of one OI unit: a one-sided market funds at the cap. */
const LARGEST_RULE: FundingRule = { coefficient: 10n ** 20n, cap: 10n ** 16n, floor: 1n };
const NO_SEIZURE = { indexA: USDC, amountA: 0n, indexB: WETH, amountB: 0n };

interface Setup {
  w: World;
  engine: MarginEngine;
  market: PerpMarket;
  oracle: PlimsollOracle;
  usdc: TokenContract;
  /** Four traders, each with 100,000 USDC deposited and no position. */
  traders: Signer[];
}

let commitment = 1_000n;
const next = (): bigint => ++commitment;

async function deploy(rule: FundingRule): Promise<Setup> {
  const w = await createWorld(ethers);
  const signers = await ethers.getSigners();
  const lp = signers[1]!;
  const { engine, market } = await deployAcceptingEngine(ethers, w, { lp, liquidity: 1_000_000n * e6 }, [rule.coefficient, rule.cap, rule.floor]);
  const usdc = w.d.tokens[USDC]! as TokenContract;
  const traders = signers.slice(2, 6);
  const epoch = await w.d.oracle.currentEpoch();
  for (const t of traders) {
    await fundFor(w, await engine.getAddress(), t, new Map([[USDC, 100_000n * e6]]));
    await (await engine.connect(t).deposit(USDC, 100_000n * e6, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  }
  const oracle = (await ethers.getContractAt("PlimsollOracle", await w.d.oracle.getAddress())) as unknown as PlimsollOracle;
  return { w, engine, market, oracle, usdc, traders };
}

const withFunding = (): Promise<Setup> => deploy(RULE);
const withoutFunding = (): Promise<Setup> => deploy({ coefficient: 0n, cap: 0n, floor: 0n });

/** The FundingPaid and PositionChanged logs of a transaction. */
async function logsOf(s: Setup, tx: Promise<ContractTransactionResponse>) {
  const receipt = (await (await tx).wait())!;
  const funded: Array<{ account: string; market: bigint; owed: bigint; index: bigint }> = [];
  let pricePnl = 0n;
  for (const log of receipt.logs) {
    const parsed = s.engine.interface.parseLog(log);
    if (parsed?.name === "FundingPaid") funded.push({ account: parsed.args[0], market: parsed.args[1], owed: parsed.args[2], index: parsed.args[3] });
    if (parsed?.name === "PositionChanged") pricePnl += BigInt(parsed.args[5]);
  }
  return { funded, pricePnl, receipt };
}

async function trade(s: Setup, who: Signer, size: bigint, market = ETH_PERP) {
  const epoch = await s.w.d.oracle.currentEpoch();
  return logsOf(s, s.engine.connect(who).trade(market, size, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF));
}

async function renew(s: Setup, who: Signer) {
  const epoch = await s.w.d.oracle.currentEpoch();
  return logsOf(s, s.engine.connect(who).renewLease(epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF));
}

/** The index the TypeScript model predicts for market j now, from the stored funding, open interest and mark. */
async function predictedIndex(s: Setup, j: number, rule: FundingRule = RULE): Promise<bigint> {
  const f = await s.engine.fundingOf(j);
  const oi = await s.engine.openInterestOf(j);
  const [mark] = await s.w.d.oracle.marketQuote(j);
  const step = BigInt(await s.oracle.lastSample());
  return BigInt(f.index) + (step - BigInt(f.step)) * fundingStep(BigInt(oi.longSize), BigInt(oi.shortSize), BigInt(mark), rule);
}

/** A new epoch `steps` grid steps on (the steps between are skipped: nobody poked). */
async function epochAfter(w: World, steps: bigint, changes: ReadonlyMap<number, bigint> = new Map()): Promise<bigint> {
  if (steps > 1n) await elapse(w, (steps - 1n) * w.gridSeconds);
  return nextEpoch(w, changes);
}

describe("funding", function () {
  describe("direction", function () {
    it("longs pay and shorts receive when long open interest dominates; the pool keeps the skew's share", async function () {
      const s = await networkHelpers.loadFixture(withFunding);
      const [alice, bob] = s.traders as [Signer, Signer];
      await trade(s, alice, 10n * e18);
      await trade(s, bob, -4n * e18);
      expect((await s.engine.fundingOf(ETH_PERP)).index).to.equal(0n);
      await nextEpoch(s.w);
      const index = await s.engine.fundingIndexOf(ETH_PERP);
      expect(index).to.equal(await predictedIndex(s, ETH_PERP));
      expect(index > 0n, "the index rises: longs pay").to.equal(true);
      // The pool now reserves what it owes the short (its 4 ETH, in 1e-5 units, at the index, rounded up) on top
      // of the profit and the buffer of the positions.
      const owedToShort = ceilDiv(4n * 100_000n * index * 10n ** 13n * e6, 10n ** 34n);
      expect(owedToShort >= -funding(-4n * e18, 0n, index, 6) && owedToShort > 0n).to.equal(true);
      expect(await s.engine.poolReserve()).to.equal((await reserveWithoutFunding(s)) + owedToShort);
      // The unrealised funding counts against the long in its requirement, as an unrealised loss.
      const [mark, im, mm] = await s.w.d.oracle.marketQuote(ETH_PERP);
      const quotes = [{ mark, imRatio: im, mmRatio: mm, fundingIndex: index }];
      const p = await s.engine.positionOf(await alice.getAddress(), ETH_PERP);
      const alicePos = new Map([[ETH_PERP, { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex }]]);
      expect(await s.engine.requirementOf(await alice.getAddress(), false)).to.equal(accountRequirement(alicePos, quotes, false));
      expect(fundingLoss(10n * e18, 0n, index) > 0n).to.equal(true);

      const pool = await s.usdc.balanceOf(await s.market.getAddress());
      const a = await renew(s, alice);
      const b = await renew(s, bob);
      const aliceOwes = funding(10n * e18, 0n, index, 6);
      const bobOwes = funding(-4n * e18, 0n, index, 6);
      expect(aliceOwes > 0n && bobOwes < 0n).to.equal(true);
      expect(a.funded).to.deep.equal([{ account: await alice.getAddress(), market: BigInt(ETH_PERP), owed: aliceOwes, index }]);
      expect(b.funded).to.deep.equal([{ account: await bob.getAddress(), market: BigInt(ETH_PERP), owed: bobOwes, index }]);
      // The renewal's public delta is the funding, at the settlement slot.
      const updated = a.receipt.logs.map((l) => s.engine.interface.parseLog(l)).find((x) => x?.name === "AccountUpdated")!;
      expect([updated.args[5], updated.args[6]]).to.deep.equal([BigInt(USDC), -aliceOwes]);
      expect(await s.usdc.balanceOf(await s.market.getAddress())).to.equal(pool + aliceOwes + bobOwes);
      // The pool keeps 6/14 of the long's payment (rounded its way); the positions are at the index now.
      expect(aliceOwes + bobOwes > 0n).to.equal(true);
      expect((await s.engine.positionOf(await alice.getAddress(), ETH_PERP)).fundingIndex).to.equal(index);
      expect(await s.engine.requirementOf(await alice.getAddress(), false)).to.equal(accountRequirement(new Map([[ETH_PERP, { ...alicePos.get(ETH_PERP)!, fundingIndex: index }]]), quotes, false));
    });

    it("nothing moves when long and short open interest balance; shorts pay when they dominate", async function () {
      const s = await networkHelpers.loadFixture(withFunding);
      const [alice, bob, carol] = s.traders as [Signer, Signer, Signer];
      await trade(s, alice, 5n * e18);
      await trade(s, bob, -5n * e18);
      await nextEpoch(s.w);
      expect(await s.engine.fundingIndexOf(ETH_PERP)).to.equal(0n);
      expect((await renew(s, alice)).funded).to.deep.equal([]);
      expect((await renew(s, bob)).funded).to.deep.equal([]);
      await trade(s, carol, -5n * e18);
      await nextEpoch(s.w);
      const index = await s.engine.fundingIndexOf(ETH_PERP);
      expect(index).to.equal(await predictedIndex(s, ETH_PERP));
      expect(index < 0n, "the index falls: shorts pay").to.equal(true);
      const b = await renew(s, bob);
      const a = await renew(s, alice);
      expect(b.funded[0]!.owed).to.equal(funding(-5n * e18, 0n, index, 6));
      expect(b.funded[0]!.owed > 0n && a.funded[0]!.owed < 0n).to.equal(true);
      expect(a.funded[0]!.owed).to.equal(funding(5n * e18, 0n, index, 6));
    });
  });

  describe("grid steps", function () {
    it("advances the index only per whole oracle grid step: not within a step, by n steps after n", async function () {
      const s = await networkHelpers.loadFixture(withFunding);
      const [alice, bob] = s.traders as [Signer, Signer];
      await trade(s, alice, 3n * e18);
      await nextEpoch(s.w);
      const one = await s.engine.fundingIndexOf(ETH_PERP);
      expect(one > 0n).to.equal(true);
      // A first trade in the step accrues and realises; a second one in the same step accrues nothing more.
      const first = await trade(s, alice, -1n * e18);
      expect(first.funded.map((f) => f.owed)).to.deep.equal([funding(3n * e18, 0n, one, 6)]);
      const stored = await s.engine.fundingOf(ETH_PERP);
      expect(stored.index).to.equal(one);
      await elapse(s.w, s.w.gridSeconds / 2n);
      const second = await trade(s, alice, -1n * e18);
      expect(second.funded).to.deep.equal([]);
      expect((await s.engine.fundingOf(ETH_PERP)).index).to.equal(one);
      expect((await s.engine.fundingOf(ETH_PERP)).step).to.equal(stored.step);
      await trade(s, bob, 2n * e18);
      expect((await s.engine.fundingOf(ETH_PERP)).index).to.equal(one);
      // Three steps on (two without a sample): three steps of the skew at the new mark.
      const skipped = await predictedIndexAfter(s, 3n);
      expect(await s.engine.fundingIndexOf(ETH_PERP)).to.equal(skipped);
      expect(skipped - one).to.equal(3n * fundingStep(BigInt((await s.engine.openInterestOf(ETH_PERP)).longSize), 0n, BigInt((await s.w.d.oracle.marketQuote(ETH_PERP))[0]), RULE));
    });

    it("with no funding rule (cap 0) the index stays 0 and nothing is paid: today's numbers", async function () {
      const s = await networkHelpers.loadFixture(withoutFunding);
      const [alice] = s.traders as [Signer];
      await trade(s, alice, 10n * e18);
      await nextEpoch(s.w);
      expect(await s.engine.fundingIndexOf(ETH_PERP)).to.equal(0n);
      const r = await renew(s, alice);
      expect(r.funded).to.deep.equal([]);
      const updated = r.receipt.logs.map((l) => s.engine.interface.parseLog(l)).find((x) => x?.name === "AccountUpdated")!;
      expect([updated.args[5], updated.args[6]]).to.deep.equal([0n, 0n]);
      const c = await trade(s, alice, -10n * e18);
      expect(c.funded).to.deep.equal([]);
      const f = await s.engine.fundingOf(ETH_PERP);
      expect([f.index, f.step, f.long.size, f.short.size]).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("refuses a market whose funding rule is out of range at construction", async function () {
      const s = await networkHelpers.loadFixture(withoutFunding);
      for (const rule of [
        { coefficient: 1n, cap: 10n ** 16n + 1n, floor: 0n },
        { coefficient: 10n ** 20n + 1n, cap: 1n, floor: 0n },
        { coefficient: 1n, cap: 1n, floor: 1n << 64n },
      ]) {
        await expect(deploy(rule)).to.be.revertedWithCustomError(s.engine, "InvalidMarket");
      }
      // The bounds themselves are accepted.
      const ok = await deploy({ coefficient: 10n ** 20n, cap: 10n ** 16n, floor: (1n << 64n) - 1n });
      expect(await ok.engine.fundingCap()).to.equal(10n ** 16n);
    });

    it("reverts FundingIndexTooLarge when the index would leave its 96 bits (a full skew at the largest cap for ~1.3e11 steps), storing nothing", async function () {
      // One step at the cap moves the index by cap * mark / 1e10; the steps just past 2^95 of it, with nobody poking between.
      const rule = LARGEST_RULE;
      const s = await deploy(rule);
      const [alice, bob] = s.traders as [Signer, Signer];
      await trade(s, alice, e18);
      const [mark] = await s.w.d.oracle.marketQuote(ETH_PERP);
      const perStep = fundingStep(BigInt((await s.engine.openInterestOf(ETH_PERP)).longSize), 0n, BigInt(mark), rule);
      expect(perStep).to.equal((rule.cap * BigInt(mark)) / 10n ** 10n);
      const before = await s.engine.fundingOf(ETH_PERP);
      await epochAfter(s.w, (1n << 95n) / perStep + 1n);
      const index = await predictedIndex(s, ETH_PERP, rule);
      expect(index >= 1n << 95n).to.equal(true);
      expect(await s.engine.fundingIndexOf(ETH_PERP)).to.equal(index);
      for (const size of [e18, -e18]) {
        await expect(s.engine.connect(bob).trade(ETH_PERP, size, await s.w.d.oracle.currentEpoch(), next(), GARBAGE_NOTE, GARBAGE_PROOF))
          .to.be.revertedWithCustomError(s.engine, "FundingIndexTooLarge")
          .withArgs(ETH_PERP, index);
      }
      await expect(renew(s, alice)).to.be.revertedWithCustomError(s.engine, "FundingIndexTooLarge").withArgs(ETH_PERP, index);
      const after = await s.engine.fundingOf(ETH_PERP);
      expect([after.index, after.step]).to.deep.equal([before.index, before.step]);
    });

    it("reverts PnlTooLarge from a renewal whose funding owed reaches 2^96 base units (a debt no proof could carry), while the index still fits", async function () {
      const rule = LARGEST_RULE;
      const s = await deploy(rule);
      const [alice] = s.traders as [Signer];
      const size = 6n * 10n ** 28n; // 6e10 ETH, below the 2^96 position bound
      await trade(s, alice, size);
      const [mark] = await s.w.d.oracle.marketQuote(ETH_PERP);
      const perStep = fundingStep(BigInt((await s.engine.openInterestOf(ETH_PERP)).longSize), 0n, BigInt(mark), rule);
      // size * (index - 0) * 10^6 / 1e34 >= 2^96 base units of USDC.
      await epochAfter(s.w, ((1n << 96n) * 10n ** 28n) / (size * perStep) + 1n);
      const index = await predictedIndex(s, ETH_PERP, rule);
      expect(index < 1n << 95n).to.equal(true);
      const owed = funding(size, 0n, index, 6);
      expect(owed >= 1n << 96n).to.equal(true);
      await expect(renew(s, alice)).to.be.revertedWithCustomError(s.engine, "PnlTooLarge").withArgs(-owed);
    });
  });

  describe("oracle states", function () {
    /** Alice long 10 ETH-PERP, Bob short 4, Carol short 2, opened while fresh. */
    async function withPositions(): Promise<Setup> {
      const s = await withFunding();
      await trade(s, s.traders[0]!, 10n * e18);
      await trade(s, s.traders[1]!, -4n * e18);
      await trade(s, s.traders[2]!, -2n * e18);
      return s;
    }

    for (const state of ["fresh", "frozen", "cooling off"] as const) {
      it(`${state}: the index accrues at the quoter's mark; reductions, renewals and liquidations realise it, new risk is refused only when halted`, async function () {
        const s = await networkHelpers.loadFixture(withPositions);
        s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
        const [alice, bob, carol] = s.traders as [Signer, Signer, Signer];
        const halted = state !== "fresh";
        if (state === "fresh") await nextEpoch(s.w);
        else if (state === "frozen") await frozenEpoch(s.w, [WETH]);
        else await nextEpoch(s.w, new Map([[WETH, (s.w.prices[WETH]! * 80n) / 100n]]));
        const [frozen, coolingOff] = await s.oracle.riskState(WETH);
        expect([frozen, coolingOff > 0n]).to.deep.equal([state === "frozen", state === "cooling off"]);
        expect((await s.oracle.marketQuote(ETH_PERP))[3], "halted").to.equal(halted);
        // Funding accrues regardless of the state, at the mark the quoter gives (the frozen one when frozen).
        const index = await s.engine.fundingIndexOf(ETH_PERP);
        expect(index).to.equal(await predictedIndex(s, ETH_PERP));
        expect(index > 0n).to.equal(true);
        const epoch = await s.oracle.currentEpoch();
        // A reduction (of a long and of a short) and a renewal run in every state and realise the funding.
        expect((await trade(s, alice, -1n * e18)).funded.map((f) => f.owed)).to.deep.equal([funding(10n * e18, 0n, index, 6)]);
        expect((await trade(s, carol, 1n * e18)).funded.map((f) => f.owed)).to.deep.equal([funding(-2n * e18, 0n, index, 6)]);
        expect((await renew(s, bob)).funded.map((f) => f.owed)).to.deep.equal([funding(-4n * e18, 0n, index, 6)]);
        // New risk (a grown position, a withdrawal at initial margin) only when the market is not halted.
        const grow = s.engine.connect(alice).trade(ETH_PERP, 1n * e18, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF);
        const withdraw = s.engine.connect(alice).withdraw(USDC, 1n * e6, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF);
        if (halted) {
          await expect(grow).to.be.revertedWithCustomError(s.engine, "MarketHalted").withArgs(ETH_PERP);
          await expect(withdraw).to.be.revertedWithCustomError(s.engine, "MarketHalted").withArgs(ETH_PERP);
        } else {
          await expect(grow).to.emit(s.engine, "PositionChanged");
          await expect(withdraw).to.emit(s.engine, "AccountUpdated");
        }
        // A liquidation runs in every state; in the same step it realises nothing more.
        const seizure = { indexA: WETH, amountA: 0n, indexB: USDC, amountB: 0n };
        const liq = await logsOf(s, s.engine.liquidatePartial(await bob.getAddress(), epoch, 5_000, 0, seizure, next(), GARBAGE_PROOF));
        expect(liq.funded).to.deep.equal([]);
        // The next step, still halted: the index moves again (the skew can only have shrunk: no new risk).
        if (state === "frozen") await frozenEpoch(s.w, [WETH]);
        else await nextEpoch(s.w);
        const stillCooling = state === "cooling off" && (await s.oracle.breakerSamples()) > 1n;
        expect((await s.oracle.marketQuote(ETH_PERP))[3]).to.equal(state === "frozen" || stillCooling);
        const later = await s.engine.fundingIndexOf(ETH_PERP);
        expect(later).to.equal(await predictedIndex(s, ETH_PERP));
        expect(later > index).to.equal(true);
        const out = await logsOf(s, s.engine.liquidatePartial(await bob.getAddress(), await s.oracle.currentEpoch(), 5_000, 0, seizure, next(), GARBAGE_PROOF));
        const p = await s.engine.positionOf(await bob.getAddress(), ETH_PERP);
        expect(out.funded.map((f) => f.owed)).to.deep.equal([funding(-2n * e18, index, later, 6)]);
        expect(p.fundingIndex).to.equal(later);
      });
    }
  });

  describe("conservation", function () {
    it("over random trades, renewals and closes among four accounts, the pool's net is what traders paid less what they received, never negative", async function () {
      const s = await networkHelpers.loadFixture(withFunding);
      const r = seededRandom(7);
      const pool = await s.market.getAddress();
      const custody = await s.engine.getAddress();
      const pool0 = await s.usdc.balanceOf(pool);
      const custody0 = await s.usdc.balanceOf(custody);
      const sizes = new Map<Signer, bigint>(s.traders.map((t) => [t, 0n]));
      let paid = 0n;
      let received = 0n;
      let pricePnl = 0n;
      let exact = 0n; // sum of the unrounded amounts, times 1e34
      const index0 = new Map<Signer, bigint>(s.traders.map((t) => [t, 0n]));
      const record = async (who: Signer, out: Awaited<ReturnType<typeof trade>>, size: bigint): Promise<void> => {
        for (const f of out.funded) {
          if (f.owed > 0n) paid += f.owed;
          else received -= f.owed;
          exact += size * (f.index - index0.get(who)!) * e6;
        }
        const p = await s.engine.positionOf(await who.getAddress(), ETH_PERP);
        index0.set(who, BigInt(p.fundingIndex));
        pricePnl += out.pricePnl;
      };
      for (let step = 0; step < 10; step++) {
        for (let k = 0; k < 4; k++) {
          const who = s.traders[Math.floor(r() * 4)]!;
          const size = sizes.get(who)!;
          const roll = r();
          if (roll < 0.25 && size !== 0n) {
            await record(who, await renew(s, who), size);
          } else if (roll < 0.4 && size !== 0n) {
            await record(who, await trade(s, who, -size), size);
            sizes.set(who, 0n);
          } else {
            const delta = BigInt(Math.floor(r() * 9) - 4) * e18 + BigInt(Math.floor(r() * 1000)) * 10n ** 15n + 1n;
            await record(who, await trade(s, who, delta), size);
            sizes.set(who, size + delta);
          }
        }
        const move = 1_000n + BigInt(Math.floor(r() * 21) - 10); // within 1% a step
        const price = (s.w.prices[WETH]! * move) / 1_000n;
        await nextEpoch(s.w, new Map([[WETH, price]]));
        expect(await s.engine.fundingIndexOf(ETH_PERP), `step ${step}`).to.equal(await predictedIndex(s, ETH_PERP));
      }
      // Close everything: every accrued amount is realised.
      for (const who of s.traders) {
        const size = sizes.get(who)!;
        if (size !== 0n) await record(who, await trade(s, who, -size), size);
      }
      const f = await s.engine.fundingOf(ETH_PERP);
      expect([f.long.size, f.short.size, f.long.indexSum, f.short.indexSum]).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(paid + received > 0n, "funding moved").to.equal(true);
      // Tokens: the pool gained what traders paid in funding and lost, less what they received and won.
      const poolDelta = (await s.usdc.balanceOf(pool)) - pool0;
      expect(poolDelta).to.equal(paid - received - pricePnl);
      expect((await s.usdc.balanceOf(custody)) - custody0).to.equal(-poolDelta);
      // Rounding favours the pool: its net is at least the exact net, by less than one unit per realisation;
      // and the dominant side always pays, so the pool's net is not negative.
      expect((paid - received) * 10n ** 34n >= exact).to.equal(true);
      expect(paid - received >= 0n).to.equal(true);
    });
  });

  describe("closes realise funding", function () {
    it("a force-close and a full liquidation include the funding owed in the realised PnL", async function () {
      const s = await networkHelpers.loadFixture(withFunding);
      const [alice, bob] = s.traders as [Signer, Signer];
      await trade(s, alice, 10n * e18);
      await trade(s, bob, 8n * e18);
      const entry = (await s.engine.positionOf(await alice.getAddress(), ETH_PERP)).entryPrice;
      // Alice's lease expires; the oracle keeps sampling.
      await epochAfter(s.w, (DEV_LEASE.maxAge + DEV_LEASE.grace) / s.w.gridSeconds + 1n);
      const index = await s.engine.fundingIndexOf(ETH_PERP);
      const [mark] = await s.w.d.oracle.marketQuote(ETH_PERP);
      const owed = funding(10n * e18, 0n, index, 6);
      expect(owed > 0n).to.equal(true);
      const fc = await logsOf(s, s.engine.forceClose(await alice.getAddress()));
      expect(fc.funded.map((x) => x.owed)).to.deep.equal([owed]);
      const closed = fc.receipt.logs.map((l) => s.engine.interface.parseLog(l)).find((x) => x?.name === "ForceClosed")!;
      expect(closed.args[3]).to.equal(realisedPnl(10n * e18, entry, mark, 6) - owed);
      expect((await s.engine.settlementOf(await alice.getAddress())).basketDelta).to.equal(realisedPnl(10n * e18, entry, mark, 6) - owed);
      // Bob is liquidated at the same epoch (the accepting verifier stands for the insolvency proof).
      const bobOwes = funding(8n * e18, 0n, index, 6);
      const liq = await logsOf(s, s.engine.liquidate(await bob.getAddress(), await s.w.d.oracle.currentEpoch(), NO_SEIZURE, next(), GARBAGE_PROOF));
      expect(liq.funded.map((x) => x.owed)).to.deep.equal([bobOwes]);
      expect((await s.engine.settlementOf(await bob.getAddress())).basketDelta).to.equal(realisedPnl(8n * e18, entry, mark, 6) - bobOwes);
    });

    it("a partial liquidation realises the whole position's funding and leaves the rest at the index", async function () {
      const s = await networkHelpers.loadFixture(withFunding);
      const [alice] = s.traders as [Signer];
      await trade(s, alice, 10n * e18);
      await nextEpoch(s.w);
      const index = await s.engine.fundingIndexOf(ETH_PERP);
      const owed = funding(10n * e18, 0n, index, 6);
      const seizure = { indexA: WETH, amountA: 0n, indexB: USDC, amountB: 0n }; // the delta goes to the settlement slot
      const out = await logsOf(s, s.engine.liquidatePartial(await alice.getAddress(), await s.w.d.oracle.currentEpoch(), 5_000, 0, seizure, next(), GARBAGE_PROOF));
      expect(out.funded.map((x) => x.owed)).to.deep.equal([owed]);
      const ev = out.receipt.logs.map((l) => s.engine.interface.parseLog(l)).find((x) => x?.name === "PartiallyLiquidated")!;
      expect(ev.args[4]).to.equal(out.pricePnl - owed);
      const p = await s.engine.positionOf(await alice.getAddress(), ETH_PERP);
      expect([p.size, p.fundingIndex]).to.deep.equal([5n * e18, index]);
    });
  });
});

/** The index after a new epoch `steps` grid steps on, as the TypeScript model predicts it before the engine is touched. */
async function predictedIndexAfter(s: Setup, steps: bigint): Promise<bigint> {
  await epochAfter(s.w, steps);
  return predictedIndex(s, ETH_PERP);
}

const ceilDiv = (x: bigint, y: bigint): bigint => (x === 0n ? 0n : (x - 1n) / y + 1n);

/** `poolReserve` without its funding part (Positions.poolReserve: the profit owed per side plus the buffer), for ETH-PERP only. */
async function reserveWithoutFunding(s: Setup): Promise<bigint> {
  const oi = await s.engine.openInterestOf(ETH_PERP);
  const [mark, , mm] = await s.w.d.oracle.marketQuote(ETH_PERP);
  const longValue = BigInt(oi.longSize) * 10n ** 13n * mark;
  const shortValue = BigInt(oi.shortSize) * 10n ** 13n * mark;
  const longCost = BigInt(oi.longCost) * 10n ** 26n;
  const shortCost = BigInt(oi.shortCost) * 10n ** 26n;
  const owed = (longValue > longCost ? longValue - longCost : 0n) + (shortCost > shortValue ? shortCost - shortValue : 0n);
  const buffer = ceilDiv((longValue + shortValue) * mm, 10n ** 18n);
  return ceilDiv((owed + buffer) * e6, 10n ** 26n);
}
