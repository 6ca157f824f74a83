/**
 * Reentrancy through a token that calls back, on the production contracts other than the engine
 * that move tokens and carry no guard of their own: PerpMarket (addLiquidity, removeLiquidity) and
 * KeeperRegistry (register, completeExit); InsuranceFund's `cover` is in insuranceFund.test.ts.
 * PerpMarket's `payProfit` only answers the (guarded) engine; its own guard is shown with a contract
 * bound as the engine that re-enters. ReserveRegistry moves no tokens.
 *
 * The token is `ReentrantERC20`, which calls back before it moves balances; the re-entered call is
 * made by the contract's own user (`ReentrantActor`, a liquidity provider or keeper operator that
 * is a contract), which is what a token with transfer callbacks allows.
 *
 * Finding (issue 15): PerpMarket's removeLiquidity burned the shares before paying but read the
 * pool balance live, so a second removal made from inside the first payout priced the shares
 * against a balance the first payout had not left yet (the actor left with 1,166,666.67 rUSD for
 * its 1,000,000, the honest LP's shares fell to 833,333.33). PerpMarket now has a reentrancy guard
 * on addLiquidity, removeLiquidity and payProfit; the test below shows the nested call fails with
 * Reentrancy() and nobody gains.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { generateKeeperKey, proveKeyPossession, type KeeperKey } from "../../prover/src/keeper/keys.js";
import type { ReentrantERC20 } from "../../types/ethers-contracts/index.js";
import { e6 } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

/** A pool of 2,000,000 rUSD: half from an honest EOA, half from a contract LP (`actor`). */
async function marketSetup() {
  const [deployer, honest] = await ethers.getSigners();
  const token = (await ethers.deployContract("ReentrantERC20", ["Reentrant USD", "rUSD", 6])) as unknown as ReentrantERC20;
  // The oracle is only the market's quoter; liquidity never calls it.
  const market = await ethers.deployContract("PerpMarket", [await deployer!.getAddress(), await token.getAddress(), 6, [0n, 0n, 0n]]);
  const actor = await ethers.deployContract("ReentrantActor", [await market.getAddress()]);
  for (const who of [await honest!.getAddress(), await actor.getAddress()]) await (await token.mint(who, 2_000_000n * e6)).wait();
  await (await token.connect(honest!).approve(await market.getAddress(), 1_000_000n * e6)).wait();
  await (await market.connect(honest!).addLiquidity(1_000_000n * e6)).wait();
  await (await actor.approve(await token.getAddress(), await market.getAddress(), 2_000_000n * e6)).wait();
  await (await actor.act(market.interface.encodeFunctionData("addLiquidity", [1_000_000n * e6]))).wait();
  return { token, market, actor, honest: honest! as Signer };
}

/** A registry bonded in the re-entrant token, and a contract operator holding two bonds. */
async function registrySetup() {
  const token = (await ethers.deployContract("ReentrantERC20", ["Reentrant USD", "rUSD", 6])) as unknown as ReentrantERC20;
  const registry = await ethers.deployContract("KeeperRegistry", [await token.getAddress(), 1_000n * e6, 86_400n * 7n, 500n * e6]);
  const actor = await ethers.deployContract("ReentrantActor", [await registry.getAddress()]);
  await (await token.mint(await actor.getAddress(), 2_000n * e6)).wait();
  await (await actor.approve(await token.getAddress(), await registry.getAddress(), 2_000n * e6)).wait();
  const keys = [await generateKeeperKey(), await generateKeeperKey()];
  const ctx = { chainId: (await ethers.provider.getNetwork()).chainId, registry: await registry.getAddress(), owner: await actor.getAddress() };
  /** The actor's register(x, y, proof) calldata for `key`, with its proof of possession. */
  const registerCall = async (key: KeeperKey): Promise<string> =>
    registry.interface.encodeFunctionData("register", [key.publicKey[0], key.publicKey[1], await proveKeyPossession(key, ctx)]);
  return { token, registry, actor, keys, registerCall };
}

