/**
 * PerpMarket (the pool that is every trade's counterparty) and SafeTransferLib. Most of the
 * market is driven directly, with an EOA standing in as its engine; the pool running short of a
 * trader's profit is driven through the real engine with real proofs.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";
import type { TokenContract } from "../../prover/src/contracts.js";
import { realisedPnl } from "../../prover/src/margin.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { createWorld, fund, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import type { MockERC20, PerpMarket, QuirkyERC20, SafeTransferHarness } from "../../types/ethers-contracts/index.js";
import { e18, e6, ETH_PERP, proveByHand, traderAt, typed, USDC, WETH, weightVectors } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();

/** QuirkyERC20.Mode */
const Mode = { Standard: 0, ReturnsFalse: 1, ReturnsNothing: 2, Reverts: 3 } as const;
const MAX = (1n << 256n) - 1n;

interface StandaloneMarket<T extends MockERC20 | QuirkyERC20> {
  market: PerpMarket;
  token: T;
  /** An EOA the market was bound to as its engine. */
  engine: Signer;
  lp1: Signer;
  lp2: Signer;
}

async function deployMarket<T extends MockERC20 | QuirkyERC20>(token: T): Promise<StandaloneMarket<T>> {
  const [, engine, lp1, lp2] = await ethers.getSigners();
  // No oracle: nothing here reads quotes. The EOA binds the market to itself, as an engine's constructor does.
  const market = await ethers.deployContract("PerpMarket", [ethers.ZeroAddress, await token.getAddress(), 6, [0n, 0n, 0n]]);
  await (await market.connect(engine!).bindEngine()).wait();
  for (const lp of [lp1!, lp2!]) {
    await (await token.mint(await lp.getAddress(), 1_000_000n * e6)).wait();
    await (await token.connect(lp).approve(await market.getAddress(), MAX)).wait();
  }
  return { market, token, engine: engine!, lp1: lp1!, lp2: lp2! };
}

/** A market on a well-behaved 6-decimal token, with two funded providers. */
async function standaloneMarketFixture(): Promise<StandaloneMarket<MockERC20>> {
  return deployMarket(await ethers.deployContract("MockERC20", ["Mock USDC", "USDC", 6]));
}

/** A market on a token whose transfers can return false, return nothing or revert. */
async function quirkyMarketFixture(): Promise<StandaloneMarket<QuirkyERC20>> {
  return deployMarket(await ethers.deployContract("QuirkyERC20", [6]));
}

/** The development world with a 1 USDC pool; alice is long 1 ETH-PERP at 3,000. */
async function tinyPoolFixture(): Promise<{ w: World; lp: Signer; alice: Signer; opening: AccountOpening }> {
  const w = await createWorld(ethers);
  w.prover = prover;
  const [, lp, alice] = await ethers.getSigners();
  await seedPool(w, lp!, e6);
  await fund(w, alice!, new Map([[USDC, 10_000n * e6]]));
  const trader = await traderAt(w, alice!);
  await trader.deposit(USDC, 10_000n * e6);
  await trader.trade(ETH_PERP, e18);
  return { w, lp: lp!, alice: alice!, opening: trader.opening };
}

const as = (c: PerpMarket, who: Signer): PerpMarket => c.connect(who);
const addr = (x: { getAddress(): Promise<string> }): Promise<string> => x.getAddress();

