/**
 * The keeper's bond backs its accounts: a force-close or liquidation shortfall is drawn from the bond of
 * the account's named keeper first (at most the registry's draw cap), the insurance fund pays only the
 * rest, and the pool is owed what neither could advance. Settling repays the bond before the fund. A
 * keeper whose bond was drawn cannot be newly named until it is whole again (its accounts keep it), an
 * exit returns only what is left, and naming yourself as your own keeper costs your own bond. The engine
 * runs on accepting verifiers (the proofs are not the subject here), with its own keeper registry.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { KeeperRegistryContract, TokenContract } from "../../prover/src/contracts.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { generateKeeperKey } from "../../prover/src/keeper/keys.js";
import { realisedPnl } from "../../prover/src/margin.js";
import { createWorld, elapse, nextEpoch, registerKeeperKey, type World } from "../../scripts/lib/world.js";
import type { MarginEngine } from "../../types/ethers-contracts/index.js";
import { deployAcceptingEngine, ETH_PERP, e18, e6, fundFor, GARBAGE_NOTE, GARBAGE_PROOF, USDC, WETH } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

const BOND = 1_000n * e6;
const CAP = 500n * e6;

interface Setup {
  w: World;
  engine: MarginEngine;
  registry: KeeperRegistryContract;
  usdc: TokenContract;
  fund: string;
  pool: string;
  /** Deposited 10,000 USDC and 5 WETH, long 10 ETH-PERP at $3,000, naming keeper 1 (the world's keeper). */
  alice: Signer;
  bob: Signer;
  /** Next fresh commitment. */
  next: () => bigint;
}