describe("token callbacks into contracts without a guard", function () {
  describe("PerpMarket", function () {
    const valueOf = async (market: Awaited<ReturnType<typeof marketSetup>>["market"], who: string): Promise<bigint> =>
      ((await market.sharesOf(who)) * (await market.poolBalance())) / (await market.totalShares());

    it("#addLiquidity: a removal re-entered from the deposit's transferFrom reverts Reentrancy(), and the honest LP loses nothing", async function () {
      const { token, market, actor, honest } = await networkHelpers.loadFixture(marketSetup);
      const a = await actor.getAddress();
      const before = await token.balanceOf(a);
      const shares = await market.sharesOf(a);
      // During the deposit of 500,000 the actor removes its old shares at a balance without the deposit.
      await (await token.arm(a, [actor.interface.encodeFunctionData("reenter", [market.interface.encodeFunctionData("removeLiquidity", [shares])])])).wait();
      await (await actor.act(market.interface.encodeFunctionData("addLiquidity", [500_000n * e6]))).wait();
      expect(await actor.succeeded(0)).to.equal(false);
      expect(await actor.results(0)).to.equal(market.interface.encodeErrorResult("Reentrancy", []));
      // Whatever the order, the actor ends with no more than it started with (tokens plus the value of its shares).
      const after = (await token.balanceOf(a)) + (await valueOf(market, a));
      expect(after <= before + 1_000_000n * e6).to.equal(true);
      expect((await valueOf(market, await honest.getAddress())) >= 1_000_000n * e6).to.equal(true);
    });

    it("#removeLiquidity: a removal re-entered from the payout reverts Reentrancy() and cannot take more than the shares are worth", async function () {
      const { token, market, actor, honest } = await networkHelpers.loadFixture(marketSetup);
      const a = await actor.getAddress();
      const half = (await market.sharesOf(a)) / 2n;
      await (await token.arm(a, [actor.interface.encodeFunctionData("reenter", [market.interface.encodeFunctionData("removeLiquidity", [half])])])).wait();
      await (await actor.act(market.interface.encodeFunctionData("removeLiquidity", [half]))).wait();
      expect(await actor.succeeded(0)).to.equal(false);
      expect(await actor.results(0)).to.equal(market.interface.encodeErrorResult("Reentrancy", []));
      expect((await token.balanceOf(a)) + (await valueOf(market, a)) <= 2_000_000n * e6).to.equal(true);
      expect(await valueOf(market, await honest.getAddress())).to.be.gte(1_000_000n * e6 - 1n);
    });

    it("#payProfit: a second payout re-entered by the bound engine from the first one's transfer reverts Reentrancy(), and one payout is made", async function () {
      // Through the real engine the engine's own guard stops this first; the market's guard is defence
      // in depth, shown here with a contract engine (the actor binds the market) that re-enters.
      const { token, market, actor } = await networkHelpers.loadFixture(marketSetup);
      const a = await actor.getAddress();
      await (await actor.act(market.interface.encodeFunctionData("bindEngine"))).wait();
      const before = await token.balanceOf(a);
      const pay = market.interface.encodeFunctionData("payProfit", [300_000n * e6]);
      await (await token.arm(a, [actor.interface.encodeFunctionData("reenter", [pay])])).wait();
      await (await actor.act(pay)).wait();
      expect(await actor.succeeded(0)).to.equal(false);
      expect(await actor.results(0)).to.equal(market.interface.encodeErrorResult("Reentrancy", []));
      expect((await token.balanceOf(a)) - before).to.equal(300_000n * e6);
      expect(await market.poolBalance()).to.equal(1_700_000n * e6);
    });
  });

  describe("KeeperRegistry", function () {
    it("#completeExit: the exit re-entered from the bond's transfer reverts NotExiting(id, Exited), and one bond is paid", async function () {
      const { token, registry, actor, keys, registerCall } = await networkHelpers.loadFixture(registrySetup);
      const a = await actor.getAddress();
      await (await actor.act(await registerCall(keys[0]!))).wait();
      await (await actor.act(registry.interface.encodeFunctionData("requestExit", [1n]))).wait();
      await networkHelpers.time.increase(86_400n * 7n);
      await (await token.arm(a, [actor.interface.encodeFunctionData("reenter", [registry.interface.encodeFunctionData("completeExit", [1n])])])).wait();
      await (await actor.act(registry.interface.encodeFunctionData("completeExit", [1n]))).wait();
      expect(await actor.succeeded(0)).to.equal(false);
      const EXITED = 3n;
      expect(await actor.results(0)).to.equal(registry.interface.encodeErrorResult("NotExiting", [1n, EXITED]));
      expect(await token.balanceOf(a)).to.equal(2_000n * e6);
      expect(await token.balanceOf(await registry.getAddress())).to.equal(0n);
    });

    it("#register: the same key re-registered from the bond's transferFrom reverts KeyAlreadyRegistered; another key is registered and bonded", async function () {
      const { token, registry, actor, keys, registerCall } = await networkHelpers.loadFixture(registrySetup);
      const a = await actor.getAddress();
      const [k0, k1] = keys;
      const again = await registerCall(k0!);
      const other = await registerCall(k1!);
      await (await token.arm(a, [actor.interface.encodeFunctionData("reenter", [again]), actor.interface.encodeFunctionData("reenter", [other])])).wait();
      await (await actor.act(again)).wait();
      expect(await actor.succeeded(0)).to.equal(false);
      expect(await actor.results(0)).to.equal(registry.interface.encodeErrorResult("KeyAlreadyRegistered", [1n]));
      expect(await actor.succeeded(1)).to.equal(true);
      expect(await registry.keeperCount()).to.equal(2n);
      // Two keepers, two bonds.
      expect(await token.balanceOf(await registry.getAddress())).to.equal(2_000n * e6);
      expect(await token.balanceOf(a)).to.equal(0n);
    });
  });
});
