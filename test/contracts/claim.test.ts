/**
 * Pull payments: a liquidation credits its liquidator the seized assets (`claimableOf`) instead of
 * sending them, and `claim(asset, to)` sends one slot's credit. Here the seized slot is a token that
 * can misbehave (`QuirkyERC20`): a transfer that returns false or reverts fails the claim and leaves
 * the credit; one that returns nothing goes through. Also: nothing to claim (`NothingToClaim`, a
 * second claim, another liquidator's credit), an unknown slot (`UnknownAsset`). The claim's guard is
 * in `reentrancy.test.ts`. Accepting verifiers: these tests are about the credit, not the proofs.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { Prover } from "../../prover/src/prover.js";
import { nextEpoch, type World } from "../../scripts/lib/world.js";
import type { MarginEngine, MockERC20, QuirkyERC20 } from "../../types/ethers-contracts/index.js";
import { createCustomWorld, deployAcceptingEngine, e18, e6, GARBAGE_NOTE, GARBAGE_PROOF } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();

const USD = 0;
const QETH = 1; // the quirky token
const ETH_PERP = 0;
/** QuirkyERC20.Mode */
const Mode = { Standard: 0, ReturnsFalse: 1, ReturnsNothing: 2, Reverts: 3 } as const;

interface Setup {
  w: World;
  engine: MarginEngine;
  usd: MockERC20;
  qeth: QuirkyERC20;
  /** The liquidator, credited `seized` of slot QETH by a full close of alice. */
  bob: Signer;
  carol: Signer;
  seized: bigint;
}

async function setup(): Promise<Setup> {
  const usd = await ethers.deployContract("MockERC20", ["Mock USD", "USD", 6]);
  const qeth = await ethers.deployContract("QuirkyERC20", [18]);
  const w = await createCustomWorld(
    ethers,
    prover,
    [
      { symbol: "USD", decimals: 6, price: 1_00000000n, annualVol: 0.05, token: usd },
      { symbol: "QETH", decimals: 18, price: 3_000_00000000n, annualVol: 0.8, token: qeth },
    ],
    [{ symbol: "ETH-PERP", underlying: QETH }],
  );
  const [, lp, alice, bob, carol] = await ethers.getSigners();
  const { engine } = await deployAcceptingEngine(ethers, w, { lp: lp!, liquidity: 1_000_000n * e6 });
  const engineAddr = await engine.getAddress();
  await (await usd.mint(await alice!.getAddress(), 20_000n * e6)).wait();
  await (await usd.connect(alice!).approve(engineAddr, 20_000n * e6)).wait();
  await (await usd.mint(await bob!.getAddress(), 100_000n * e6)).wait();
  await (await usd.connect(bob!).approve(engineAddr, 100_000n * e6)).wait();
  await (await qeth.mint(await alice!.getAddress(), 5n * e18)).wait();
  await (await qeth.connect(alice!).approve(engineAddr, 5n * e18)).wait();
  let c = 1_000n;
  const a = engine.connect(alice!);
  const epoch0 = await w.d.oracle.currentEpoch();
  await (await a.deposit(USD, 20_000n * e6, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.deposit(QETH, 5n * e18, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.trade(ETH_PERP, 10n * e18, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  // ETH $3,000 -> $2,900: a loss of 1,000 USD; 0.3 QETH at $2,900 less the bonus is paid within it.
  const epoch = await nextEpoch(w, new Map([[QETH, 2_900_00000000n]]));
  const seized = (3n * e18) / 10n;
  await (await engine.connect(bob!).liquidate(await alice!.getAddress(), epoch, { indexA: QETH, amountA: seized, indexB: USD, amountB: 0n }, ++c, GARBAGE_PROOF)).wait();
  return { w, engine, usd, qeth, bob: bob!, carol: carol!, seized };
}

describe("MarginEngine #claim (pull payments; accepting verifiers)", function () {
  it("credits the seized assets instead of sending them; the claim sends them to `to` once", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [bob, carol, engine] = [await s.bob.getAddress(), await s.carol.getAddress(), await s.engine.getAddress()];
    expect(await s.engine.claimableOf(bob, QETH)).to.equal(s.seized);
    expect(await s.qeth.balanceOf(bob)).to.equal(0n);
    const custody = await s.qeth.balanceOf(engine);
    await expect(s.engine.connect(s.bob).claim(QETH, carol)).to.emit(s.engine, "Claimed").withArgs(bob, QETH, carol, s.seized);
    expect(await s.qeth.balanceOf(carol)).to.equal(s.seized);
    expect(await s.qeth.balanceOf(engine)).to.equal(custody - s.seized);
    expect(await s.engine.claimableOf(bob, QETH)).to.equal(0n);
    await expect(s.engine.connect(s.bob).claim(QETH, bob)).to.be.revertedWithCustomError(s.engine, "NothingToClaim").withArgs(bob, QETH);
  });

  it("reverts NothingToClaim for another liquidator, for a slot never credited, and UnknownAsset for a slot the oracle does not configure", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [bob, carol] = [await s.bob.getAddress(), await s.carol.getAddress()];
    await expect(s.engine.connect(s.carol).claim(QETH, carol)).to.be.revertedWithCustomError(s.engine, "NothingToClaim").withArgs(carol, QETH);
    await expect(s.engine.connect(s.bob).claim(USD, bob)).to.be.revertedWithCustomError(s.engine, "NothingToClaim").withArgs(bob, USD);
    await expect(s.engine.connect(s.bob).claim(2, bob)).to.be.revertedWithCustomError(s.engine, "UnknownAsset").withArgs(2);
    expect(await s.engine.claimableOf(bob, QETH)).to.equal(s.seized);
  });

  it("fails the claim, and keeps the credit, when the token returns false or reverts; goes through when it returns nothing", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [bob, engine] = [await s.bob.getAddress(), await s.engine.getAddress()];
    await (await s.qeth.setMode(Mode.ReturnsFalse)).wait();
    await expect(s.engine.connect(s.bob).claim(QETH, bob))
      .to.be.revertedWithCustomError(s.engine, "TransferFailed")
      .withArgs(await s.qeth.getAddress(), engine, bob, s.seized);
    expect(await s.engine.claimableOf(bob, QETH)).to.equal(s.seized);
    await (await s.qeth.setMode(Mode.Reverts)).wait();
    await expect(s.engine.connect(s.bob).claim(QETH, bob))
      .to.be.revertedWithCustomError(s.engine, "TransferFailed")
      .withArgs(await s.qeth.getAddress(), engine, bob, s.seized);
    expect(await s.engine.claimableOf(bob, QETH)).to.equal(s.seized);
    await (await s.qeth.setMode(Mode.ReturnsNothing)).wait();
    await (await s.engine.connect(s.bob).claim(QETH, bob)).wait();
    expect(await s.qeth.balanceOf(bob)).to.equal(s.seized);
    expect(await s.engine.claimableOf(bob, QETH)).to.equal(0n);
  });
});
