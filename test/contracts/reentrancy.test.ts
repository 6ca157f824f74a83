/**
 * The engine's reentrancy guard on every state-changing entry point. A token that calls back
 * (`ReentrantERC20`, the settlement slot here) re-enters every entry point from inside each
 * entry point that moves it: deposit, withdraw, trade, liquidate, claim, forceClose and settle
 * (renewLease moves no token, so it is only re-entered). Every re-entered call must stop at the
 * guard with `Reentrancy()`, and the outer call must complete with the right balances.
 *
 * The engine here verifies with `AcceptingVerifier` and `AcceptingInsolvencyVerifier` (test-only
 * verifiers that accept every proof): these tests are about the guard and the transfers, not the
 * proofs, which `engine.test.ts` and `liquidation.test.ts` make for real. Removing `nonReentrant`
 * from any one entry point makes at least one test here fail (checked per function by
 * `npm run mutate:contracts -- --contract MarginEngine`; see test/contracts/README.md).
 */
import { expect } from "chai";
import { ZeroAddress, type Signer } from "ethers";
import { network } from "hardhat";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { Prover } from "../../prover/src/prover.js";
import { elapse, nextEpoch, type World } from "../../scripts/lib/world.js";
import type { MarginEngine, ReentrantERC20 } from "../../types/ethers-contracts/index.js";
import { createCustomWorld, deployAcceptingEngine, e18, e6, GARBAGE_NOTE, GARBAGE_PROOF } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();

const RUSD = 0; // the re-entrant settlement token, 6 decimals, $1
const WETH = 1;
const ETH_PERP = 0;
/** An address with no account: re-entered forceClose and liquidate name it. */
const NOBODY = "0x000000000000000000000000000000000000dEaD";

interface Setup {
  w: World;
  engine: MarginEngine;
  token: ReentrantERC20;
  /** Deposited 20,000 rUSD and 5 WETH, long 10 ETH-PERP at $3,000. */
  alice: Signer;
  /** Holds 100,000 rUSD, engine approved; no account. */
  bob: Signer;
  prices: bigint[];
}

let commitment = 1_000n;
/** A fresh commitment (the accepting verifier takes any; the engine only needs it new and in the field). */
const next = (): bigint => ++commitment;

