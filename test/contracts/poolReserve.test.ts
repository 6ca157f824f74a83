/**
 * The pool pays what it owes: the engine tracks each market's open interest per side, and a liquidity
 * withdrawal may not take the pool below the traders' unrealised profit at the current marks plus a buffer
 * (the maintenance ratio times the open notional). A provider withdrawing ahead of a profitable close cannot
 * make it fail. Every accepted update is a real Groth16 proof.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";
import { WAD } from "../../prover/src/constants.js";
import type { TokenContract } from "../../prover/src/contracts.js";
import { Prover } from "../../prover/src/prover.js";
import { createWorld, fund, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { e18, e6, ETH_PERP, traderAt, typed, USDC, WETH } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();

interface Setup {
  w: World;
  lp: Signer;
  /** 50,000 USDC deposited, long 10 ETH-PERP at $3,000. */
  alice: Signer;
  opening: AccountOpening;
}

async function longFixture(): Promise<Setup> {
  const w = await createWorld(ethers, { prover });
  const [, lp, alice] = await ethers.getSigners();
  await seedPool(w, lp!, 20_000n * e6);
  await fund(w, alice!, new Map([[USDC, 100_000n * e6]]));
  const t = await traderAt(w, alice!);
  await t.deposit(USDC, 50_000n * e6);
  await t.trade(ETH_PERP, 10n * e18);
  return { w, lp: lp!, alice: alice!, opening: t.opening };
}

async function load(): Promise<Setup> {
  const s = await networkHelpers.loadFixture(longFixture);
  s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
  return s;
}

const ceilDiv = (x: bigint, y: bigint): bigint => (x === 0n ? 0n : (x - 1n) / y + 1n);

/** The reserve of one long of `size` (1e-18) from `entry` at `mark` (8 decimals), in USDC base units. */
function longReserve(size: bigint, entry: bigint, mark: bigint, mmRatio: bigint): bigint {
  const value = size * mark; // 1e-26 USD
  const cost = size * entry;
  const owed = value > cost ? value - cost : 0n;
  return ceilDiv((owed + ceilDiv(value * mmRatio, WAD)) * e6, 10n ** 26n);
}