async function setup(): Promise<Setup> {
  const w = await createWorld(ethers);
  const [, lp, alice, bob] = await ethers.getSigners();
  const { engine, market } = await deployAcceptingEngine(ethers, w, { lp: lp!, liquidity: 1_000_000n * e6 });
  const registry = (await ethers.getContractAt("KeeperRegistry", await engine.keeperRegistry())) as unknown as KeeperRegistryContract;
  const usdc = w.d.tokens[USDC]! as TokenContract;
  const fund = await engine.insuranceFund();
  await (await usdc.mint(fund, 10_000n * e6)).wait();
  await fundFor(w, await engine.getAddress(), alice!, new Map([[USDC, 10_000n * e6], [WETH, 5n * e18]]));
  let c = 100n;
  const next = (): bigint => ++c;
  const a = engine.connect(alice!);
  const epoch = await w.d.oracle.currentEpoch();
  await (await a.deposit(USDC, 10_000n * e6, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.deposit(WETH, 5n * e18, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.trade(ETH_PERP, 10n * e18, epoch, next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  return { w, engine, registry, usdc, fund, pool: await market.getAddress(), alice: alice!, bob: bob!, next };
}

/** Moves ETH to `price`, poking until the oracle's mark (bounded per sample, and a jump beyond the
 *  plausibility bound confirmed by a second sample) has reached it. Returns the epoch. */
async function moveTo(s: Setup, price: bigint): Promise<bigint> {
  let epoch = await nextEpoch(s.w, new Map([[WETH, price]]));
  for (let i = 0; i < 8 && BigInt(await s.w.d.oracle.assetMark(WETH)) !== price; i++) epoch = await nextEpoch(s.w);
  expect(BigInt(await s.w.d.oracle.assetMark(WETH))).to.equal(price);
  return epoch;
}

/** Lets alice's lease expire and moves ETH to `price` (see `moveTo`). Returns the epoch. */
async function expireAt(s: Setup, price: bigint): Promise<bigint> {
  await elapse(s.w, DEV_LEASE.maxAge + DEV_LEASE.grace);
  return moveTo(s, price);
}

const gas: Record<string, bigint> = {};

describe("MarginEngine: the keeper's bond backs its accounts", function () {
  after(function () {
    console.log("\n      Keeper bond gas (whole transaction):");
    for (const [k, v] of Object.entries(gas)) console.log(`        ${k.padEnd(64)} ${v.toLocaleString("en-US")}`);
  });

  it("binds the registry to the engine, in the settlement token, with the development bond and cap", async function () {
    const s = await networkHelpers.loadFixture(setup);
    expect(await s.registry.engine()).to.equal(await s.engine.getAddress());
    expect(await s.registry.bondToken()).to.equal(await s.usdc.getAddress());
    expect([await s.registry.bondAmount(), await s.registry.drawCap()]).to.deep.equal([BOND, CAP]);
    expect((await s.engine.accountOf(await s.alice.getAddress())).keeperId).to.equal(1n);
  });

  it("force-close: takes the shortfall from the named keeper's bond first, up to the cap; the fund pays only the rest", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const epoch = await expireAt(s, 2_800_00000000n);
    const loss = -realisedPnl(10n * e18, 3_000_00000000n, 2_800_00000000n, 6);
    expect(loss).to.equal(2_000n * e6);
    const [, , , , , caller] = await ethers.getSigners();
    const alice = await s.alice.getAddress();
    const tx = s.engine.connect(caller!).forceClose(alice);
    await expect(tx).to.emit(s.engine, "ForceClosed").withArgs(alice, await caller!.getAddress(), epoch, -loss, loss);
    await expect(tx).to.emit(s.registry, "BondDrawn").withArgs(1n, loss, CAP, BOND - CAP);
    const fund = await ethers.getContractAt("InsuranceFund", s.fund);
    await expect(tx).to.emit(fund, "Covered").withArgs(loss - CAP, loss - CAP);
    await expect(tx).to.changeTokenBalances(ethers, s.usdc, [s.pool, s.fund, await s.registry.getAddress()], [loss, -(loss - CAP), -CAP]);
    gas["forceClose, 2,000 loss: 500 from the bond, 1,500 from the fund"] = (await (await tx).wait())!.gasUsed;
    const st = await s.engine.settlementOf(alice);
    expect([st.basketDelta, st.owedToPool, st.owedToKeeper, st.bondKeeper]).to.deep.equal([-loss, 0n, CAP, 1n]);
    expect([await s.registry.bondOf(1n), await s.registry.isNameable(1n), await s.registry.isBound(1n)]).to.deep.equal([BOND - CAP, false, true]);
  });

  it("force-close: a loss under the cap is the bond's alone, and the fund is not called", async function () {
    const s = await networkHelpers.loadFixture(setup);
    await expireAt(s, 2_980_00000000n);
    const loss = 200n * e6;
    const tx = s.engine.forceClose(await s.alice.getAddress());
    await expect(tx).to.emit(s.registry, "BondDrawn").withArgs(1n, loss, loss, BOND - loss);
    await expect(tx).to.not.emit(await ethers.getContractAt("InsuranceFund", s.fund), "Covered");
    await expect(tx).to.changeTokenBalances(ethers, s.usdc, [s.pool, s.fund], [loss, 0n]);
  });

  it("force-close beyond bond and fund: the bond pays its cap, the fund all it holds, and the pool is owed the rest", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const held = await s.usdc.balanceOf(s.fund);
    expect(held).to.equal(10_000n * e6);
    const epoch = await expireAt(s, 1_900_00000000n); // ETH 3000 -> 1900: an 11,000 loss
    const loss = 11_000n * e6;
    const [caller] = await ethers.getSigners();
    const tx = s.engine.forceClose(await s.alice.getAddress());
    await expect(tx).to.emit(s.engine, "ForceClosed").withArgs(await s.alice.getAddress(), await caller!.getAddress(), epoch, -loss, CAP + held);
    await expect(tx).to.changeTokenBalances(ethers, s.usdc, [s.pool, s.fund, await s.registry.getAddress()], [CAP + held, -held, -CAP]);
    const st = await s.engine.settlementOf(await s.alice.getAddress());
    expect([st.owedToPool, st.owedToKeeper]).to.deep.equal([loss - CAP - held, CAP]);
  });

  it("liquidation: the shortfall beyond the liquidator's payment is drawn from the bond first, then the fund", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const epoch = await moveTo(s, 2_000_00000000n); // a 10,000 loss
    const [, , , , liquidator] = await ethers.getSigners();
    const seizure = { indexA: USDC, amountA: 1_000n * e6, indexB: WETH, amountB: 0n };
    const tx = s.engine.connect(liquidator!).liquidate(await s.alice.getAddress(), epoch, seizure, s.next(), GARBAGE_PROOF);
    const receipt = (await (await tx).wait())!;
    const liquidated = receipt.logs.map((l) => { try { return s.engine.interface.parseLog(l); } catch { return null; } }).find((l) => l?.name === "Liquidated")!;
    const payment = BigInt(liquidated.args.payment);
    const shortfall = 10_000n * e6 - payment;
    expect(shortfall).to.be.greaterThan(CAP);
    await expect(tx).to.emit(s.registry, "BondDrawn").withArgs(1n, shortfall, CAP, BOND - CAP);
    await expect(tx).to.emit(await ethers.getContractAt("InsuranceFund", s.fund), "Covered").withArgs(shortfall - CAP, shortfall - CAP);
    gas["liquidate, shortfall: 500 from the bond, the rest from the fund"] = receipt.gasUsed;
    const st = await s.engine.settlementOf(await s.alice.getAddress());
    expect([st.basketDelta, st.owedToPool, st.owedToKeeper, st.bondKeeper]).to.deep.equal([-shortfall, 0n, CAP, 1n]);
  });

  it("settle repays the pool what nobody advanced, then the keeper's bond, then the fund: the keeper is whole and nameable again", async function () {
    const s = await networkHelpers.loadFixture(setup);
    await expireAt(s, 2_800_00000000n);
    await (await s.engine.forceClose(await s.alice.getAddress())).wait();
    const epoch = await s.w.d.oracle.currentEpoch();
    const tx = s.engine.connect(s.alice).settle(epoch, s.next(), GARBAGE_NOTE, GARBAGE_PROOF);
    await expect(tx).to.emit(s.engine, "Settled").withArgs(await s.alice.getAddress(), -2_000n * e6, 0n, 1_500n * e6);
    await expect(tx).to.emit(s.registry, "BondRepaid").withArgs(1n, CAP, 0n, BOND);
    await expect(tx).to.changeTokenBalances(ethers, s.usdc, [s.engine, s.fund, await s.registry.getAddress()], [-2_000n * e6, 1_500n * e6, CAP]);
    gas["settle, repaying 500 into the bond and 1,500 to the fund"] = (await (await tx).wait())!.gasUsed;
    expect(await s.usdc.balanceOf(s.fund)).to.equal(10_000n * e6);
    expect([await s.registry.bondOf(1n), await s.registry.isNameable(1n)]).to.deep.equal([BOND, true]);
    const st = await s.engine.settlementOf(await s.alice.getAddress());
    expect([st.basketDelta, st.owedToPool, st.owedToKeeper, st.bondKeeper]).to.deep.equal([0n, 0n, 0n, 0n]);
  });

  it("a keeper whose bond was drawn cannot be newly named (KeeperNotNameable) until topped up; its accounts keep it", async function () {
    const s = await networkHelpers.loadFixture(setup);
    await expireAt(s, 2_800_00000000n);
    await (await s.engine.forceClose(await s.alice.getAddress())).wait();
    const epoch = await s.w.d.oracle.currentEpoch();
    await fundFor(s.w, await s.engine.getAddress(), s.bob, new Map([[USDC, 100n * e6]]));
    const bob = s.engine.connect(s.bob);
    await expect(bob.deposit(USDC, 100n * e6, epoch, s.next(), GARBAGE_NOTE, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "KeeperNotNameable")
      .withArgs(1n);
    // Alice, who named it before, keeps it (her deposit and her settlement go through).
    await fundFor(s.w, await s.engine.getAddress(), s.alice, new Map([[USDC, 10n * e6]]));
    await (await s.engine.connect(s.alice).deposit(USDC, 10n * e6, epoch, s.next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    // The operator tops the bond up: nameable again.
    const operator = s.w.keeper.operator;
    const token = s.usdc.connect(operator) as TokenContract;
    await (await token.mint(await operator.getAddress(), CAP)).wait();
    await (await token.approve(await s.registry.getAddress(), CAP)).wait();
    await expect((s.registry.connect(operator) as KeeperRegistryContract).topUp(1n)).to.emit(s.registry, "BondToppedUp").withArgs(1n, CAP);
    await (await bob.deposit(USDC, 100n * e6, epoch, s.next(), GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    expect((await s.engine.accountOf(await s.bob.getAddress())).keeperId).to.equal(1n);
  });

  it("naming yourself as your own keeper costs your own bond, and your exit returns only what is left", async function () {
    const s = await networkHelpers.loadFixture(setup);
    // Alice registers her own key (keeper 2) and names it, renewing her lease (her position is open).
    const self = await registerKeeperKey(ethers, s.registry as never, s.alice, await generateKeeperKey());
    expect(self.keeperId).to.equal(2n);
    const mine = { ...GARBAGE_NOTE, keeperId: 2n };
    await (await s.engine.connect(s.alice).renewLease(await s.w.d.oracle.currentEpoch(), s.next(), mine, GARBAGE_PROOF)).wait();
    await (await (s.registry.connect(s.alice) as KeeperRegistryContract).requestExit(2n)).wait();
    await expireAt(s, 2_800_00000000n);
    const tx = s.engine.forceClose(await s.alice.getAddress());
    await expect(tx).to.emit(s.registry, "BondDrawn").withArgs(2n, 2_000n * e6, CAP, BOND - CAP);
    expect([await s.registry.bondOf(1n), await s.registry.bondOf(2n)]).to.deep.equal([BOND, BOND - CAP]);
    // Her exit (requested before the close, so its delay has run) returns what is left of her bond.
    await (await tx).wait();
    await expect((s.registry.connect(s.alice) as KeeperRegistryContract).completeExit(2n))
      .to.emit(s.registry, "ExitCompleted")
      .withArgs(2n, await s.alice.getAddress(), BOND - CAP);
    // Should she settle after her exit, the bond's share is credited to her, the keeper's owner, to claim.
    const settle = s.engine.connect(s.alice).settle(await s.w.d.oracle.currentEpoch(), s.next(), { ...GARBAGE_NOTE, keeperId: 1n }, GARBAGE_PROOF);
    await expect(settle).to.emit(s.registry, "BondRepaid").withArgs(2n, CAP, CAP, 0n);
    await expect(settle).to.changeTokenBalances(ethers, s.usdc, [s.alice, await s.registry.getAddress()], [0n, CAP]);
    await expect((s.registry.connect(s.alice) as KeeperRegistryContract).claim(await s.alice.getAddress()))
      .to.changeTokenBalances(ethers, s.usdc, [s.alice, await s.registry.getAddress()], [CAP, -CAP]);
  });

  it("a keeper that has exited pays nothing: the fund advances the whole loss", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const operator = s.registry.connect(s.w.keeper.operator) as KeeperRegistryContract;
    await (await operator.requestExit(1n)).wait();
    await expireAt(s, 2_800_00000000n);
    await (await operator.completeExit(1n)).wait();
    const tx = s.engine.forceClose(await s.alice.getAddress());
    await expect(tx).to.not.emit(s.registry, "BondDrawn");
    await expect(tx).to.changeTokenBalances(ethers, s.usdc, [s.pool, s.fund, await s.registry.getAddress()], [2_000n * e6, -2_000n * e6, 0n]);
    gas["forceClose, 2,000 loss, keeper exited: all from the fund"] = (await (await tx).wait())!.gasUsed;
    const st = await s.engine.settlementOf(await s.alice.getAddress());
    expect([st.owedToKeeper, st.bondKeeper]).to.deep.equal([0n, 0n]);
  });

  it("lets only the engine draw on a bond: the account, its keeper's owner and a stranger get OnlyEngine", async function () {
    const s = await networkHelpers.loadFixture(setup);
    for (const who of [s.alice, s.bob, s.w.keeper.operator]) {
      const r = s.registry.connect(who) as KeeperRegistryContract;
      await expect(r.drawBond(1n, CAP, await who.getAddress())).to.be.revertedWithCustomError(s.registry, "OnlyEngine").withArgs(await who.getAddress());
      await expect(r.repayBond(1n, 1n)).to.be.revertedWithCustomError(s.registry, "OnlyEngine").withArgs(await who.getAddress());
    }
    expect(await s.registry.bondOf(1n)).to.equal(BOND);
  });
});