async function setup(): Promise<Setup> {
  const token = await ethers.deployContract("ReentrantERC20", ["Reentrant USD", "rUSD", 6]);
  const weth = await ethers.deployContract("MockERC20", ["Mock WETH", "WETH", 18]);
  const w = await createCustomWorld(
    ethers,
    prover,
    [
      { symbol: "rUSD", decimals: 6, price: 1_00000000n, annualVol: 0.05, token },
      { symbol: "WETH", decimals: 18, price: 3_000_00000000n, annualVol: 0.8, token: weth },
    ],
    [{ symbol: "ETH-PERP", underlying: WETH }],
  );
  const [, lp, alice, bob] = await ethers.getSigners();
  const { engine } = await deployAcceptingEngine(ethers, w, { lp: lp!, liquidity: 1_000_000n * e6 });
  const engineAddr = await engine.getAddress();
  for (const who of [alice!, bob!]) {
    await (await token.mint(await who.getAddress(), 100_000n * e6)).wait();
    await (await token.connect(who).approve(engineAddr, 100_000n * e6)).wait();
  }
  await (await weth.mint(await alice!.getAddress(), 5n * e18)).wait();
  await (await weth.connect(alice!).approve(engineAddr, 5n * e18)).wait();
  const epoch = await w.d.oracle.currentEpoch();
  const a = engine.connect(alice!);
  await (await a.deposit(RUSD, 20_000n * e6, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.deposit(WETH, 5n * e18, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.trade(ETH_PERP, 10n * e18, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  return { w, engine, token, alice: alice!, bob: bob!, prices: [...w.prices] };
}

async function load(): Promise<Setup> {
  const s = await networkHelpers.loadFixture(setup);
  s.w.prices.splice(0, s.w.prices.length, ...s.prices);
  return s;
}

/** Calldata re-entering each of the seven entry points with arguments that pass nothing else. */
async function everyEntryPoint(s: Setup): Promise<{ name: string; data: string }[]> {
  const epoch = await s.w.d.oracle.currentEpoch();
  const i = s.engine.interface;
  const seizure = { indexA: RUSD, amountA: 1n, indexB: WETH, amountB: 0n };
  const calls: [string, unknown[]][] = [
    ["deposit", [RUSD, 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]],
    ["withdraw", [RUSD, 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]],
    ["trade", [ETH_PERP, 1n, epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]],
    ["renewLease", [epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]],
    ["settle", [epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF]],
    ["forceClose", [NOBODY]],
    ["liquidate", [NOBODY, epoch, seizure, 1n, GARBAGE_PROOF]],
    ["liquidatePartial", [NOBODY, epoch, 5_000, 0, seizure, 1n, GARBAGE_PROOF]],
    ["flagLiquidatable", [NOBODY, epoch, 1n, GARBAGE_PROOF]],
    ["seizeFrozen", [NOBODY, epoch, seizure, 1n, GARBAGE_PROOF]],
    ["absorbNote", [epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF, 1n, 1n]],
    ["emitNote", [epoch, 1n, GARBAGE_NOTE, GARBAGE_PROOF, 1n, { ephemeralKey: [0n, 0n], ciphertext: [0n, 0n] }]],
    ["releaseNote", [RUSD, NOBODY, 1n]],
    ["chooseMarginMode", [true]],
    ["claim", [RUSD, NOBODY]],
  ];
  return calls.map(([name, args]) => ({ name, data: i.encodeFunctionData(name as "deposit", args as never) }));
}

/** Arms the token with every entry point, runs `outer`, and checks each re-entered call reverted Reentrancy(). */
async function expectGuarded(s: Setup, outer: () => Promise<unknown>): Promise<void> {
  const calls = await everyEntryPoint(s);
  await (await s.token.arm(await s.engine.getAddress(), calls.map((c) => c.data))).wait();
  await outer();
  const reentrancy = s.engine.interface.encodeErrorResult("Reentrancy", []);
  expect(await s.token.resultCount(), "the armed calls ran").to.equal(BigInt(calls.length));
  for (const [k, c] of calls.entries()) {
    expect(await s.token.succeeded(k), c.name).to.equal(false);
    expect(await s.token.results(k), `re-entered ${c.name}`).to.equal(reentrancy);
  }
}

const send = async (tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> => {
  await (await tx).wait();
};
const addr = (x: { getAddress(): Promise<string> }): Promise<string> => x.getAddress();

describe("MarginEngine reentrancy guard (accepting verifiers)", function () {
  after(async function () {
    await prover.close();
  });

  describe("#deposit", function () {
    it("stops every re-entered entry point at the guard when the token calls back from transferFrom", async function () {
      const s = await load();
      const before = await s.token.balanceOf(await addr(s.engine));
      const epoch = await s.w.d.oracle.currentEpoch();
      await expectGuarded(s, () => send(s.engine.connect(s.alice).deposit(RUSD, 1_000n * e6, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)));
      expect(await s.token.balanceOf(await addr(s.engine))).to.equal(before + 1_000n * e6);
    });
  });

  describe("#withdraw", function () {
    it("stops every re-entered entry point at the guard when the token calls back from transfer", async function () {
      const s = await load();
      const before = await s.token.balanceOf(await s.alice.getAddress());
      const epoch = await s.w.d.oracle.currentEpoch();
      await expectGuarded(s, () => send(s.engine.connect(s.alice).withdraw(RUSD, 1_000n * e6, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)));
      expect(await s.token.balanceOf(await s.alice.getAddress())).to.equal(before + 1_000n * e6);
    });
  });

  describe("#trade", function () {
    it("stops every re-entered entry point at the guard while a realised loss moves to the pool", async function () {
      const s = await load();
      const epoch = await nextEpoch(s.w, new Map([[WETH, 2_900_00000000n]]));
      const pool = await s.engine.market();
      const before = await s.token.balanceOf(pool);
      await expectGuarded(s, () => send(s.engine.connect(s.alice).trade(ETH_PERP, -5n * e18, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)));
      // Closing 5 of 10 ETH-PERP $100 lower realises a loss on the whole old position: 10 * $100.
      expect(await s.token.balanceOf(pool)).to.equal(before + 1_000n * e6);
    });

    it("stops every re-entered entry point at the guard while the pool pays a realised profit", async function () {
      const s = await load();
      const epoch = await nextEpoch(s.w, new Map([[WETH, 3_100_00000000n]]));
      const engineBefore = await s.token.balanceOf(await addr(s.engine));
      await expectGuarded(s, () => send(s.engine.connect(s.alice).trade(ETH_PERP, -10n * e18, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)));
      expect(await s.token.balanceOf(await addr(s.engine))).to.equal(engineBefore + 1_000n * e6);
    });
  });

  describe("#liquidate", function () {
    it("stops every re-entered entry point at the guard while the seizure is paid out to the liquidator", async function () {
      const s = await load();
      const epoch = await nextEpoch(s.w, new Map([[WETH, 2_900_00000000n]]));
      const bob = await s.bob.getAddress();
      const pool = await s.engine.market();
      const registry = await s.engine.keeperRegistry();
      const [bobBefore, poolBefore, bondsBefore] = [await s.token.balanceOf(bob), await s.token.balanceOf(pool), await s.token.balanceOf(registry)];
      const seizure = { indexA: RUSD, amountA: 500n * e6, indexB: WETH, amountB: 0n };
      const alice = await s.alice.getAddress();
      await expectGuarded(s, () => send(s.engine.connect(s.bob).liquidate(alice, epoch, seizure, next(), GARBAGE_PROOF)));
      // The liquidator pays the pool for the seizure at the discounted price out of the seized rUSD
      // itself, and is credited the difference, the bonus (pull payments: nothing is sent to it). The
      // keeper's bond pays the pool the first 500 rUSD (its draw cap) of the shortfall.
      expect(await s.token.balanceOf(bob)).to.equal(bobBefore);
      const bobGain = await s.engine.claimableOf(bob, RUSD);
      const poolGain = (await s.token.balanceOf(pool)) - poolBefore;
      const drawn = bondsBefore - (await s.token.balanceOf(registry));
      expect(drawn).to.equal(500n * e6);
      expect(bobGain + poolGain).to.equal(500n * e6 + drawn);
      expect(bobGain > 0n).to.equal(true);
      expect((await s.engine.accountOf(await s.alice.getAddress())).frozen).to.equal(true);
      // The claim sends the credit, once, and is guarded too: the token re-enters every entry point from it.
      const carol = (await ethers.getSigners())[5]!.address;
      await expectGuarded(s, async () => {
        await expect(s.engine.connect(s.bob).claim(RUSD, carol)).to.emit(s.engine, "Claimed").withArgs(bob, RUSD, carol, bobGain);
      });
      expect(await s.token.balanceOf(carol)).to.equal(bobGain);
      expect(await s.engine.claimableOf(bob, RUSD)).to.equal(0n);
      expect(await s.token.balanceOf(bob)).to.equal(bobBefore);
      await expect(s.engine.connect(s.bob).claim(RUSD, bob)).to.be.revertedWithCustomError(s.engine, "NothingToClaim").withArgs(bob, RUSD);
      await expect(s.engine.connect(s.bob).claim(WETH, bob)).to.be.revertedWithCustomError(s.engine, "NothingToClaim").withArgs(bob, WETH);
      await expect(s.engine.connect(s.bob).claim(2, bob)).to.be.revertedWithCustomError(s.engine, "UnknownAsset").withArgs(2);
    });
  });

  describe("#liquidatePartial", function () {
    it("stops every re-entered entry point at the guard while the closed loss moves from custody to the pool", async function () {
      const s = await load();
      const epoch = await nextEpoch(s.w, new Map([[WETH, 2_900_00000000n]]));
      const pool = await s.engine.market();
      const before = await s.token.balanceOf(pool);
      // Half of 10 ETH-PERP closes $100 lower: a loss of 500 rUSD, debited from the basket's rUSD (nothing seized).
      const seizure = { indexA: WETH, amountA: 0n, indexB: RUSD, amountB: 0n };
      await expectGuarded(s, () => send(s.engine.connect(s.bob).liquidatePartial(s.alice.getAddress(), epoch, 5_000, 0, seizure, next(), GARBAGE_PROOF)));
      expect(await s.token.balanceOf(pool)).to.equal(before + 500n * e6);
      expect((await s.engine.positionOf(await s.alice.getAddress(), ETH_PERP)).size).to.equal(5n * e18);
    });
  });

  describe("#forceClose and #settle", function () {
    /** Alice's lease expired (age and grace) while ETH fell to $2,900; the fund holds 100,000 rUSD. */
    async function expired(): Promise<{ s: Setup; epoch: bigint }> {
      const s = await load();
      await send(s.token.mint(await s.engine.insuranceFund(), 100_000n * e6));
      await elapse(s.w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      const epoch = await nextEpoch(s.w, new Map([[WETH, 2_900_00000000n]]));
      return { s, epoch };
    }

    it("forceClose stops every re-entered entry point at the guard while the fund advances the loss to the pool", async function () {
      const { s } = await expired();
      const pool = await s.engine.market();
      const before = await s.token.balanceOf(pool);
      await expectGuarded(s, () => send(s.engine.connect(s.bob).forceClose(s.alice.getAddress())));
      expect(await s.token.balanceOf(pool)).to.equal(before + 1_000n * e6);
      expect((await s.engine.settlementOf(await s.alice.getAddress())).basketDelta).to.equal(-1_000n * e6);
    });

    it("seizeFrozen stops every re-entered entry point at the guard while the seizure repays the keeper's bond, then the fund", async function () {
      const { s } = await expired();
      await send(s.engine.connect(s.bob).forceClose(s.alice.getAddress()));
      await elapse(s.w, BigInt(await s.engine.seizeDelay()));
      const epoch = await nextEpoch(s.w, new Map([[WETH, 2_900_00000000n]]));
      const fundAddr = await s.engine.insuranceFund();
      const registry = await s.engine.keeperRegistry();
      const [fundBefore, bondsBefore] = [await s.token.balanceOf(fundAddr), await s.token.balanceOf(registry)];
      const seizure = { indexA: RUSD, amountA: 500n * e6, indexB: WETH, amountB: 0n };
      await expectGuarded(s, () => send(s.engine.connect(s.bob).seizeFrozen(s.alice.getAddress(), epoch, seizure, next(), GARBAGE_PROOF)));
      // The keeper pays for 500 rUSD at the auction's discount, out of the seized rUSD itself. The force-close
      // drew 500 (the cap) from the bond and 500 from the fund: the payment refills the bond first.
      const toBond = (await s.token.balanceOf(registry)) - bondsBefore;
      const toFund = (await s.token.balanceOf(fundAddr)) - fundBefore;
      const repaid = toBond + toFund;
      expect(repaid > 0n && repaid <= 500n * e6).to.equal(true);
      expect(toBond).to.equal(repaid);
      expect((await s.engine.settlementOf(await s.alice.getAddress())).basketDelta).to.equal(-1_000n * e6 + repaid);
      expect((await s.engine.settlementOf(await s.alice.getAddress())).owedToKeeper).to.equal(500n * e6 - repaid);
    });

    it("settle stops every re-entered entry point at the guard while the debt is repaid to the keeper's bond and the fund", async function () {
      const { s, epoch } = await expired();
      await send(s.engine.connect(s.bob).forceClose(s.alice.getAddress()));
      const fundAddr = await s.engine.insuranceFund();
      const registry = await s.engine.keeperRegistry();
      const [before, bondsBefore] = [await s.token.balanceOf(fundAddr), await s.token.balanceOf(registry)];
      await expectGuarded(s, () => send(s.engine.connect(s.alice).settle(epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)));
      // 500 rUSD (the draw cap) back into the bond, the other 500 to the fund.
      expect(await s.token.balanceOf(registry)).to.equal(bondsBefore + 500n * e6);
      expect(await s.token.balanceOf(fundAddr)).to.equal(before + 500n * e6);
      expect((await s.engine.accountOf(await s.alice.getAddress())).frozen).to.equal(false);
    });
  });

  it("leaves no entry point unguarded: the fifteen re-entered are the engine's state-changing functions", async function () {
    const s = await load();
    const names: string[] = [];
    s.engine.interface.forEachFunction((f) => {
      if (f.stateMutability !== "view" && f.stateMutability !== "pure") names.push(f.name);
    });
    expect(names.sort()).to.deep.equal((await everyEntryPoint(s)).map((c) => c.name).sort());
    expect(ZeroAddress).to.not.equal(NOBODY);
  });
});
