/**
 * Solvency leases: lapse by age or by a new oracle price regime, the grace period, permissionless
 * force-close at the oracle mark, the keeper's bond and then the insurance fund advancing losses to the
 * pool (test/contracts/keeperBond.test.ts covers the bond in detail), frozen accounts,
 * and settlement of the pending PnL with a real proof. Ends with a random-sequence accounting
 * invariant: every token is in a wallet, the engine (baskets plus owed credits), the pool or the fund.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";
import type { TokenContract } from "../../prover/src/contracts.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { realisedPnl } from "../../prover/src/margin.js";
import { createWorld, elapse, fund, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { WitnessInputError } from "../../prover/src/index.js";
import type { Trader } from "../../prover/src/trader.js";
import { BTC_PERP, deployEngine, ETH_PERP, e18, e6, fundFor, GARBAGE_NOTE, GARBAGE_PROOF, LIMIT_96, markBtcAt, traderAt, USDC, WBTC, WETH } from "./helpers.js";
import { seededRandom } from "../../prover/src/prng.js";
import type { MarginEngine } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();

const Status = { Inactive: 0n, Current: 1n, Lapsed: 2n, Expired: 3n } as const;

/**
 * Moves `slot`'s price 1% beyond its regime band: leaseBandWad times its lowest maintenance haircut since the
 * regime started (the price and the mark move together while the move is inside markBandBps).
 */
async function moveBeyondBand(w: World, slot: number): Promise<void> {
  const band = ((await w.d.oracle.referenceBand(slot)) * (await w.d.oracle.leaseBandWad())) / 10n ** 18n;
  const ref = await w.d.oracle.referencePrice(slot);
  await nextEpoch(w, new Map([[slot, ref + (ref * band) / 10n ** 18n + ref / 100n]]));
}

interface Leased {
  w: World;
  lp: Signer;
  alice: Signer;
  opening: AccountOpening;
  keeper: Signer;
}

/** Alice deposited 20,000 USDC and 5 WETH and went long 10 ETH-PERP at epoch 1; the pool holds 1M USDC. */
async function leasedAccount(): Promise<Leased> {
  const [, lp, alice, keeper] = await ethers.getSigners();
  const w = await createWorld(ethers);
  await seedPool(w, lp!, 1_000_000n * e6);
  await fund(w, alice!, new Map([[USDC, 20_000n * e6], [WETH, 5n * e18]]));
  const t = await traderAt(w, alice!);
  await t.deposit(USDC, 20_000n * e6);
  await t.deposit(WETH, 5n * e18);
  await t.trade(ETH_PERP, 10n * e18);
  return { w, lp: lp!, alice: alice!, opening: t.opening, keeper: keeper! };
}

/**
 * An engine settled in WETH (18 decimals) on a fresh world, where alice deposited 10,000,000 WETH and went short
 * 100,000 BTC-PERP: a loss of 2^96 WETH base units (about 79 billion USD at 1 USD = 1 WETH) is then within reach.
 */
async function wethSettledShort(): Promise<{ w: World; engine: MarginEngine; alice: Signer; size: bigint; opening: AccountOpening }> {
  const w = await createWorld(ethers);
  const { engine } = await deployEngine(ethers, w, { settlementAsset: WETH });
  const [, , alice] = await ethers.getSigners();
  const collateral = 10_000_000n * e18;
  await fundFor(w, await engine.getAddress(), alice!, new Map([[WETH, collateral]]));
  const t = await traderAt(w, alice!, undefined, engine);
  await t.deposit(WETH, collateral);
  const size = -100_000n * e18;
  await t.trade(BTC_PERP, size);
  return { w, engine, alice: alice!, size, opening: t.opening };
}

