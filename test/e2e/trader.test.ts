import { expect } from "chai";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { createWorld, fund, nextEpoch, seedPool, traderFor, type World } from "../../scripts/lib/world.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import type { Trader } from "../../prover/src/trader.js";

const { ethers } = await network.create();

const USDC = 0;
const WETH = 1;
const WBTC = 2;
const ETH_PERP = 0;
const BTC_PERP = 1;
const e18 = 10n ** 18n;

describe("end to end: a trader with a private basket", function () {
  let w: World;
  let alice: Signer;
  let trader: Trader;

  before(async function () {
    const [, lp, a] = await ethers.getSigners();
    alice = a!;
    w = await createWorld(ethers);
    await seedPool(w, lp!, 10_000_000n * 10n ** 6n);
    await fund(w, alice, new Map([[USDC, 50_000n * 10n ** 6n], [WETH, 10n * e18], [WBTC, 50_000_000n]]));
    trader = await traderFor(w, alice);
  });

  after(async function () {
    await w.prover.close();
  });

  it("deposits 6-, 18- and 8-decimal assets, each with a real proof verified on-chain", async function () {
    await trader.deposit(USDC, 50_000n * 10n ** 6n);
    await trader.deposit(WETH, 10n * e18);
    await trader.deposit(WBTC, 50_000_000n);
    const engine = await w.d.engine.getAddress();
    expect(await w.d.tokens[USDC]!.balanceOf(engine)).to.equal(50_000n * 10n ** 6n);
    expect(await w.d.tokens[WETH]!.balanceOf(engine)).to.equal(10n * e18);
    expect(await w.d.tokens[WBTC]!.balanceOf(engine)).to.equal(50_000_000n);
    expect(trader.opening.amounts.slice(0, 3)).to.deep.equal([50_000n * 10n ** 6n, 10n * e18, 50_000_000n]);
  });

  it("stores only the commitment on-chain, and it opens to the private basket", async function () {
    const h = await initPoseidon();
    const o = trader.opening;
    const account = await w.d.engine.accountOf(await alice.getAddress());
    expect(account.commitment).to.equal(accountCommitment(h, o.amounts, o.blinding, o.owner));
  });

  it("opens a long and a short at initial margin", async function () {
    const long = await trader.trade(ETH_PERP, 5n * e18);
    const short = await trader.trade(BTC_PERP, -(e18 / 10n));
    expect(long.requirement).to.be.greaterThan(0n);
    expect(short.requirement).to.be.greaterThan(long.requirement);
    const who = await alice.getAddress();
    expect((await w.d.engine.positionOf(who, ETH_PERP)).size).to.equal(5n * e18);
    expect((await w.d.engine.positionOf(who, BTC_PERP)).size).to.equal(-(e18 / 10n));
    expect(short.requirement).to.equal(await w.d.engine.requirementOf(who, true));
  });

  it("renews the lease at maintenance margin after a price move", async function () {
    const epoch = await nextEpoch(w, new Map([[WETH, 2_900_00000000n]]));
    const report = await trader.renewLease();
    const account = await w.d.engine.accountOf(await alice.getAddress());
    expect(account.leaseEpoch).to.equal(epoch);
    expect(report.requirement).to.equal(await w.d.engine.requirementOf(await alice.getAddress(), false));
  });

  it("closes the long at a loss: the realised PnL leaves the basket's USDC slot", async function () {
    const before = trader.opening.amounts[USDC]!;
    const report = await trader.trade(ETH_PERP, -5n * e18);
    // 5 ETH from 3000 to 2900: a 500 USDC loss, paid to the pool.
    expect(report.delta).to.deep.equal({ index: USDC, amount: -500n * 10n ** 6n });
    expect(trader.opening.amounts[USDC]).to.equal(before - 500n * 10n ** 6n);
    expect((await w.d.engine.positionOf(await alice.getAddress(), ETH_PERP)).size).to.equal(0n);
  });

  it("withdraws WETH when what stays clears initial margin", async function () {
    const who = await alice.getAddress();
    const balance = await w.d.tokens[WETH]!.balanceOf(who);
    await trader.withdraw(WETH, 4n * e18);
    expect(await w.d.tokens[WETH]!.balanceOf(who)).to.equal(balance + 4n * e18);
    expect(trader.opening.amounts[WETH]).to.equal(6n * e18);
  });

  it("closes the short with a profit paid from the pool into the basket", async function () {
    await nextEpoch(w, new Map([[WBTC, 59_000_00000000n]]));
    const before = trader.opening.amounts[USDC]!;
    const report = await trader.trade(BTC_PERP, e18 / 10n);
    expect(report.delta).to.deep.equal({ index: USDC, amount: 100n * 10n ** 6n });
    expect(trader.opening.amounts[USDC]).to.equal(before + 100n * 10n ** 6n);
    const account = await w.d.engine.accountOf(await alice.getAddress());
    expect(account.openMarkets).to.equal(0n);
  });

  it("reloads the opening from the local store after a restart", async function () {
    const again = await traderFor(w, alice);
    expect(again.opening).to.deep.equal(trader.opening);
  });
});