describe("PerpMarket", function () {
  after(async function () {
    await prover.close();
  });

  describe("#addLiquidity", function () {
    it("mints shares 1:1 into an empty pool and takes the tokens", async function () {
      const { market, token, lp1 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      const before = BigInt(await token.balanceOf(await addr(lp1)));
      await expect(as(market, lp1).addLiquidity(1_000n * e6))
        .to.emit(market, "LiquidityAdded")
        .withArgs(await addr(lp1), 1_000n * e6, 1_000n * e6);
      expect(await market.sharesOf(await addr(lp1))).to.equal(1_000n * e6);
      expect(await market.totalShares()).to.equal(1_000n * e6);
      expect(await market.poolBalance()).to.equal(1_000n * e6);
      expect(await token.balanceOf(await addr(lp1))).to.equal(before - 1_000n * e6);
    });

    it("mints pro-rata shares, rounded down, once the pool has grown", async function () {
      const { market, token, lp1, lp2 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      // Traders' losses arrive as plain transfers from the engine.
      await (await token.mint(await addr(market), 500n * e6)).wait();
      const amount = 301n * e6;
      const shares = (amount * 1_000n * e6) / (1_500n * e6); // 200.666... USDC worth of shares
      expect(shares).to.equal(200_666_666n);
      await expect(as(market, lp2).addLiquidity(amount)).to.emit(market, "LiquidityAdded").withArgs(await addr(lp2), amount, shares);
      expect(await market.totalShares()).to.equal(1_000n * e6 + shares);
      // Rounding favours the pool: the new provider's shares are worth at most what it paid.
      const worth = (shares * BigInt(await market.poolBalance())) / BigInt(await market.totalShares());
      expect(worth).to.be.at.most(amount);
    });

    it("reverts ZeroAmount for an amount of 0", async function () {
      const { market, lp1 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await expect(as(market, lp1).addLiquidity(0n)).to.be.revertedWithCustomError(market, "ZeroAmount");
    });

    it("reverts ZeroAmount when the amount buys no whole share", async function () {
      const { market, token, lp1, lp2 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(e6)).wait();
      await (await token.mint(await addr(market), 2n * e6)).wait();
      // 2 * 1e6 / 3e6 rounds to 0 shares.
      await expect(as(market, lp2).addLiquidity(2n)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(as(market, lp2).addLiquidity(3n)).to.emit(market, "LiquidityAdded").withArgs(await addr(lp2), 3n, 1n);
    });

    it("reverts TransferFailed when the token's transferFrom returns false", async function () {
      const { market, token, lp1 } = await networkHelpers.loadFixture(quirkyMarketFixture);
      await (await token.setMode(Mode.ReturnsFalse)).wait();
      await expect(as(market, lp1).addLiquidity(e6))
        .to.be.revertedWithCustomError(market, "TransferFailed")
        .withArgs(await addr(token), await addr(lp1), await addr(market), e6);
    });

    it("accepts a token whose transfers return no data", async function () {
      const { market, token, lp1 } = await networkHelpers.loadFixture(quirkyMarketFixture);
      await (await token.setMode(Mode.ReturnsNothing)).wait();
      await (await as(market, lp1).addLiquidity(5n * e6)).wait();
      expect(await market.poolBalance()).to.equal(5n * e6);
      await (await as(market, lp1).removeLiquidity(2n * e6)).wait();
      expect(await market.poolBalance()).to.equal(3n * e6);
    });

    it("does not hand a new provider's deposit to the worthless shares of an emptied pool", async function () {
      const { market, engine, lp1, lp2 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      // Traders' profits take the whole pool: lp1's shares are now worth nothing.
      await (await as(market, engine).payProfit(1_000n * e6)).wait();
      expect(await market.poolBalance()).to.equal(0n);
      await (await as(market, lp2).addLiquidity(500n * e6)).wait();
      const shares = BigInt(await market.sharesOf(await addr(lp2)));
      // lp2 must be able to take back what it just put in; lp1 must get nothing of it.
      expect(await as(market, lp2).removeLiquidity.staticCall(shares)).to.equal(500n * e6);
      expect(await market.sharesOf(await addr(lp1))).to.equal(0n);
      await expect(as(market, lp1).removeLiquidity(1_000n * e6)).to.be.revertedWithCustomError(market, "InsufficientShares").withArgs(0n, 1_000n * e6);
    });

    it("voids the shares of an emptied pool in a new generation and says so", async function () {
      const { market, engine, lp1, lp2 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await (await as(market, engine).payProfit(1_000n * e6)).wait();
      await expect(as(market, lp2).addLiquidity(500n * e6)).to.emit(market, "PoolReset").withArgs(1n);
      expect(await market.generation()).to.equal(1n);
      expect(await market.totalShares()).to.equal(500n * e6);
      // lp1 joining again starts from zero shares in the new generation.
      await (await as(market, lp1).addLiquidity(500n * e6)).wait();
      expect(await market.sharesOf(await addr(lp1))).to.equal(500n * e6);
    });

    it("reverts InitialDepositTooSmall below the minimum first deposit, which caps a donation attack", async function () {
      const { market, token, lp1, lp2 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      const min = BigInt(await market.MIN_INITIAL_SHARES());
      await expect(as(market, lp1).addLiquidity(min - 1n))
        .to.be.revertedWithCustomError(market, "InitialDepositTooSmall")
        .withArgs(min - 1n, min);
      // The attack: smallest first deposit, then a donation to inflate the share price.
      await (await as(market, lp1).addLiquidity(min)).wait();
      await (await token.mint(await addr(market), 1_000n * e6)).wait();
      // A victim's 1,999 USDC now buys shares worth at most one share less than it paid:
      const amount = 1_999n * e6;
      await (await as(market, lp2).addLiquidity(amount)).wait();
      const shares = BigInt(await market.sharesOf(await addr(lp2)));
      const worth = await as(market, lp2).removeLiquidity.staticCall(shares);
      const oneShare = BigInt(await market.poolBalance()) / BigInt(await market.totalShares()) + 1n;
      expect(amount - BigInt(worth)).to.be.at.most(oneShare);
      expect(amount - BigInt(worth)).to.be.below(e6 + 1n); // under one USDC lost to rounding
    });
  });

  describe("#removeLiquidity", function () {
    it("pays the pro-rata amount, rounded down, and burns the shares", async function () {
      const { market, token, lp1, lp2 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await (await as(market, lp2).addLiquidity(500n * e6)).wait();
      await (await token.mint(await addr(market), 7n)).wait();
      const shares = 333n * e6;
      const amount = (shares * (1_500n * e6 + 7n)) / (1_500n * e6);
      expect(amount).to.equal(333_000_001n);
      const before = BigInt(await token.balanceOf(await addr(lp2)));
      await expect(as(market, lp2).removeLiquidity(shares)).to.emit(market, "LiquidityRemoved").withArgs(await addr(lp2), amount, shares);
      expect(await market.sharesOf(await addr(lp2))).to.equal(500n * e6 - shares);
      expect(await market.totalShares()).to.equal(1_500n * e6 - shares);
      expect(await token.balanceOf(await addr(lp2))).to.equal(before + amount);
    });

    it("lets the last provider take the whole pool", async function () {
      const { market, token, lp1 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await (await token.mint(await addr(market), 123n)).wait();
      await expect(as(market, lp1).removeLiquidity(1_000n * e6))
        .to.emit(market, "LiquidityRemoved")
        .withArgs(await addr(lp1), 1_000n * e6 + 123n, 1_000n * e6);
      expect(await market.poolBalance()).to.equal(0n);
      expect(await market.totalShares()).to.equal(0n);
    });

    it("reverts InsufficientShares(held, requested) above the provider's shares", async function () {
      const { market, lp1, lp2 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await expect(as(market, lp1).removeLiquidity(1_000n * e6 + 1n))
        .to.be.revertedWithCustomError(market, "InsufficientShares")
        .withArgs(1_000n * e6, 1_000n * e6 + 1n);
      await expect(as(market, lp2).removeLiquidity(1n)).to.be.revertedWithCustomError(market, "InsufficientShares").withArgs(0n, 1n);
    });

    it("reverts ZeroAmount for 0 shares", async function () {
      const { market, lp1 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await expect(as(market, lp1).removeLiquidity(0n)).to.be.revertedWithCustomError(market, "ZeroAmount");
    });

    it("reverts TransferFailed when the token's transfer returns false or reverts", async function () {
      const { market, token, lp1 } = await networkHelpers.loadFixture(quirkyMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      const args = [await addr(token), await addr(market), await addr(lp1), 400n * e6] as const;
      await (await token.setMode(Mode.ReturnsFalse)).wait();
      await expect(as(market, lp1).removeLiquidity(400n * e6))
        .to.be.revertedWithCustomError(market, "TransferFailed")
        .withArgs(...args);
      await (await token.setMode(Mode.Reverts)).wait();
      await expect(as(market, lp1).removeLiquidity(400n * e6))
        .to.be.revertedWithCustomError(market, "TransferFailed")
        .withArgs(...args);
      expect(await market.sharesOf(await addr(lp1))).to.equal(1_000n * e6);
    });
  });

  describe("#bindEngine", function () {
    it("binds the market to its first caller once, and refuses every later bindEngine", async function () {
      const [, , , , other] = await ethers.getSigners();
      const token = await ethers.deployContract("MockERC20", ["Mock USDC", "USDC", 6]);
      const market = await ethers.deployContract("PerpMarket", [ethers.ZeroAddress, await token.getAddress(), 6, [0n, 0n, 0n]]);
      expect(await market.engine()).to.equal(ethers.ZeroAddress);
      await expect(as(market, other!).payProfit(1n)).to.be.revertedWithCustomError(market, "OnlyEngine").withArgs(await addr(other!));
      await expect(as(market, other!).bindEngine()).to.emit(market, "EngineBound").withArgs(await addr(other!));
      expect(await market.engine()).to.equal(await addr(other!));
      for (const who of (await ethers.getSigners()).slice(0, 5)) {
        await expect(as(market, who).bindEngine()).to.be.revertedWithCustomError(market, "EngineAlreadyBound").withArgs(await addr(other!));
      }
    });
  });

  describe("#payProfit", function () {
    it("reverts OnlyEngine for any caller but the engine", async function () {
      const { market, lp1 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await expect(as(market, lp1).payProfit(e6)).to.be.revertedWithCustomError(market, "OnlyEngine").withArgs(await addr(lp1));
    });

    it("pays the engine and emits ProfitPaid", async function () {
      const { market, token, engine, lp1 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await expect(as(market, engine).payProfit(1_000n * e6)).to.emit(market, "ProfitPaid").withArgs(1_000n * e6);
      expect(await token.balanceOf(await addr(engine))).to.equal(1_000n * e6);
      expect(await market.poolBalance()).to.equal(0n);
    });

    it("reverts PoolInsufficient(available, needed) above the pool balance", async function () {
      const { market, engine, lp1 } = await networkHelpers.loadFixture(standaloneMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await expect(as(market, engine).payProfit(1_000n * e6 + 1n))
        .to.be.revertedWithCustomError(market, "PoolInsufficient")
        .withArgs(1_000n * e6, 1_000n * e6 + 1n);
    });

    it("reverts TransferFailed when the quote token reverts", async function () {
      const { market, token, engine, lp1 } = await networkHelpers.loadFixture(quirkyMarketFixture);
      await (await as(market, lp1).addLiquidity(1_000n * e6)).wait();
      await (await token.setMode(Mode.Reverts)).wait();
      await expect(as(market, engine).payProfit(e6))
        .to.be.revertedWithCustomError(market, "TransferFailed")
        .withArgs(await addr(token), await addr(market), await addr(engine), e6);
    });

    it("rejects the engine's payout of a trader's profit larger than a tiny pool, and pays once the pool can", async function () {
      const { w, lp, alice, opening } = await networkHelpers.loadFixture(tinyPoolFixture);
      const epoch = await nextEpoch(w, new Map([[WETH, 3_100_00000000n]]));
      // Long 1 ETH from 3,000 to 3,100: 100 USDC of profit against a 1 USDC pool.
      const profit = realisedPnl(e18, 3_000_00000000n, 3_100_00000000n, 6);
      expect(profit).to.equal(100n * e6);
      const { maintenance } = await weightVectors(w.d.oracle);
      const p = await proveByHand(w, await initPoseidon(), opening, { index: USDC, amount: profit }, 0n, maintenance);
      const engine = typed(w).engine.connect(alice);
      await expect(engine.trade(ETH_PERP, -e18, epoch, p.newCommitment, p.note, p.proof))
        .to.be.revertedWithCustomError(typed(w).market, "PoolInsufficient")
        .withArgs(e6, profit);

      await (await (w.d.tokens[USDC]!.connect(lp) as TokenContract).mint(await lp.getAddress(), 1_000n * e6)).wait();
      await (await (w.d.tokens[USDC]!.connect(lp) as TokenContract).approve(await w.d.market.getAddress(), 1_000n * e6)).wait();
      await (await typed(w).market.connect(lp).addLiquidity(1_000n * e6)).wait();
      await expect(engine.trade(ETH_PERP, -e18, epoch, p.newCommitment, p.note, p.proof)).to.emit(w.d.market, "ProfitPaid").withArgs(profit);
      expect(await w.d.market.poolBalance()).to.equal(1_001n * e6 - profit);
    });
  });

  describe("#realisedPnl", function () {
    it("agrees with the TypeScript realisedPnl at the market's quote decimals", async function () {
      const { market } = await networkHelpers.loadFixture(standaloneMarketFixture);
      const cases: [bigint, bigint, bigint][] = [
        [0n, 3_000_00000000n, 2_900_00000000n],
        [5n * e18, 3_000_00000000n, 2_900_00000000n],
        [-5n * e18, 3_000_00000000n, 2_900_00000000n],
        [1n, 1n, 2n],
        [-1n, 1n, 2n],
        [(1n << 96n) - 1n, 0n, 10n ** 16n],
        [-((1n << 96n) - 1n), 0n, 10n ** 16n],
      ];
      for (const [size, entry, mark] of cases) {
        expect(await market.realisedPnl(size, entry, mark), `${size} ${entry} ${mark}`).to.equal(realisedPnl(size, entry, mark, 6));
      }
    });
  });
});

describe("SafeTransferLib", function () {
  /** The harness, a quirky token holding funds for the harness, and a plain EOA as a token without code. */
  async function safeTransferFixture(): Promise<{ harness: SafeTransferHarness; token: QuirkyERC20; from: Signer; to: string; noCode: string }> {
    const [, from, to, noCode] = await ethers.getSigners();
    const harness = await ethers.deployContract("SafeTransferHarness");
    const token = await ethers.deployContract("QuirkyERC20", [6]);
    await (await token.mint(await harness.getAddress(), 1_000n * e6)).wait();
    await (await token.mint(await from!.getAddress(), 1_000n * e6)).wait();
    await (await token.connect(from!).approve(await harness.getAddress(), MAX)).wait();
    return { harness, token, from: from!, to: await to!.getAddress(), noCode: await noCode!.getAddress() };
  }

  describe("#safeTransfer", function () {
    it("moves the tokens when transfer returns true or no data", async function () {
      const { harness, token, to } = await networkHelpers.loadFixture(safeTransferFixture);
      await (await harness.safeTransfer(await token.getAddress(), to, 3n)).wait();
      await (await token.setMode(Mode.ReturnsNothing)).wait();
      await (await harness.safeTransfer(await token.getAddress(), to, 4n)).wait();
      expect(await token.balanceOf(to)).to.equal(7n);
    });

    it("reverts TransferFailed(token, from, to, amount) when transfer returns false, reverts, or the token has no code", async function () {
      const { harness, token, to, noCode } = await networkHelpers.loadFixture(safeTransferFixture);
      const t = await token.getAddress();
      const self = await harness.getAddress();
      for (const mode of [Mode.ReturnsFalse, Mode.Reverts]) {
        await (await token.setMode(mode)).wait();
        await expect(harness.safeTransfer(t, to, 5n)).to.be.revertedWithCustomError(harness, "TransferFailed").withArgs(t, self, to, 5n);
      }
      await expect(harness.safeTransfer(noCode, to, 5n)).to.be.revertedWithCustomError(harness, "TransferFailed").withArgs(noCode, self, to, 5n);
    });
  });

  describe("#safeTransferFrom", function () {
    it("moves the tokens when transferFrom returns true or no data", async function () {
      const { harness, token, from, to } = await networkHelpers.loadFixture(safeTransferFixture);
      await (await harness.safeTransferFrom(await token.getAddress(), await from.getAddress(), to, 3n)).wait();
      await (await token.setMode(Mode.ReturnsNothing)).wait();
      await (await harness.safeTransferFrom(await token.getAddress(), await from.getAddress(), to, 4n)).wait();
      expect(await token.balanceOf(to)).to.equal(7n);
    });

    it("reverts TransferFailed(token, from, to, amount) when transferFrom returns false, reverts, or the token has no code", async function () {
      const { harness, token, from, to, noCode } = await networkHelpers.loadFixture(safeTransferFixture);
      const t = await token.getAddress();
      const f = await from.getAddress();
      for (const mode of [Mode.ReturnsFalse, Mode.Reverts]) {
        await (await token.setMode(mode)).wait();
        await expect(harness.safeTransferFrom(t, f, to, 5n)).to.be.revertedWithCustomError(harness, "TransferFailed").withArgs(t, f, to, 5n);
      }
      await (await token.setMode(Mode.Standard)).wait();
      // More than the sender holds: the token's own revert is reported as TransferFailed too.
      await expect(harness.safeTransferFrom(t, f, to, 2_000n * e6))
        .to.be.revertedWithCustomError(harness, "TransferFailed")
        .withArgs(t, f, to, 2_000n * e6);
      await expect(harness.safeTransferFrom(noCode, f, to, 5n)).to.be.revertedWithCustomError(harness, "TransferFailed").withArgs(noCode, f, to, 5n);
    });
  });
});