describe("MarginEngine leases", function () {
  after(async function () {
    // Every world of this file shares nothing but the prover processes it started.
    await Promise.all(worlds.map((w) => w.prover.close()));
  });
  const worlds: World[] = [];
  async function load(): Promise<Leased> {
    const l = await networkHelpers.loadFixture(leasedAccount);
    if (!worlds.includes(l.w)) worlds.push(l.w);
    l.w.prices.splice(0, l.w.prices.length, ...l.w.d.specs.map((s) => s.price));
    return l;
  }
  const who = (s: Signer): Promise<string> => s.getAddress();

  describe("#leaseOf", function () {
    it("is Inactive without positions and Current right after a proof at initial margin", async function () {
      const { w, alice, keeper } = await load();
      expect((await w.d.engine.leaseOf(await who(keeper)))[0]).to.equal(Status.Inactive);
      const [status, lapsesAt, closableAt] = await w.d.engine.leaseOf(await who(alice));
      const account = await w.d.engine.accountOf(await who(alice));
      expect(status).to.equal(Status.Current);
      expect(lapsesAt).to.equal(account.leaseTimestamp + DEV_LEASE.maxAge);
      expect(closableAt).to.equal(lapsesAt + DEV_LEASE.grace);
    });

    it("lapses leaseMaxAge after its epoch and expires after the grace period", async function () {
      const { w, alice } = await load();
      const [, lapsesAt, closableAt] = await w.d.engine.leaseOf(await who(alice));
      await networkHelpers.time.increaseTo(lapsesAt);
      expect((await w.d.engine.leaseOf(await who(alice)))[0]).to.equal(Status.Lapsed);
      await networkHelpers.time.increaseTo(closableAt);
      expect((await w.d.engine.leaseOf(await who(alice)))[0]).to.equal(Status.Expired);
    });

    it("lapses at once when the oracle starts a new price regime, however young the lease", async function () {
      const { w, alice } = await load();
      const before = (await w.d.engine.leaseOf(await who(alice)))[1];
      await moveBeyondBand(w, WBTC);
      expect(await w.d.oracle.currentRegime()).to.equal(1n);
      const start = await w.d.oracle.regimeStartedAt(1n);
      const [status, lapsesAt] = await w.d.engine.leaseOf(await who(alice));
      expect(lapsesAt).to.equal(start);
      expect(lapsesAt).to.be.lessThan(before);
      expect(status).to.equal(Status.Lapsed);
    });

    it("does not lapse on a 6% move of an asset whose maintenance haircut is larger (the band is the haircut in force)", async function () {
      const { w, alice } = await load();
      const band = ((await w.d.oracle.referenceBand(WBTC)) * (await w.d.oracle.leaseBandWad())) / 10n ** 18n;
      expect(band > 6n * 10n ** 16n).to.equal(true); // BTC at 55% annual volatility: its haircut is above 6%
      await nextEpoch(w, new Map([[WBTC, (w.prices[WBTC]! * 106n) / 100n]])); // the move of issue 16, section 5
      expect(await w.d.oracle.currentRegime()).to.equal(0n);
      expect((await w.d.engine.leaseOf(await who(alice)))[0]).to.equal(Status.Current);
    });

    it("is Current again once the owner renews within the grace period", async function () {
      const { w, alice, opening } = await load();
      await moveBeyondBand(w, WBTC);
      const t = await traderAt(w, alice, opening);
      await t.renewLease();
      const account = await w.d.engine.accountOf(await who(alice));
      expect(account.leaseRegime).to.equal(1n);
      expect((await w.d.engine.leaseOf(await who(alice)))[0]).to.equal(Status.Current);
    });
  });

  describe("#forceClose", function () {
    it("reverts NoOpenPosition for an account without positions", async function () {
      const { w, keeper } = await load();
      await expect(w.d.engine.forceClose(await who(keeper)))
        .to.be.revertedWithCustomError(w.d.engine, "NoOpenPosition")
        .withArgs(await who(keeper));
    });

    it("reverts LeaseNotExpired while the lease is current or in its grace period", async function () {
      const { w, alice } = await load();
      const [, lapsesAt, closableAt] = await w.d.engine.leaseOf(await who(alice));
      await expect(w.d.engine.forceClose(await who(alice)))
        .to.be.revertedWithCustomError(w.d.engine, "LeaseNotExpired")
        .withArgs(await who(alice), closableAt);
      await networkHelpers.time.increaseTo(lapsesAt + 1n);
      await expect(w.d.engine.forceClose(await who(alice))).to.be.revertedWithCustomError(w.d.engine, "LeaseNotExpired");
    });

    it("reverts OracleStale when the oracle has not been poked for two grid steps", async function () {
      const { w, alice } = await load();
      const [, , closableAt] = await w.d.engine.leaseOf(await who(alice));
      await networkHelpers.time.increaseTo(closableAt);
      await expect(w.d.engine.forceClose(await who(alice))).to.be.revertedWithCustomError(w.d.engine, "OracleStale");
    });

    it("closes every position at the mark, lets the keeper's bond (up to its cap) and the fund advance the loss to the pool, and freezes the account", async function () {
      const { w, alice, keeper } = await load();
      const fundAddr = await w.d.engine.insuranceFund();
      const usdc = w.d.tokens[USDC]! as TokenContract;
      await (await usdc.mint(fundAddr, 10_000n * e6)).wait();
      await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      const epoch = await nextEpoch(w, new Map([[WETH, 2_800_00000000n]])); // ETH 3000 -> 2800
      const loss = realisedPnl(10n * e18, 3_000_00000000n, 2_800_00000000n, 6); // -2,000 USDC
      expect(loss).to.equal(-2_000n * e6);
      const pool = await w.d.market.getAddress();
      const poolBefore = await usdc.balanceOf(pool);
      await expect((w.d.engine.connect(keeper) as typeof w.d.engine).forceClose(await who(alice)))
        .to.emit(w.d.engine, "ForceClosed")
        .withArgs(await who(alice), await who(keeper), epoch, loss, -loss)
        .and.to.emit(w.d.engine, "PositionChanged")
        .withArgs(await who(alice), ETH_PERP, 10n * e18, 0n, 2_800_00000000n, loss);
      expect(await usdc.balanceOf(pool)).to.equal(poolBefore - loss);
      const cap = BigInt(await w.d.keeperRegistry.drawCap());
      expect(cap).to.equal(500n * e6);
      expect(await usdc.balanceOf(fundAddr)).to.equal(10_000n * e6 + loss + cap);
      expect(await w.d.keeperRegistry.bondOf(w.keeper.keeperId)).to.equal(BigInt(await w.d.keeperRegistry.bondAmount()) - cap);
      const account = await w.d.engine.accountOf(await who(alice));
      expect(account.frozen).to.equal(true);
      expect(account.openMarkets).to.equal(0n);
      const st = await w.d.engine.settlementOf(await who(alice));
      expect([st.basketDelta, st.owedToPool, st.owedToKeeper, st.bondKeeper]).to.deep.equal([loss, 0n, cap, w.keeper.keeperId]);
    });

    /** Moves WBTC (and BTC-PERP's mark) to `price`, out of the circuit breaker's cooling-off and past `account`'s closableAt. */
    async function markAtAndLapsed(w: World, engine: MarginEngine, account: string, price: bigint): Promise<void> {
      await markBtcAt(w, price);
      const [, , closableAt] = await engine.leaseOf(account);
      const t = BigInt(await networkHelpers.time.latest());
      if (t < closableAt) await elapse(w, closableAt - t);
      await nextEpoch(w);
    }

    it("reverts PnlTooLarge when the force-closed loss reaches 2^96 base units of an 18-decimal settlement asset (a debt no settle proof could carry)", async function () {
      const { w, engine, alice, size } = await networkHelpers.loadFixture(wethSettledShort);
      if (!worlds.includes(w)) worlds.push(w);
      const account = await who(alice);
      const entry = BigInt((await engine.positionOf(account, BTC_PERP)).entryPrice);
      await markAtAndLapsed(w, engine, account, 10n ** 14n); // BTC 60,000 -> 1,000,000 USD
      const loss = realisedPnl(size, entry, 10n ** 14n, 18);
      expect(loss).to.be.at.most(-LIMIT_96);
      await expect(engine.forceClose(account)).to.be.revertedWithCustomError(engine, "PnlTooLarge").withArgs(loss);
    });

    it("force-closes a loss just under 2^96 WETH base units and records it as the frozen account's debt (the control)", async function () {
      const { w, engine, alice, size } = await networkHelpers.loadFixture(wethSettledShort);
      if (!worlds.includes(w)) worlds.push(w);
      const account = await who(alice);
      const entry = BigInt((await engine.positionOf(account, BTC_PERP)).entryPrice);
      await markAtAndLapsed(w, engine, account, 800_000_00000000n); // BTC 60,000 -> 800,000 USD
      const loss = realisedPnl(size, entry, 800_000_00000000n, 18);
      expect(loss).to.be.above(-LIMIT_96).and.below(-(LIMIT_96 * 9n) / 10n);
      await (await engine.forceClose(account)).wait();
      expect((await engine.accountOf(account)).frozen).to.equal(true);
      expect((await engine.settlementOf(account)).basketDelta).to.equal(loss);
    });

    it("renews, on the WETH-settled engine, a lease whose positions owe no funding: the proof names slot 0 with a delta of 0, not the settlement slot", async function () {
      // Same fixture as the two tests above (kept contiguous). No funding rule on this engine: the renewal's
      // delta is NO_DELTA, and the engine must derive the same public slot the prover did.
      const { w, engine, alice, opening } = await networkHelpers.loadFixture(wethSettledShort);
      if (!worlds.includes(w)) worlds.push(w);
      w.prices.splice(0, w.prices.length, ...w.d.specs.map((x) => x.price)); // the tests above moved BTC
      const account = await who(alice);
      const epoch = await nextEpoch(w);
      const t = await traderAt(w, alice, opening, engine);
      await t.renewLease();
      expect((await engine.accountOf(account)).leaseEpoch).to.equal(epoch);
      expect((await engine.leaseOf(account))[0]).to.equal(Status.Current);
    });

    it("keeps a frozen account from withdrawing, trading or renewing, but lets it deposit", async function () {
      const { w, alice, opening } = await load();
      await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      const epoch = await nextEpoch(w, new Map([[WETH, 2_800_00000000n]]));
      await (await w.d.engine.forceClose(await who(alice))).wait();
      const engine = w.d.engine.connect(alice) as typeof w.d.engine;
      const loss = -2_000n * e6;
      await expect(engine.withdraw(USDC, e6, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "AccountFrozen")
        .withArgs(await who(alice), loss);
      await expect(engine.trade(BTC_PERP, e18, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "AccountFrozen");
      await expect(engine.renewLease(epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "AccountFrozen");
      await fund(w, alice, new Map([[USDC, 500n * e6]]));
      const t = await traderAt(w, alice, opening);
      await t.deposit(USDC, 500n * e6);
      expect(t.opening.amounts[USDC]).to.equal(20_500n * e6);
    });
  });

  describe("#settle", function () {
    it("reverts NotFrozen for an account that is not frozen", async function () {
      const { w, alice } = await load();
      await expect((w.d.engine.connect(alice) as typeof w.d.engine).settle(1n, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "NotFrozen")
        .withArgs(await who(alice));
    });

    it("pays a debt from the basket back to the fund with a real proof, unfreezes and renews the lease", async function () {
      const { w, alice, opening } = await load();
      const fundAddr = await w.d.engine.insuranceFund();
      const usdc = w.d.tokens[USDC]! as TokenContract;
      await (await usdc.mint(fundAddr, 10_000n * e6)).wait();
      await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      const epoch = await nextEpoch(w, new Map([[WETH, 2_800_00000000n]]));
      await (await w.d.engine.forceClose(await who(alice))).wait();
      const engineBefore = await usdc.balanceOf(await w.d.engine.getAddress());
      const t = await traderAt(w, alice, opening);
      const report = await t.settle();
      expect(report.delta).to.deep.equal({ index: USDC, amount: -2_000n * e6 });
      expect(t.opening.amounts[USDC]).to.equal(18_000n * e6);
      expect(await usdc.balanceOf(fundAddr)).to.equal(10_000n * e6);
      expect(await w.d.keeperRegistry.bondOf(w.keeper.keeperId)).to.equal(await w.d.keeperRegistry.bondAmount());
      expect(await usdc.balanceOf(await w.d.engine.getAddress())).to.equal(engineBefore - 2_000n * e6);
      const account = await w.d.engine.accountOf(await who(alice));
      expect([account.frozen, account.leaseEpoch]).to.deep.equal([false, epoch]);
      expect((await w.d.engine.settlementOf(await who(alice))).basketDelta).to.equal(0n);
    });

    it("repays the pool first for the part the keeper's bond and an empty fund could not advance", async function () {
      const { w, alice, opening } = await load();
      const usdc = w.d.tokens[USDC]! as TokenContract;
      const pool = await w.d.market.getAddress();
      await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      await nextEpoch(w, new Map([[WETH, 2_800_00000000n]]));
      const poolBefore = await usdc.balanceOf(pool);
      const [caller] = await ethers.getSigners(); // the engine handle's default signer
      await expect(w.d.engine.forceClose(await who(alice)))
        .to.emit(w.d.engine, "ForceClosed")
        .withArgs(await who(alice), await who(caller!), await w.d.oracle.currentEpoch(), -2_000n * e6, 500n * e6);
      expect(await usdc.balanceOf(pool)).to.equal(poolBefore + 500n * e6);
      expect((await w.d.engine.settlementOf(await who(alice))).owedToPool).to.equal(1_500n * e6);
      const t = await traderAt(w, alice, opening);
      await t.settle();
      expect(await usdc.balanceOf(pool)).to.equal(poolBefore + 2_000n * e6);
      expect(await w.d.keeperRegistry.bondOf(w.keeper.keeperId)).to.equal(await w.d.keeperRegistry.bondAmount());
    });

    it("credits a force-closed profit into the basket: the pool pays at the close, the basket at settle", async function () {
      const { w, alice, opening } = await load();
      const usdc = w.d.tokens[USDC]! as TokenContract;
      const engineAddr = await w.d.engine.getAddress();
      await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      await nextEpoch(w, new Map([[WETH, 3_100_00000000n]])); // +1,000 USDC on 10 ETH
      const before = await usdc.balanceOf(engineAddr);
      await (await w.d.engine.forceClose(await who(alice))).wait();
      expect(await usdc.balanceOf(engineAddr)).to.equal(before + 1_000n * e6);
      const t = await traderAt(w, alice, opening);
      await t.settle();
      expect(t.opening.amounts[USDC]).to.equal(21_000n * e6);
    });
  });
});


describe("MarginEngine accounting invariant", function () {
  it("keeps every token in a wallet, a basket (or an owed credit), the pool or the fund over a random sequence of actions", async function () {
    const [, lp, a, b, keeper] = await ethers.getSigners();
    const w = await createWorld(ethers);
    try {
      await seedPool(w, lp!, 200_000n * e6);
      const usdc = w.d.tokens[USDC]! as TokenContract;
      const fundAddr = await w.d.engine.insuranceFund();
      await (await usdc.mint(fundAddr, 5_000n * e6)).wait();
      const signers = [a!, b!];
      const traders: Trader[] = [];
      for (const s of signers) {
        await fund(w, s, new Map([[USDC, 100_000n * e6], [WETH, 20n * e18], [WBTC, 100_000_000n]]));
        traders.push(await traderAt(w, s));
      }
      // Every place a token can sit: the traders, the LP, the liquidating keeper, the keeper operator,
      // and the keeper registry (which holds the operator's bond).
      const holders = [...signers, lp!, keeper!, w.keeper.operator, w.d.keeperRegistry].map((s) => s.getAddress());
      const engine = await w.d.engine.getAddress();
      const pool = await w.d.market.getAddress();

      const check = async (step: string): Promise<void> => {
        for (let slot = 0; slot < w.d.tokens.length; slot++) {
          const token = w.d.tokens[slot]! as TokenContract;
          let baskets = 0n;
          for (const t of traders) baskets += t.opening.amounts[slot]!;
          let credits = 0n;
          if (slot === USDC) {
            for (const s of signers) {
              const delta = BigInt((await w.d.engine.settlementOf(await s.getAddress())).basketDelta);
              if (delta > 0n) credits += delta;
            }
          }
          expect(await token.balanceOf(engine), `${step}: engine holds the baskets of slot ${slot}`).to.equal(baskets + credits);
          let total = (await token.balanceOf(engine)) + (await token.balanceOf(pool)) + (await token.balanceOf(fundAddr));
          for (const hAddr of holders) total += await token.balanceOf(await hAddr);
          expect(total, `${step}: no token of slot ${slot} appears or vanishes`).to.equal(await (token as TokenContract).totalSupply());
        }
      };

      const rand = seededRandom(11);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      let done = 0;
      const kinds = new Set<string>();
      for (let k = 0; k < 36; k++) {
        const i = Math.floor(rand() * traders.length);
        const t = traders[i]!;
        const signer = signers[i]!;
        const roll = rand();
        let step = "";
        try {
          const account = await w.d.engine.accountOf(await signer.getAddress());
          if (account.frozen) {
            step = "settle";
            await t.settle();
          } else if (roll < 0.25) {
            const slot = pick([USDC, WETH, WBTC]);
            const amount = [5_000n * e6, 2n * e18, 5_000_000n][slot]!;
            step = `deposit slot ${slot}`;
            await t.deposit(slot, amount);
          } else if (roll < 0.4) {
            const slot = pick([USDC, WETH, WBTC]);
            const held = t.opening.amounts[slot]!;
            if (held === 0n) continue;
            step = `withdraw slot ${slot}`;
            await t.withdraw(slot, held / 4n + 1n);
          } else if (roll < 0.65) {
            const market = pick([ETH_PERP, BTC_PERP]);
            const size = (market === ETH_PERP ? e18 : e18 / 20n) * BigInt(1 + Math.floor(rand() * 4)) * (rand() < 0.5 ? -1n : 1n);
            step = `trade market ${market} by ${size}`;
            await t.trade(market, size);
          } else if (roll < 0.85) {
            const slot = pick([WETH, WBTC]);
            const move = BigInt(Math.round((rand() - 0.5) * 1200)); // up to +/-6%
            step = `price move of slot ${slot} by ${move} bp`;
            await nextEpoch(w, new Map([[slot, (w.prices[slot]! * (10_000n + move)) / 10_000n]]));
          } else {
            step = "lease expiry and force-close";
            await elapse(w, DEV_LEASE.maxAge + DEV_LEASE.grace);
            await nextEpoch(w);
            for (const s of signers) {
              const [status] = await w.d.engine.leaseOf(await s.getAddress());
              if (status === Status.Expired) {
                await (await (w.d.engine.connect(keeper!) as typeof w.d.engine).forceClose(await s.getAddress())).wait();
                kinds.add("forceClose");
              }
            }
          }
        } catch (err) {
          // An action the basket cannot support is refused before any transaction: that is fine here.
          if (err instanceof WitnessInputError || (err as Error).message.includes("negative")) continue;
          throw err;
        }
        done++;
        kinds.add(step.split(" ")[0]!);
        await check(`${k}: ${step}`);
      }
      expect(done, "actions carried out").to.be.greaterThan(20);
      // The seeded sequence really exercises every path, the force-close and the settlement included.
      expect([...kinds].sort(), [...kinds].join(",")).to.include.members(["deposit", "forceClose", "price", "settle", "trade", "withdraw"]);
    } finally {
      await w.prover.close();
    }
  });
});
