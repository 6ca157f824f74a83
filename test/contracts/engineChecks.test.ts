/**
 * Engine checks of `liquidate` no other suite reaches: a stale oracle (OracleStale), a remainder
 * commitment outside the field (CommitmentNotInField), a seizure slot the oracle does not
 * configure (UnknownAsset, either slot of the seizure), and an account without a position
 * (NoOpenPosition, which only the accepting verifier can reach: no insolvency proof exists against a
 * requirement of 0). The engine here verifies with
 * `AcceptingVerifier` and `AcceptingInsolvencyVerifier` (accept every proof): each check must stop
 * the call by itself, and with the check removed the liquidation would go through, which the
 * control case of each test shows.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import { createWorld, elapse, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import type { MarginEngine } from "../../types/ethers-contracts/index.js";
import { deployAcceptingEngine, ETH_PERP, e18, e6, fundFor, GARBAGE_NOTE, GARBAGE_PROOF, USDC, WETH } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

interface Setup {
  w: World;
  engine: MarginEngine;
  /** Deposited 10,000 USDC and 5 WETH, long 10 ETH-PERP; ETH then fell from $3,000 to $2,900. */
  alice: string;
  /** The liquidator. */
  bob: Signer;
  epoch: bigint;
}

async function setup(): Promise<Setup> {
  const w = await createWorld(ethers);
  const [, lp, alice, bob] = await ethers.getSigners();
  const { engine } = await deployAcceptingEngine(ethers, w, { lp: lp!, liquidity: 1_000_000n * e6 });
  await fundFor(w, await engine.getAddress(), alice!, new Map([[USDC, 10_000n * e6], [WETH, 5n * e18]]));
  let c = 100n;
  const a = engine.connect(alice!);
  const epoch0 = await w.d.oracle.currentEpoch();
  await (await a.deposit(USDC, 10_000n * e6, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.deposit(WETH, 5n * e18, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.trade(ETH_PERP, 10n * e18, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  const epoch = await nextEpoch(w, new Map([[WETH, 2_900_00000000n]]));
  return { w, engine, alice: await alice!.getAddress(), bob: bob!, epoch };
}

const SEIZE_100_USDC = { indexA: USDC, amountA: 100n * e6, indexB: WETH, amountB: 0n };

describe("MarginEngine #liquidate checks (accepting verifiers)", function () {
  it("reverts OracleStale with the epoch's timestamp and the maximum age once nobody poked for two grid steps, and goes through after a poke", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [, timestamp] = await (await ethers.getContractAt("PlimsollOracle", await s.w.d.oracle.getAddress())).currentEpochParams(true);
    const maxAge = await s.engine.maxEpochAge();
    expect(maxAge).to.equal(2n * s.w.gridSeconds);
    await elapse(s.w, maxAge + 1n);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "OracleStale")
      .withArgs(timestamp, maxAge);
    const fresh = await nextEpoch(s.w);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, fresh, SEIZE_100_USDC, 7n, GARBAGE_PROOF)).to.emit(s.engine, "Liquidated");
  });

  it("accepts an epoch exactly at the maximum age (the bound is inclusive)", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [, timestamp] = await (await ethers.getContractAt("PlimsollOracle", await s.w.d.oracle.getAddress())).currentEpochParams(true);
    const maxAge = await s.engine.maxEpochAge();
    await ethers.provider.send("evm_setNextBlockTimestamp", [`0x${(timestamp + maxAge).toString(16)}`]);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, 7n, GARBAGE_PROOF)).to.emit(s.engine, "Liquidated");
  });

  it("reverts CommitmentNotInField for a remainder at or above the field modulus, while modulus - 1 goes through", async function () {
    const s = await networkHelpers.loadFixture(setup);
    for (const bad of [FIELD_MODULUS, FIELD_MODULUS + 1n, (1n << 256n) - 1n]) {
      await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, bad, GARBAGE_PROOF), `remainder ${bad}`)
        .to.be.revertedWithCustomError(s.engine, "CommitmentNotInField")
        .withArgs(bad);
    }
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, FIELD_MODULUS - 1n, GARBAGE_PROOF))
      .to.emit(s.engine, "Liquidated");
    expect((await s.engine.accountOf(s.alice)).commitment).to.equal(FIELD_MODULUS - 1n);
  });

  it("reverts NoOpenPosition for an account without a position: one that never traded, and one that closed its position", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [, , , , carol] = await ethers.getSigners();
    const stranger = await carol!.getAddress();
    await expect(s.engine.connect(s.bob).liquidate(stranger, s.epoch, SEIZE_100_USDC, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "NoOpenPosition")
      .withArgs(stranger);
    // Alice closes her position: she still holds collateral, but nothing can be liquidated.
    const alice = await ethers.getSigner(s.alice);
    await (await s.engine.connect(alice).trade(ETH_PERP, -10n * e18, s.epoch, 999n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    expect((await s.engine.accountOf(s.alice)).openMarkets).to.equal(0n);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, { indexA: WETH, amountA: 1n, indexB: USDC, amountB: 0n }, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "NoOpenPosition")
      .withArgs(s.alice);
  });

  it("reverts UnknownAsset for a seizure slot the oracle does not configure, in either place and even with amount 0", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const count = Number(await s.w.d.oracle.assetCount());
    const seizures = [
      { indexA: count, amountA: 1n, indexB: USDC, amountB: 0n },
      { indexA: count, amountA: 0n, indexB: USDC, amountB: 0n },
      { indexA: USDC, amountA: 100n * e6, indexB: count, amountB: 1n },
      { indexA: USDC, amountA: 100n * e6, indexB: 255, amountB: 0n },
    ];
    for (const seizure of seizures) {
      const bad = seizure.indexA >= count ? seizure.indexA : seizure.indexB;
      await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, seizure, 7n, GARBAGE_PROOF), JSON.stringify(seizure, (_, v) => (typeof v === "bigint" ? v.toString() : v)))
        .to.be.revertedWithCustomError(s.engine, "UnknownAsset")
        .withArgs(bad);
    }
    // The last configured slot is known: the seizure goes through.
    const last = { indexA: USDC, amountA: 100n * e6, indexB: count - 1, amountB: 0n };
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, last, 7n, GARBAGE_PROOF)).to.emit(s.engine, "Liquidated");
  });
});
