/**
 * InsuranceFund, driven directly: only the engine it is bound to may pull funds (`cover`), and it
 * pays only the pool, at most its balance; it binds once; its ABI changes state only through
 * `bindEngine` and `cover`. A token that calls back cannot pull funds from inside a transfer.
 * (Through the real engine the fund is exercised by liquidation.test.ts and lease.test.ts.)
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { InsuranceFund, MockERC20, ReentrantERC20 } from "../../types/ethers-contracts/index.js";
import { e6 } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

interface Setup {
  token: MockERC20;
  fund: InsuranceFund;
  /** An EOA playing the engine: the fund is bound to it. */
  engine: Signer;
  pool: Signer;
  stranger: Signer;
}

/** A fund on a mock USDC, holding 1,000 USDC, bound to an EOA `engine`, paying `pool`. */
async function setup(): Promise<Setup> {
  const [deployer, engine, pool, stranger] = await ethers.getSigners();
  const token = (await ethers.deployContract("MockERC20", ["Mock USDC", "USDC", 6])) as unknown as MockERC20;
  const fund = (await ethers.deployContract("InsuranceFund", [await token.getAddress(), await pool!.getAddress()])) as unknown as InsuranceFund;
  await (await fund.connect(engine!).bindEngine()).wait();
  await (await token.mint(await fund.getAddress(), 1_000n * e6)).wait();
  expect(await deployer!.getAddress()).to.not.equal(await engine!.getAddress());
  return { token, fund, engine: engine!, pool: pool!, stranger: stranger! };
}

function stateChanging(c: { interface: { forEachFunction(cb: (f: { name: string; stateMutability: string }) => void): void } }): string[] {
  const names: string[] = [];
  c.interface.forEachFunction((f) => {
    if (f.stateMutability !== "view" && f.stateMutability !== "pure") names.push(f.name);
  });
  return names.sort();
}

describe("InsuranceFund", function () {
  describe("#cover", function () {
    it("reverts OnlyEngine with the caller for anyone but the bound engine: a stranger, the pool, the deployer", async function () {
      const { fund, pool, stranger } = await networkHelpers.loadFixture(setup);
      const [deployer] = await ethers.getSigners();
      for (const who of [stranger, pool, deployer!]) {
        await expect(fund.connect(who).cover(1n)).to.be.revertedWithCustomError(fund, "OnlyEngine").withArgs(await who.getAddress());
      }
      expect(await fund.balance()).to.equal(1_000n * e6);
    });

    it("reverts OnlyEngine for every caller while unbound", async function () {
      const { token, pool, stranger } = await networkHelpers.loadFixture(setup);
      const unbound = await ethers.deployContract("InsuranceFund", [await token.getAddress(), await pool.getAddress()]);
      expect(await unbound.engine()).to.equal(ethers.ZeroAddress);
      await expect(unbound.connect(stranger).cover(0n)).to.be.revertedWithCustomError(unbound, "OnlyEngine").withArgs(await stranger.getAddress());
    });

    it("pays the pool, never the caller, the requested amount when it holds enough", async function () {
      const { token, fund, engine, pool } = await networkHelpers.loadFixture(setup);
      const poolAddr = await pool.getAddress();
      expect(await fund.connect(engine).cover.staticCall(400n * e6)).to.equal(400n * e6);
      await expect(fund.connect(engine).cover(400n * e6)).to.emit(fund, "Covered").withArgs(400n * e6, 400n * e6);
      expect(await token.balanceOf(poolAddr)).to.equal(400n * e6);
      expect(await token.balanceOf(await engine.getAddress())).to.equal(0n);
      expect(await fund.balance()).to.equal(600n * e6);
    });

    it("pays at most its balance, exactly at the edge and beyond it", async function () {
      const { token, fund, engine, pool } = await networkHelpers.loadFixture(setup);
      await expect(fund.connect(engine).cover(1_000n * e6)).to.emit(fund, "Covered").withArgs(1_000n * e6, 1_000n * e6);
      await (await token.mint(await fund.getAddress(), 10n)).wait();
      await expect(fund.connect(engine).cover(11n)).to.emit(fund, "Covered").withArgs(11n, 10n);
      expect(await token.balanceOf(await pool.getAddress())).to.equal(1_000n * e6 + 10n);
      // Empty: pays 0 and makes no transfer.
      await expect(fund.connect(engine).cover(5n)).to.emit(fund, "Covered").withArgs(5n, 0n).and.not.to.emit(token, "Transfer");
    });
  });

  describe("#bindEngine", function () {
    it("binds the first caller for good, emits EngineBound, and reverts EngineAlreadyBound for anyone after", async function () {
      const { token, pool, stranger, engine } = await networkHelpers.loadFixture(setup);
      const fresh = await ethers.deployContract("InsuranceFund", [await token.getAddress(), await pool.getAddress()]);
      await expect(fresh.connect(engine).bindEngine()).to.emit(fresh, "EngineBound").withArgs(await engine.getAddress());
      for (const who of [stranger, engine]) {
        await expect(fresh.connect(who).bindEngine()).to.be.revertedWithCustomError(fresh, "EngineAlreadyBound").withArgs(await engine.getAddress());
      }
      expect(await fresh.engine()).to.equal(await engine.getAddress());
    });
  });

  describe("a token that calls back", function () {
    it("cannot pull funds from inside the fund's transfer: the re-entered cover reverts OnlyEngine(token)", async function () {
      const { pool, engine } = await networkHelpers.loadFixture(setup);
      const token = (await ethers.deployContract("ReentrantERC20", ["Reentrant", "REE", 6])) as unknown as ReentrantERC20;
      const fund = await ethers.deployContract("InsuranceFund", [await token.getAddress(), await pool.getAddress()]);
      await (await fund.connect(engine).bindEngine()).wait();
      await (await token.mint(await fund.getAddress(), 100n)).wait();
      await (await token.arm(await fund.getAddress(), [fund.interface.encodeFunctionData("cover", [50n])])).wait();
      await (await fund.connect(engine).cover(30n)).wait();
      expect(await token.succeeded(0)).to.equal(false);
      expect(await token.results(0)).to.equal(fund.interface.encodeErrorResult("OnlyEngine", [await token.getAddress()]));
      expect(await token.balanceOf(await pool.getAddress())).to.equal(30n);
      expect(await token.balanceOf(await fund.getAddress())).to.equal(70n);
    });
  });

  describe("governance", function () {
    it("changes state only through bindEngine and cover, and has no fallback, receive or admin function", async function () {
      const { fund, token, pool } = await networkHelpers.loadFixture(setup);
      expect(stateChanging(fund)).to.deep.equal(["bindEngine", "cover"]);
      const all: string[] = [];
      fund.interface.forEachFunction((f) => all.push(f.name));
      expect(all.sort()).to.deep.equal(["balance", "bindEngine", "cover", "engine", "pool", "token"]);
      expect(fund.interface.fallback).to.equal(null);
      expect(fund.interface.receive).to.equal(false);
      // Its token and pool are immutable: what it was deployed with.
      expect(await fund.token()).to.equal(await token.getAddress());
      expect(await fund.pool()).to.equal(await pool.getAddress());
    });
  });
});