describe("PerpMarket: the pool pays what it owes", function () {
  after(async function () {
    await prover.close();
  });

  it("tracks each market's open interest, and reserves the unrealised profit at the mark plus the maintenance buffer", async function () {
    const s = await load();
    const { engine } = typed(s.w);
    const oi = await engine.openInterestOf(ETH_PERP);
    expect([oi.longSize, oi.shortSize, oi.longCost, oi.shortCost]).to.deep.equal([10n * 10n ** 5n, 0n, 30_000n, 0n]);
    await nextEpoch(s.w, new Map([[WETH, 3_300_00000000n]]));
    const [mark, , mmRatio] = await s.w.d.oracle.marketQuote(ETH_PERP);
    expect(mark).to.equal(3_300_00000000n);
    const expected = longReserve(10n * e18, 3_000_00000000n, mark, mmRatio);
    expect(expected).to.be.greaterThan(3_000n * e6); // the 3,000 USDC of profit and the buffer on top
    expect(await engine.poolReserve()).to.equal(expected);
    const balance = await typed(s.w).market.poolBalance();
    expect(await typed(s.w).market.freeLiquidity()).to.equal(balance - expected);
  });

  it("refuses a withdrawal ahead of a profitable close (ReserveLocked), so the close is paid in full", async function () {
    const s = await load();
    const { market } = typed(s.w);
    await nextEpoch(s.w, new Map([[WETH, 3_300_00000000n]]));
    const lp = market.connect(s.lp) as typeof market;
    const shares = await market.sharesOf(await s.lp.getAddress());
    const balance = await market.poolBalance();
    const free = await market.freeLiquidity();
    await expect(lp.removeLiquidity(shares)).to.be.revertedWithCustomError(market, "ReserveLocked").withArgs(free, balance);
    // The provider takes everything that is free.
    const freeShares = (free * (await market.totalShares())) / balance;
    await (await lp.removeLiquidity(freeShares)).wait();
    expect(await market.poolBalance()).to.be.at.least(await typed(s.w).engine.poolReserve());
    // The trader closes at a 3,000 USDC profit: the pool pays it.
    const t = await traderAt(s.w, s.alice, s.opening);
    const before = await market.poolBalance();
    const report = await t.trade(ETH_PERP, -10n * e18);
    expect(report.delta.amount).to.equal(3_000n * e6);
    expect(await market.poolBalance()).to.equal(before - 3_000n * e6);
    expect(t.opening.amounts[USDC]).to.equal(53_000n * e6);
    // Nothing is open any more: the reserve is released and the provider may take the rest.
    expect(await typed(s.w).engine.poolReserve()).to.equal(0n);
    await (await lp.removeLiquidity(await market.sharesOf(await s.lp.getAddress()))).wait();
    expect(await market.poolBalance()).to.equal(0n);
  });

  it("still pays the realised profit when, after the largest withdrawal, the price moves on by less than the maintenance ratio", async function () {
    const s = await load();
    const { market } = typed(s.w);
    await nextEpoch(s.w, new Map([[WETH, 3_300_00000000n]]));
    const [, , mmRatio] = await s.w.d.oracle.marketQuote(ETH_PERP);
    const lp = market.connect(s.lp) as typeof market;
    const balance = await market.poolBalance();
    await (await lp.removeLiquidity(((await market.freeLiquidity()) * (await market.totalShares())) / balance)).wait();
    // A further rise just inside the buffer the reserve held back.
    const next = (3_300_00000000n * (WAD + (mmRatio * 9n) / 10n)) / WAD;
    await nextEpoch(s.w, new Map([[WETH, next]]));
    const t = await traderAt(s.w, s.alice, s.opening);
    const pnl = (10n * e18 * (next - 3_000_00000000n) * e6) / 10n ** 26n;
    expect(pnl).to.be.greaterThan(3_000n * e6);
    const before = await (s.w.d.tokens[USDC]! as TokenContract).balanceOf(await market.getAddress());
    expect(before).to.be.at.least(pnl);
    const report = await t.trade(ETH_PERP, -10n * e18);
    expect(report.delta.amount).to.equal(pnl);
    expect(await (s.w.d.tokens[USDC]! as TokenContract).balanceOf(await market.getAddress())).to.equal(before - pnl);
  });

  it("keeps the open interest exact as positions grow, shrink, flip and close, and when a short is reserved", async function () {
    const s = await load();
    const { engine } = typed(s.w);
    const t = await traderAt(s.w, s.alice, s.opening);
    await t.trade(ETH_PERP, -15n * e18); // flips to short 5 at $3,000
    let oi = await engine.openInterestOf(ETH_PERP);
    expect([oi.longSize, oi.shortSize, oi.longCost, oi.shortCost]).to.deep.equal([0n, 5n * 10n ** 5n, 0n, 15_000n]);
    await nextEpoch(s.w, new Map([[WETH, 2_700_00000000n]]));
    const [mark, , mmRatio] = await s.w.d.oracle.marketQuote(ETH_PERP);
    // Short 5 from 3,000 at 2,700: 1,500 USDC of profit, plus the buffer on 5 x 2,700.
    const expected = ceilDiv((5n * e18 * (3_000_00000000n - mark) + ceilDiv(5n * e18 * mark * mmRatio, WAD)) * e6, 10n ** 26n);
    expect(await engine.poolReserve()).to.equal(expected);
    await t.trade(ETH_PERP, 5n * e18);
    oi = await engine.openInterestOf(ETH_PERP);
    expect([oi.longSize, oi.shortSize, oi.longCost, oi.shortCost]).to.deep.equal([0n, 0n, 0n, 0n]);
    expect(await engine.poolReserve()).to.equal(0n);
  });
});
