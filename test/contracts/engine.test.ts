/**
 * MarginEngine: every custom error by name and arguments, the events of each update, the
 * on-chain requirement, the lease, the reentrancy guard, governance-freedom and token
 * accounting. Accepted updates and the proofs the engine must reject are real Groth16 proofs;
 * checks that come before verification are driven with a garbage proof.
 */
import { expect } from "chai";
import { EventLog, type Signer } from "ethers";
import { network } from "hardhat";
import { emptyOpening, type AccountOpening } from "../../prover/src/account.js";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import type { EngineContract } from "../../prover/src/contracts.js";
import { DEV_ASSETS } from "../../prover/src/devnet.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { accountRequirement, positionRequirement, realisedPnl, type MarketQuote, type PositionState } from "../../prover/src/margin.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { createWorld, fund, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import { deployKeeperRegistry, deployShieldedPool } from "../../scripts/lib/deploy.js";
import type { MarginEngine, ReentrantERC20 } from "../../types/ethers-contracts/index.js";
import {
  Action,
  BTC_PERP,
  createCustomWorld,
  deployEngine,
  ETH_PERP,
  e18,
  e6,
  fundFor,
  GARBAGE_NOTE,
  GARBAGE_PROOF,
  LIMIT_150,
  LIMIT_96,
  markBtcAt,
  proveByHand,
  sumByAsset,
  traderAt,
  typed,
  USDC,
  WBTC,
  WETH,
  weightVectors,
} from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();
const h = await initPoseidon();

/** Gas of accepted updates, reported after the suite. */
const gas: Record<string, bigint> = {};

// ----------------------------------------------------------------------------------------------
// Fixtures
// ----------------------------------------------------------------------------------------------

interface OpenPositions {
  w: World;
  lp: Signer;
  /** Deposited 50,000 USDC and 10 WETH, long 5 ETH-PERP and short 0.1 BTC-PERP at epoch 1. */
  alice: Signer;
  aliceOpening: AccountOpening;
  /** Funded with 100,000 USDC and 20 WETH (engine approved), nothing deposited. */
  bob: Signer;
  carol: Signer;
  prices: bigint[];
}

/** The development world with a pool, three funded traders and one account with two open positions. */
async function openPositionsFixture(): Promise<OpenPositions> {
  const w = await createWorld(ethers);
  w.prover = prover;
  const [, lp, alice, bob, carol] = await ethers.getSigners();
  await seedPool(w, lp!, 10_000_000n * e6);
  for (const who of [alice!, bob!, carol!]) await fund(w, who, new Map([[USDC, 100_000n * e6], [WETH, 20n * e18]]));
  const trader = await traderAt(w, alice!);
  gas["deposit (first, fresh account)"] = (await trader.deposit(USDC, 50_000n * e6)).gasUsed;
  gas["deposit (second)"] = (await trader.deposit(WETH, 10n * e18)).gasUsed;
  gas["trade (open, first market)"] = (await trader.trade(ETH_PERP, 5n * e18)).gasUsed;
  gas["trade (open, second market)"] = (await trader.trade(BTC_PERP, -(e18 / 10n))).gasUsed;
  return { w, lp: lp!, alice: alice!, aliceOpening: trader.opening, bob: bob!, carol: carol!, prices: [...w.prices] };
}

/** Loads the fixture and puts back the prices `nextEpoch` feeds (a JS array the revert cannot restore). */
async function loadOpenPositions(): Promise<OpenPositions> {
  const f = await networkHelpers.loadFixture(openPositionsFixture);
  f.w.prices.splice(0, f.w.prices.length, ...f.prices);
  return f;
}

/** A world whose WBTC sources never gave a valid answer, so BTC-PERP has no mark price. */
async function unpricedMarketFixture(): Promise<{ w: World; bob: Signer }> {
  const w = await createWorld(ethers, { assets: DEV_ASSETS.map((a) => (a.symbol === "WBTC" ? { ...a, price: 0n } : a)) });
  w.prover = prover;
  const [, , , bob] = await ethers.getSigners();
  return { w, bob: bob! };
}

/** A second engine on a development world that settles PnL in WETH (18 decimals); alice is long 100,000 BTC-PERP. */
async function wethSettledFixture(): Promise<{ w: World; engine: MarginEngine; alice: Signer; size: bigint }> {
  const w = await createWorld(ethers);
  w.prover = prover;
  const { engine } = await deployEngine(ethers, w, { settlementAsset: WETH });
  const [, , alice] = await ethers.getSigners();
  const collateral = 10_000_000n * e18;
  await fundFor(w, await engine.getAddress(), alice!, new Map([[WETH, collateral]]));
  const trader = await traderAt(w, alice!, undefined, engine);
  await trader.deposit(WETH, collateral);
  const size = 100_000n * e18;
  await trader.trade(BTC_PERP, size);
  return { w, engine, alice: alice!, size };
}

/** A world whose slot 1 is a token that can re-enter the engine from its transfer functions. */
async function reentrantTokenFixture(): Promise<{ w: World; alice: Signer; token: ReentrantERC20 }> {
  const usdc = await ethers.deployContract("MockERC20", ["Mock USDC", "USDC", 6]);
  const token = await ethers.deployContract("ReentrantERC20", ["Reentrant", "REE", 18]);
  const w = await createCustomWorld(
    ethers,
    prover,
    [
      { symbol: "USDC", decimals: 6, price: 1_00000000n, annualVol: 0.05, token: usdc },
      { symbol: "REE", decimals: 18, price: 1_00000000n, annualVol: 0.05, token },
    ],
    [{ symbol: "REE-PERP", underlying: 1 }],
  );
  const [, , alice] = await ethers.getSigners();
  await fund(w, alice!, new Map([[1, 1_000n * e18]]));
  return { w, alice: alice!, token };
}

// ----------------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------------

const engineAs = (w: World, who: Signer): EngineContract => w.d.engine.connect(who) as EngineContract;
const addr = (who: Signer): Promise<string> => who.getAddress();
const epochOf = async (w: World): Promise<bigint> => BigInt(await w.d.oracle.currentEpoch());

/** The account's open positions and the current market quotes, as the TypeScript margin code takes them. */
async function publicState(w: World, who: string): Promise<{ markets: MarketQuote[]; positions: Map<number, PositionState> }> {
  const markets: MarketQuote[] = [];
  const positions = new Map<number, PositionState>();
  const count = Number(await w.d.oracle.marketCount());
  for (let j = 0; j < count; j++) {
    const [mark, ratios, pos] = await Promise.all([w.d.oracle.markPrice(j), w.d.oracle.marketRatios(j), w.d.engine.positionOf(who, j)]);
    markets.push({ mark: BigInt(mark), imRatio: BigInt(ratios[0]), mmRatio: BigInt(ratios[1]) });
    if (BigInt(pos.size) !== 0n) positions.set(j, { size: BigInt(pos.size), entryPrice: BigInt(pos.entryPrice) });
  }
  return { markets, positions };
}

describe("MarginEngine", function () {
  after(async function () {
    await prover.close();
    const rows = Object.entries(gas).map(([k, v]) => `      ${k.padEnd(32)} ${v.toLocaleString("en-US")}`);
    if (rows.length > 0) console.log(`\n    gas of accepted updates (receipts):\n${rows.join("\n")}\n`);
  });

  describe("#deposit", function () {
    it("takes the tokens, stores the new commitment and emits AccountUpdated; with no position it renews the lease", async function () {
      const { w, bob } = await loadOpenPositions();
      const engine = await w.d.engine.getAddress();
      const epoch = await epochOf(w);
      const old = BigInt(await w.d.engine.emptyCommitment(await addr(bob)));
      const before = BigInt(await w.d.tokens[USDC]!.balanceOf(engine));
      const trader = await traderAt(w, bob);
      const report = await trader.deposit(USDC, 1_000n * e6);
      gas["deposit (fresh account)"] = report.gasUsed;

      await expect(report.txHash)
        .to.emit(w.d.engine, "AccountUpdated")
        .withArgs(await addr(bob), Action.Deposit, epoch, old, report.newCommitment, USDC, 1_000n * e6, 0n, true);
      expect(await w.d.tokens[USDC]!.balanceOf(engine)).to.equal(before + 1_000n * e6);
      const o = trader.opening;
      expect(await w.d.engine.commitmentOf(await addr(bob))).to.equal(accountCommitment(h, o.amounts, o.blinding, o.owner));
      const account = await w.d.engine.accountOf(await addr(bob));
      expect(account.leaseEpoch).to.equal(epoch);
      expect(account.leaseTimestamp).to.equal((await w.d.oracle.epoch(epoch)).timestamp);
    });

    it("does not renew the lease of an account with an open position", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      const leased = await w.d.engine.accountOf(await addr(alice));
      const epoch = await nextEpoch(w);
      expect(epoch).to.be.greaterThan(leased.leaseEpoch);
      const trader = await traderAt(w, alice, aliceOpening);
      const old = BigInt(await w.d.engine.commitmentOf(await addr(alice)));
      const report = await trader.deposit(USDC, 1_000n * e6);
      gas["deposit (open positions)"] = report.gasUsed;

      await expect(report.txHash)
        .to.emit(w.d.engine, "AccountUpdated")
        .withArgs(await addr(alice), Action.Deposit, epoch, old, report.newCommitment, USDC, 1_000n * e6, 0n, false);
      const account = await w.d.engine.accountOf(await addr(alice));
      expect(account.leaseEpoch).to.equal(leased.leaseEpoch);
      expect(account.leaseTimestamp).to.equal(leased.leaseTimestamp);
    });

    it("reverts ZeroAmount when the amount is 0", async function () {
      const { w, bob } = await loadOpenPositions();
      await expect(engineAs(w, bob).deposit(USDC, 0n, await epochOf(w), 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(
        w.d.engine,
        "ZeroAmount",
      );
    });

    it("reverts AmountTooLarge at 2^96, while 2^96 - 1 reaches the verifier", async function () {
      const { w, bob } = await loadOpenPositions();
      const epoch = await epochOf(w);
      await expect(engineAs(w, bob).deposit(USDC, LIMIT_96, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "AmountTooLarge")
        .withArgs(LIMIT_96);
      await expect(engineAs(w, bob).deposit(USDC, (1n << 255n) + 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "AmountTooLarge")
        .withArgs((1n << 255n) + 1n);
      await expect(engineAs(w, bob).deposit(USDC, LIMIT_96 - 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });

    it("reverts UnknownAsset for slot 3 of a three-asset world", async function () {
      const { w, bob } = await loadOpenPositions();
      expect(await typed(w).engine.assetCount()).to.equal(3n);
      const epoch = await epochOf(w);
      for (const slot of [3, 15, 255]) {
        await expect(engineAs(w, bob).deposit(slot, e6, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
          .to.be.revertedWithCustomError(w.d.engine, "UnknownAsset")
          .withArgs(slot);
      }
      await expect(w.d.engine.tokenOf(3)).to.be.revertedWithCustomError(w.d.engine, "UnknownAsset").withArgs(3);
    });

    it("reverts StaleEpoch for an epoch before or after the oracle's current one", async function () {
      const { w, bob } = await loadOpenPositions();
      const epoch = await nextEpoch(w);
      for (const given of [0n, epoch - 1n, epoch + 1n, (1n << 64n) - 1n]) {
        await expect(engineAs(w, bob).deposit(USDC, e6, given, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
          .to.be.revertedWithCustomError(w.d.engine, "StaleEpoch")
          .withArgs(given, epoch);
      }
    });

    it("reverts OracleStale when nobody poked the oracle for two grid steps, and goes on after a poke", async function () {
      const { w, bob } = await loadOpenPositions();
      const epoch = await epochOf(w);
      const info = await w.d.oracle.epoch(epoch);
      const maxAge = BigInt(await w.d.engine.maxEpochAge());
      expect(maxAge).to.equal(2n * w.gridSeconds);
      await w.ethers.provider.send("evm_setNextBlockTimestamp", [`0x${(BigInt(info.timestamp) + maxAge + 1n).toString(16)}`]);
      await w.ethers.provider.send("evm_mine", []);
      await expect(engineAs(w, bob).deposit(USDC, e6, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "OracleStale")
        .withArgs(info.timestamp, maxAge);
      const fresh = await nextEpoch(w);
      await expect(engineAs(w, bob).deposit(USDC, e6, fresh, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
    });

    it("reverts CommitmentNotInField at the field modulus, while modulus - 1 reaches the verifier", async function () {
      const { w, bob } = await loadOpenPositions();
      const epoch = await epochOf(w);
      for (const c of [FIELD_MODULUS, (1n << 256n) - 1n]) {
        await expect(engineAs(w, bob).deposit(USDC, e6, epoch, c, GARBAGE_NOTE, GARBAGE_PROOF))
          .to.be.revertedWithCustomError(w.d.engine, "CommitmentNotInField")
          .withArgs(c);
      }
      await expect(engineAs(w, bob).deposit(USDC, e6, epoch, FIELD_MODULUS - 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });

    it("reverts CommitmentUnchanged when the new commitment is the one the account holds", async function () {
      const { w, alice, bob } = await loadOpenPositions();
      const epoch = await epochOf(w);
      const empty = BigInt(await w.d.engine.emptyCommitment(await addr(bob)));
      await expect(engineAs(w, bob).deposit(USDC, e6, epoch, empty, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "CommitmentUnchanged")
        .withArgs(empty);
      const stored = BigInt(await w.d.engine.commitmentOf(await addr(alice)));
      await expect(engineAs(w, alice).deposit(USDC, e6, epoch, stored, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "CommitmentUnchanged")
        .withArgs(stored);
    });

    it("rejects a garbage proof with InvalidProof", async function () {
      const { w, bob } = await loadOpenPositions();
      await expect(engineAs(w, bob).deposit(USDC, e6, await epochOf(w), 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });

    it("rejects another account's proof submitted by a different signer, and accepts it from its owner", async function () {
      const { w, bob, carol } = await loadOpenPositions();
      const epoch = await epochOf(w);
      const { initial } = await weightVectors(w.d.oracle);
      const p = await proveByHand(w, h, emptyOpening(BigInt(await addr(bob))), { index: USDC, amount: 10n * e6 }, 0n, initial);
      await expect(engineAs(w, carol).deposit(USDC, 10n * e6, epoch, p.newCommitment, p.note, p.proof)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
      await expect(engineAs(w, bob).deposit(USDC, 10n * e6, epoch, p.newCommitment, p.note, p.proof)).to.emit(w.d.engine, "AccountUpdated");
    });

    it("rejects a proof made at an old epoch: StaleEpoch under its own epoch, InvalidProof under the current one", async function () {
      const { w, bob } = await loadOpenPositions();
      const old = await epochOf(w);
      const { initial } = await weightVectors(w.d.oracle);
      const p = await proveByHand(w, h, emptyOpening(BigInt(await addr(bob))), { index: USDC, amount: 10n * e6 }, 0n, initial);
      const current = await nextEpoch(w, new Map([[WETH, 3_100_00000000n]]));
      expect((await w.d.oracle.epoch(current)).initialWeightsHash).to.not.equal((await w.d.oracle.epoch(old)).initialWeightsHash);

      await expect(engineAs(w, bob).deposit(USDC, 10n * e6, old, p.newCommitment, p.note, p.proof))
        .to.be.revertedWithCustomError(w.d.engine, "StaleEpoch")
        .withArgs(old, current);
      await expect(engineAs(w, bob).deposit(USDC, 10n * e6, current, p.newCommitment, p.note, p.proof)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });

    it("rejects a replayed proof: CommitmentUnchanged at once, InvalidProof once the account has moved on", async function () {
      const { w, bob } = await loadOpenPositions();
      const epoch = await epochOf(w);
      const { initial } = await weightVectors(w.d.oracle);
      const first = await proveByHand(w, h, emptyOpening(BigInt(await addr(bob))), { index: USDC, amount: 10n * e6 }, 0n, initial);
      await (await engineAs(w, bob).deposit(USDC, 10n * e6, epoch, first.newCommitment, first.note, first.proof)).wait();
      await expect(engineAs(w, bob).deposit(USDC, 10n * e6, epoch, first.newCommitment, first.note, first.proof))
        .to.be.revertedWithCustomError(w.d.engine, "CommitmentUnchanged")
        .withArgs(first.newCommitment);

      const second = await proveByHand(w, h, first.next, { index: USDC, amount: 5n * e6 }, 0n, initial);
      await (await engineAs(w, bob).deposit(USDC, 5n * e6, epoch, second.newCommitment, second.note, second.proof)).wait();
      await expect(engineAs(w, bob).deposit(USDC, 10n * e6, epoch, first.newCommitment, first.note, first.proof)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });
  });

  describe("reentrancy guard", function () {
    /** Calls into every entry point, each of which must stop at the guard before anything else. */
    async function everyEntryPoint(w: World): Promise<string[]> {
      const epoch = await epochOf(w);
      const i = w.d.engine.interface;
      return [
        i.encodeFunctionData("deposit", [1, 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]),
        i.encodeFunctionData("withdraw", [1, 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]),
        i.encodeFunctionData("trade", [0, 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]),
        i.encodeFunctionData("renewLease", [epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]),
      ];
    }

    async function expectAllReentrancy(token: ReentrantERC20, w: World, calls: number): Promise<void> {
      const reentrancy = w.d.engine.interface.encodeErrorResult("Reentrancy", []);
      expect(await token.resultCount()).to.equal(BigInt(calls));
      for (let k = 0; k < calls; k++) {
        expect(await token.succeeded(k)).to.equal(false);
        expect(await token.results(k)).to.equal(reentrancy);
      }
    }

    it("reverts Reentrancy in every entry point when a token re-enters from transferFrom during #deposit", async function () {
      const { w, alice, token } = await networkHelpers.loadFixture(reentrantTokenFixture);
      const calls = await everyEntryPoint(w);
      await (await token.arm(await w.d.engine.getAddress(), calls)).wait();
      const trader = await traderAt(w, alice);
      await trader.deposit(1, 100n * e18);
      await expectAllReentrancy(token, w, calls.length);
      expect(await token.balanceOf(await w.d.engine.getAddress())).to.equal(100n * e18);
    });

    it("reverts Reentrancy in every entry point when a token re-enters from transfer during #withdraw", async function () {
      const { w, alice, token } = await networkHelpers.loadFixture(reentrantTokenFixture);
      const trader = await traderAt(w, alice);
      await trader.deposit(1, 100n * e18);
      const calls = await everyEntryPoint(w);
      await (await token.arm(await w.d.engine.getAddress(), calls)).wait();
      await trader.withdraw(1, 40n * e18);
      await expectAllReentrancy(token, w, calls.length);
      expect(await token.balanceOf(await w.d.engine.getAddress())).to.equal(60n * e18);
    });
  });

  describe("#withdraw", function () {
    it("pays out when what stays clears initial margin, and renews the lease", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      const epoch = await nextEpoch(w);
      const who = await addr(alice);
      const old = BigInt(await w.d.engine.commitmentOf(who));
      const balance = BigInt(await w.d.tokens[WETH]!.balanceOf(who));
      const trader = await traderAt(w, alice, aliceOpening);
      const report = await trader.withdraw(WETH, e18);
      gas["withdraw (open positions)"] = report.gasUsed;

      const requirement = BigInt(await w.d.engine.requirementOf(who, true));
      expect(requirement).to.be.greaterThan(0n);
      expect(report.requirement).to.equal(requirement);
      await expect(report.txHash)
        .to.emit(w.d.engine, "AccountUpdated")
        .withArgs(who, Action.Withdraw, epoch, old, report.newCommitment, WETH, -e18, requirement, true);
      expect(await w.d.tokens[WETH]!.balanceOf(who)).to.equal(balance + e18);
      const account = await w.d.engine.accountOf(who);
      expect(account.leaseEpoch).to.equal(epoch);
      expect(account.leaseTimestamp).to.equal((await w.d.oracle.epoch(epoch)).timestamp);
    });

    it("rejects a withdrawal proved against requirement 0 while positions are open", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      expect(await w.d.engine.requirementOf(await addr(alice), true)).to.be.greaterThan(0n);
      const { initial } = await weightVectors(w.d.oracle);
      const p = await proveByHand(w, h, aliceOpening, { index: WETH, amount: -e18 }, 0n, initial);
      await expect(engineAs(w, alice).withdraw(WETH, e18, await epochOf(w), p.newCommitment, p.note, p.proof)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });

    it("reverts ZeroAmount, AmountTooLarge and UnknownAsset before looking at the proof", async function () {
      const { w, alice } = await loadOpenPositions();
      const epoch = await epochOf(w);
      const engine = engineAs(w, alice);
      await expect(engine.withdraw(WETH, 0n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "ZeroAmount");
      await expect(engine.withdraw(WETH, LIMIT_96, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "AmountTooLarge")
        .withArgs(LIMIT_96);
      await expect(engine.withdraw(3, e18, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "UnknownAsset").withArgs(3);
      await expect(engine.withdraw(WETH, e18, epoch + 1n, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "StaleEpoch")
        .withArgs(epoch + 1n, epoch);
    });
  });

  describe("#trade", function () {
    it("grows a position at the mark with an initial-margin proof, which renews the lease", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      const epoch = await nextEpoch(w);
      const who = await addr(alice);
      const mark = BigInt(await w.d.oracle.markPrice(ETH_PERP));
      const old = BigInt(await w.d.engine.commitmentOf(who));
      const trader = await traderAt(w, alice, aliceOpening);
      const report = await trader.trade(ETH_PERP, e18);
      gas["trade (grow)"] = report.gasUsed;

      const requirement = BigInt(await w.d.engine.requirementOf(who, true));
      expect(report.requirement).to.equal(requirement);
      await expect(report.txHash).to.emit(w.d.engine, "PositionChanged").withArgs(who, ETH_PERP, 5n * e18, 6n * e18, mark, 0n);
      await expect(report.txHash)
        .to.emit(w.d.engine, "AccountUpdated")
        .withArgs(who, Action.Trade, epoch, old, report.newCommitment, USDC, 0n, requirement, true);
      const p = await w.d.engine.positionOf(who, ETH_PERP);
      expect([p.size, p.entryPrice]).to.deep.equal([6n * e18, mark]);
      expect((await w.d.engine.accountOf(who)).leaseEpoch).to.equal(epoch);
    });

    it("settles the old position at the mark when reducing: the loss moves to the pool, at maintenance margin", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      const epoch = await nextEpoch(w, new Map([[WETH, 2_900_00000000n]]));
      const who = await addr(alice);
      const engine = await w.d.engine.getAddress();
      const market = await w.d.market.getAddress();
      const [engineBefore, poolBefore] = [BigInt(await w.d.tokens[USDC]!.balanceOf(engine)), BigInt(await w.d.market.poolBalance())];
      const old = BigInt(await w.d.engine.commitmentOf(who));
      const trader = await traderAt(w, alice, aliceOpening);
      const report = await trader.trade(ETH_PERP, -3n * e18);
      gas["trade (reduce at a loss)"] = report.gasUsed;

      // 5 ETH from 3,000 to 2,900: a 500 USDC loss.
      const pnl = -500n * e6;
      const requirement = BigInt(await w.d.engine.requirementOf(who, false));
      await expect(report.txHash).to.emit(w.d.engine, "PositionChanged").withArgs(who, ETH_PERP, 5n * e18, 2n * e18, 2_900_00000000n, pnl);
      await expect(report.txHash)
        .to.emit(w.d.engine, "AccountUpdated")
        .withArgs(who, Action.Trade, epoch, old, report.newCommitment, USDC, pnl, requirement, true);
      expect(await w.d.tokens[USDC]!.balanceOf(engine)).to.equal(engineBefore + pnl);
      expect(await w.d.tokens[USDC]!.balanceOf(market)).to.equal(poolBefore - pnl);
      const p = await w.d.engine.positionOf(who, ETH_PERP);
      expect([p.size, p.entryPrice]).to.deep.equal([2n * e18, 2_900_00000000n]);
      expect(trader.opening.amounts[USDC]).to.equal(aliceOpening.amounts[USDC]! + pnl);
    });

    it("pays a realised profit from the pool when closing, and clears the market's bit", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      await nextEpoch(w, new Map([[WBTC, 59_000_00000000n]]));
      const who = await addr(alice);
      const trader = await traderAt(w, alice, aliceOpening);
      const report = await trader.trade(BTC_PERP, e18 / 10n);
      gas["trade (close at a profit)"] = report.gasUsed;

      // Short 0.1 BTC from 60,000 to 59,000: a 100 USDC profit.
      await expect(report.txHash).to.emit(w.d.market, "ProfitPaid").withArgs(100n * e6);
      await expect(report.txHash)
        .to.emit(w.d.engine, "PositionChanged")
        .withArgs(who, BTC_PERP, -(e18 / 10n), 0n, 59_000_00000000n, 100n * e6);
      // A closed position's entry price is not used again (the engine may keep the last mark there).
      expect((await w.d.engine.positionOf(who, BTC_PERP)).size).to.equal(0n);
      expect((await w.d.engine.accountOf(who)).openMarkets).to.equal(1n << BigInt(ETH_PERP));
      expect(await w.d.engine.requirementOf(who, true)).to.equal(accountRequirement(new Map([[ETH_PERP, { size: 5n * e18, entryPrice: 3_000_00000000n }]]), (await publicState(w, who)).markets, true));
    });

    it("rejects a trade that grows exposure when the proof used the maintenance requirement", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      const who = await addr(alice);
      const { markets, positions } = await publicState(w, who);
      const after = new Map(positions).set(ETH_PERP, { size: 6n * e18, entryPrice: markets[ETH_PERP]!.mark });
      const initialRequirement = accountRequirement(after, markets, true);
      const maintenanceRequirement = accountRequirement(after, markets, false);
      expect(maintenanceRequirement).to.be.lessThan(initialRequirement);
      const { initial } = await weightVectors(w.d.oracle);
      const p = await proveByHand(w, h, aliceOpening, { index: USDC, amount: 0n }, maintenanceRequirement, initial);
      await expect(engineAs(w, alice).trade(ETH_PERP, e18, await epochOf(w), p.newCommitment, p.note, p.proof)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });

    it("reverts UnknownMarket for market 2 of a two-market world", async function () {
      const { w, bob } = await loadOpenPositions();
      expect(await typed(w).engine.marketCount()).to.equal(2n);
      for (const m of [2, 8, 255]) {
        await expect(engineAs(w, bob).trade(m, e18, await epochOf(w), 1n, GARBAGE_NOTE, GARBAGE_PROOF))
          .to.be.revertedWithCustomError(w.d.engine, "UnknownMarket")
          .withArgs(m);
      }
    });

    it("reverts ZeroAmount for a zero size change", async function () {
      const { w, alice } = await loadOpenPositions();
      await expect(engineAs(w, alice).trade(ETH_PERP, 0n, await epochOf(w), 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(
        w.d.engine,
        "ZeroAmount",
      );
    });

    it("reverts PositionTooLarge when the new size reaches 2^96 either way, while 2^96 - 1 reaches the verifier", async function () {
      const { w, alice, bob } = await loadOpenPositions();
      const epoch = await epochOf(w);
      for (const delta of [LIMIT_96, -LIMIT_96, 1n << 200n]) {
        await expect(engineAs(w, bob).trade(ETH_PERP, delta, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
          .to.be.revertedWithCustomError(w.d.engine, "PositionTooLarge")
          .withArgs(delta);
      }
      // A change near the int256 bounds is rejected by name even on an open position (no overflow panic).
      const MAX_INT = (1n << 255n) - 1n;
      for (const delta of [MAX_INT, -MAX_INT - 1n, MAX_INT - 5n * e18]) {
        await expect(engineAs(w, alice).trade(ETH_PERP, delta, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
          .to.be.revertedWithCustomError(w.d.engine, "PositionTooLarge")
          .withArgs(delta);
      }
      // Alice is long 5 ETH: the bound applies to the new size, not the change.
      await expect(engineAs(w, alice).trade(ETH_PERP, LIMIT_96 - 5n * e18, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "PositionTooLarge")
        .withArgs(LIMIT_96);
      for (const delta of [LIMIT_96 - 1n, -(LIMIT_96 - 1n)]) {
        await expect(engineAs(w, bob).trade(ETH_PERP, delta, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(
          w.d.engine,
          "InvalidProof",
        );
      }
    });

    it("reverts RequirementTooLarge for a 2^96 - 1 position at a $1,000,000 mark", async function () {
      const { w, bob } = await loadOpenPositions();
      const epoch = await markBtcAt(w, 10n ** 14n);
      const mark = BigInt(await w.d.oracle.markPrice(BTC_PERP));
      expect(mark).to.equal(10n ** 14n);
      const [imRatio] = await w.d.oracle.marketRatios(BTC_PERP);
      const size = LIMIT_96 - 1n;
      const requirement = positionRequirement(size, mark, mark, BigInt(imRatio));
      expect(requirement).to.be.at.least(LIMIT_150);
      await expect(engineAs(w, bob).trade(BTC_PERP, size, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "RequirementTooLarge")
        .withArgs(requirement);
    });

    it("reverts NoMarkPrice in a market whose underlying never had a valid price", async function () {
      const { w, bob } = await networkHelpers.loadFixture(unpricedMarketFixture);
      expect(await w.d.oracle.markPrice(BTC_PERP)).to.equal(0n);
      expect(await w.d.oracle.markPrice(ETH_PERP)).to.not.equal(0n);
      await expect(engineAs(w, bob).trade(BTC_PERP, e18, await epochOf(w), 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "NoMarkPrice")
        .withArgs(BTC_PERP);
    });

    it("reverts PnlTooLarge when the realised PnL reaches 2^96 base units of an 18-decimal settlement asset", async function () {
      const { w, engine, alice, size } = await networkHelpers.loadFixture(wethSettledFixture);
      let epoch = await nextEpoch(w, new Map([[WBTC, 10n ** 14n]]));
      // The mark moves at most markBandBps a sample: poke until it reaches the price.
      while ((await w.d.oracle.markPrice(BTC_PERP)) !== 10n ** 14n) epoch = await nextEpoch(w);
      const pnl = realisedPnl(size, 60_000_00000000n, 10n ** 14n, 18);
      expect(pnl).to.be.at.least(LIMIT_96);
      await expect(engine.connect(alice).trade(BTC_PERP, -size, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(engine, "PnlTooLarge")
        .withArgs(pnl);
    });
  });

  describe("#renewLease", function () {
    it("renews the lease at the current epoch with a maintenance-margin proof", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      const epoch = await nextEpoch(w, new Map([[WETH, 2_900_00000000n]]));
      const who = await addr(alice);
      const old = BigInt(await w.d.engine.commitmentOf(who));
      const trader = await traderAt(w, alice, aliceOpening);
      const report = await trader.renewLease();
      gas["renewLease"] = report.gasUsed;

      const requirement = BigInt(await w.d.engine.requirementOf(who, false));
      expect(report.requirement).to.equal(requirement);
      await expect(report.txHash)
        .to.emit(w.d.engine, "AccountUpdated")
        .withArgs(who, Action.RenewLease, epoch, old, report.newCommitment, 0, 0n, requirement, true);
      const account = await w.d.engine.accountOf(who);
      expect(account.leaseEpoch).to.equal(epoch);
      expect(account.leaseTimestamp).to.equal((await w.d.oracle.epoch(epoch)).timestamp);
      expect(trader.opening.amounts).to.deep.equal(aliceOpening.amounts);
    });

    it("rejects a renewal proved against requirement 0 while positions are open", async function () {
      const { w, alice, aliceOpening } = await loadOpenPositions();
      const { maintenance } = await weightVectors(w.d.oracle);
      const p = await proveByHand(w, h, aliceOpening, { index: 0, amount: 0n }, 0n, maintenance);
      await expect(engineAs(w, alice).renewLease(await epochOf(w), p.newCommitment, p.note, p.proof)).to.be.revertedWithCustomError(
        w.d.engine,
        "InvalidProof",
      );
    });

    it("reverts StaleEpoch and CommitmentNotInField before looking at the proof", async function () {
      const { w, alice } = await loadOpenPositions();
      const epoch = await epochOf(w);
      await expect(engineAs(w, alice).renewLease(epoch - 1n, 1n, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "StaleEpoch")
        .withArgs(epoch - 1n, epoch);
      await expect(engineAs(w, alice).renewLease(epoch, FIELD_MODULUS, GARBAGE_NOTE, GARBAGE_PROOF))
        .to.be.revertedWithCustomError(w.d.engine, "CommitmentNotInField")
        .withArgs(FIELD_MODULUS);
    });
  });

  describe("#requirementOf", function () {
    it("equals the TypeScript accountRequirement over the positions, for initial and maintenance margin", async function () {
      const { w, alice } = await loadOpenPositions();
      const who = await addr(alice);
      const check = async (): Promise<void> => {
        const { markets, positions } = await publicState(w, who);
        expect(positions.size).to.equal(2);
        const initial = accountRequirement(positions, markets, true);
        const maintenance = accountRequirement(positions, markets, false);
        expect(await w.d.engine.requirementOf(who, true)).to.equal(initial);
        expect(await w.d.engine.requirementOf(who, false)).to.equal(maintenance);
        expect(maintenance).to.be.lessThan(initial);
      };
      await check();
      // Both positions lose: the unrealised loss is part of the requirement.
      await nextEpoch(w, new Map([[WETH, 2_700_00000000n], [WBTC, 63_000_00000000n]]));
      await check();
      await nextEpoch(w, new Map([[WETH, 3_300_00000000n], [WBTC, 57_000_00000000n]]));
      await check();
    });

    it("is 0 for an account without positions", async function () {
      const { w, bob } = await loadOpenPositions();
      expect(await w.d.engine.requirementOf(await addr(bob), true)).to.equal(0n);
      expect(await w.d.engine.requirementOf(await addr(bob), false)).to.equal(0n);
    });
  });

  describe("#commitmentOf", function () {
    it("starts every account at the empty basket's commitment with blinding 0", async function () {
      const { w, bob } = await loadOpenPositions();
      const who = await addr(bob);
      const o = emptyOpening(BigInt(who));
      const expected = accountCommitment(h, o.amounts, 0n, BigInt(who));
      expect(await w.d.engine.emptyCommitment(who)).to.equal(expected);
      expect(await w.d.engine.commitmentOf(who)).to.equal(expected);
      expect((await w.d.engine.accountOf(who)).commitment).to.equal(0n);
    });
  });

  describe("governance", function () {
    /** Names of the functions in an ABI that are neither view nor pure. */
    function stateChanging(c: { interface: { forEachFunction(cb: (f: { name: string; stateMutability: string }) => void): void } }): string[] {
      const names: string[] = [];
      c.interface.forEachFunction((f) => {
        if (f.stateMutability !== "view" && f.stateMutability !== "pure") names.push(f.name);
      });
      return names.sort();
    }

    function allNames(c: { interface: { forEachFunction(cb: (f: { name: string }) => void): void } }): string[] {
      const names: string[] = [];
      c.interface.forEachFunction((f) => names.push(f.name));
      return names;
    }

    const GOVERNANCE = /owner|admin|pause|upgrade|govern|guardian|rescue|sweep|kill|destruct|implementation|proxy|role/i;
    /** Setters such as `setOracle` (case-sensitive, so that `settlementAsset` is not one). */
    const SETTER = /^set[A-Z_]/;
    const governance = (names: string[]): string[] => names.filter((n) => GOVERNANCE.test(n) || SETTER.test(n));

    it("gives the engine no owner, admin, pause or upgrade function: only account updates, the account's margin mode, lease enforcement and the pool's payouts change state", async function () {
      const { w } = await loadOpenPositions();
      expect(stateChanging(w.d.engine)).to.deep.equal(["absorbNote", "chooseMarginMode", "claim", "deposit", "emitNote", "flagLiquidatable", "forceClose", "liquidate", "liquidatePartial", "releaseNote", "renewLease", "seizeFrozen", "settle", "trade", "withdraw"]);
      expect(governance(allNames(w.d.engine))).to.deep.equal([]);
      expect(w.d.engine.interface.fallback).to.equal(null);
      expect(w.d.engine.interface.receive).to.equal(false);
    });

    it("gives the market no owner, admin, pause or upgrade function: only liquidity, the engine's payout and the spent bindEngine change state", async function () {
      const { w } = await loadOpenPositions();
      expect(stateChanging(w.d.market)).to.deep.equal(["addLiquidity", "bindEngine", "payProfit", "removeLiquidity"]);
      expect(governance(allNames(w.d.market))).to.deep.equal([]);
      expect(await typed(w).market.engine()).to.equal(await w.d.engine.getAddress());
      // bindEngine() binds once, and the engine's constructor spent it: nobody can rebind the market.
      await expect(typed(w).market.bindEngine()).to.be.revertedWithCustomError(typed(w).market, "EngineAlreadyBound").withArgs(await w.d.engine.getAddress());
    });

    it("gives the insurance fund no owner, admin, pause or upgrade function: only the engine's cover and the spent bindEngine change state", async function () {
      const { w } = await loadOpenPositions();
      const fund = await ethers.getContractAt("InsuranceFund", await w.d.engine.insuranceFund());
      expect(stateChanging(fund)).to.deep.equal(["bindEngine", "cover"]);
      expect(governance(allNames(fund))).to.deep.equal([]);
      expect(fund.interface.fallback).to.equal(null);
      expect(await fund.engine()).to.equal(await w.d.engine.getAddress());
      expect(await fund.pool()).to.equal(await w.d.market.getAddress());
      await expect(fund.bindEngine()).to.be.revertedWithCustomError(fund, "EngineAlreadyBound").withArgs(await w.d.engine.getAddress());
      const [, stranger] = await ethers.getSigners();
      await expect(fund.connect(stranger!).cover(1n)).to.be.revertedWithCustomError(fund, "OnlyEngine").withArgs(await addr(stranger!));
    });

    it("gives the engine's linked libraries no callable function: their ABIs are empty and a direct call reverts", async function () {
      const { w, bob } = await loadOpenPositions();
      for (const [name, address] of Object.entries(w.d.libraries)) {
        const lib = await ethers.getContractAt(name as "AccountUpdates", address);
        expect(allNames(lib), name).to.deep.equal([]);
        expect(lib.interface.fallback, name).to.equal(null);
        expect(await ethers.provider.getCode(address), name).to.not.equal("0x");
        // No fallback, and library call protection refuses any direct CALL of a state-changing function.
        await expect(bob.sendTransaction({ to: address, data: "0x12345678" }), name).to.be.revert(ethers);
      }
    });

    it("admits a market, a fund and a keeper registry only at construction, and only ones nobody bound before", async function () {
      const { w } = await loadOpenPositions();
      const [, stranger] = await ethers.getSigners();
      const [quote, decimals] = await w.d.oracle.asset(USDC);
      const oracle = await w.d.oracle.getAddress();
      const factory = await ethers.getContractFactory("MarginEngine", { libraries: w.d.libraries });
      const freshPool = async () => (await deployShieldedPool(ethers, oracle, w.d.noteVerifiers, w.d.poseidonT3)).pool;
      type At = { getAddress(): Promise<string> };
      const config = async (market: At, fund: At, pool?: At, registry?: At) => ({
        oracle,
        updateVerifier: await w.d.verifier.getAddress(),
        insolvencyVerifier: await w.d.insolvencyVerifier.getAddress(),
        poseidon3: await w.d.poseidon3.getAddress(),
        emptyBasketHash: await typed(w).engine.emptyBasketHash(),
        settlementAsset: USDC,
        leaseMaxAge: await typed(w).engine.leaseMaxAge(),
        leaseGrace: await typed(w).engine.leaseGrace(),
        targetHealthBps: await typed(w).engine.targetHealthBps(),
        auctionStartBps: await typed(w).engine.auctionStartBps(),
        auctionDuration: await typed(w).engine.auctionDuration(),
        seizeDelay: await typed(w).engine.seizeDelay(),
        keeperRegistry: await (registry ?? (await deployKeeperRegistry(ethers, quote, decimals))).getAddress(),
        market: await market.getAddress(),
        insuranceFund: await fund.getAddress(),
        shieldedPool: await (pool ?? (await freshPool())).getAddress(),
        absorbVerifier: w.d.noteVerifiers.absorb,
        emitVerifier: w.d.noteVerifiers.emit,
        portfolioVerifier: await typed(w).engine.portfolioVerifier(),
      });
      const fresh = async () => {
        const market = await ethers.deployContract("PerpMarket", [oracle, quote, decimals, [0n, 0n, 0n]]);
        return { market, fund: await ethers.deployContract("InsuranceFund", [quote, await market.getAddress()]) };
      };
      // The world's market and fund are bound to the world's engine.
      await expect(factory.deploy(await config(w.d.market, w.d.insuranceFund))).to.be.revertedWithCustomError(typed(w).market, "EngineAlreadyBound");
      // A front-runner who binds a fresh market first only makes the engine's deployment fail.
      const a = await fresh();
      await (await a.market.connect(stranger!).bindEngine()).wait();
      await expect(factory.deploy(await config(a.market, a.fund))).to.be.revertedWithCustomError(a.market, "EngineAlreadyBound").withArgs(await addr(stranger!));
      // A fund for another pool, or in another token, is refused.
      const b = await fresh();
      const c = await fresh();
      await expect(factory.deploy(await config(b.market, c.fund)))
        .to.be.revertedWithCustomError(factory, "InvalidMarket")
        .withArgs(await c.fund.getAddress(), "fund does not back this market's pool");
      const weth = await ethers.deployContract("PerpMarket", [oracle, await w.d.tokens[WETH]!.getAddress(), 18, [0n, 0n, 0n]]);
      await expect(factory.deploy(await config(weth, b.fund)))
        .to.be.revertedWithCustomError(factory, "InvalidMarket")
        .withArgs(await weth.getAddress(), "quote token is not the settlement token");
      // The shielded pool: the world's is bound to the world's engine; one on other tokens is refused.
      await expect(factory.deploy(await config(b.market, b.fund, w.d.shieldedPool))).to.be.revertedWithCustomError(w.d.shieldedPool, "EngineAlreadyBound");
      const otherSlots = await ethers.deployContract("NoteAssetSlotsMock", [await Promise.all(w.d.tokens.map(async (t, i) => (i === WETH ? addr(stranger!) : t.getAddress())))]);
      const otherPool = await deployShieldedPool(ethers, await otherSlots.getAddress(), w.d.noteVerifiers, w.d.poseidonT3);
      await expect(factory.deploy(await config(b.market, b.fund, otherPool.pool)))
        .to.be.revertedWithCustomError(factory, "InvalidShieldedPool")
        .withArgs(await otherPool.pool.getAddress(), "other tokens");
      // The keeper registry: the world's is bound to the world's engine, one a front-runner bound first is
      // refused the same way, and one whose bonds are not in the settlement token cannot back the pool.
      await expect(factory.deploy(await config(b.market, b.fund, undefined, w.d.keeperRegistry))).to.be.revertedWithCustomError(w.d.keeperRegistry, "EngineAlreadyBound");
      const squatted = await deployKeeperRegistry(ethers, quote, decimals);
      await (await (squatted.connect(stranger!) as typeof squatted).bindEngine()).wait();
      await expect(factory.deploy(await config(b.market, b.fund, undefined, squatted)))
        .to.be.revertedWithCustomError(squatted, "EngineAlreadyBound")
        .withArgs(await addr(stranger!));
      const wethBonds = await deployKeeperRegistry(ethers, await w.d.tokens[WETH]!.getAddress(), 18);
      await expect(factory.deploy(await config(b.market, b.fund, undefined, wethBonds)))
        .to.be.revertedWithCustomError(factory, "InvalidKeeperRegistry")
        .withArgs(await wethBonds.getAddress(), "bond token is not the settlement token");
      // A fitting set is admitted, and bound to the new engine for good.
      const pool = await freshPool();
      const registry = await deployKeeperRegistry(ethers, quote, decimals);
      const engine = await factory.deploy(await config(b.market, b.fund, pool, registry));
      await engine.waitForDeployment();
      expect(await b.market.engine()).to.equal(await engine.getAddress());
      expect(await b.fund.engine()).to.equal(await engine.getAddress());
      expect(await registry.engine()).to.equal(await engine.getAddress());
      expect(await (pool as unknown as { engine(): Promise<string> }).engine()).to.equal(await engine.getAddress());
      expect(await engine.quoter()).to.equal(oracle);
      expect(await engine.marketCount()).to.equal(BigInt(await w.d.oracle.marketCount()));
    });
  });

  describe("token accounting", function () {
    it("holds, per asset, exactly the sum of the public deltas logged in AccountUpdated", async function () {
      const { w, alice, aliceOpening, bob } = await loadOpenPositions();
      const seeded = BigInt(await w.d.market.poolBalance());
      await nextEpoch(w, new Map([[WETH, 2_900_00000000n], [WBTC, 59_000_00000000n]]));
      const trader = await traderAt(w, alice, aliceOpening);
      await trader.trade(ETH_PERP, -5n * e18); // -500 USDC
      await trader.trade(BTC_PERP, e18 / 10n); // +100 USDC
      await trader.withdraw(WETH, 2n * e18);
      await trader.withdraw(USDC, 1_000n * e6);
      await (await traderAt(w, bob)).deposit(WETH, 3n * e18);

      const engine = await w.d.engine.getAddress();
      const updates = (await w.d.engine.queryFilter("AccountUpdated")).filter((e): e is EventLog => e instanceof EventLog);
      const sums = sumByAsset(updates.map((e) => ({ asset: BigInt(e.args.asset), delta: BigInt(e.args.delta) })));
      expect(sums.size).to.equal(2);
      for (let slot = 0; slot < w.d.tokens.length; slot++) {
        expect(await w.d.tokens[slot]!.balanceOf(engine), `slot ${slot}`).to.equal(sums.get(slot) ?? 0n);
      }
      expect(sums.get(USDC)).to.equal(50_000n * e6 - 500n * e6 + 100n * e6 - 1_000n * e6);
      expect(sums.get(WETH)).to.equal(10n * e18 - 2n * e18 + 3n * e18);

      const changes = (await w.d.engine.queryFilter("PositionChanged")).filter((e): e is EventLog => e instanceof EventLog);
      const paidToPool = changes.reduce((sum, e) => sum - BigInt(e.args.realisedPnl), 0n);
      expect(await w.d.market.poolBalance()).to.equal(seeded + paidToPool);
    });
  });
});
