/**
 * Funding with real Groth16 proofs: the library's `Trader` plans a renewal and a trade whose public delta
 * includes the funding (margin.ts, bit for bit with the engine), and whose requirement counts the
 * unrealised funding owed; the engine derives the same public inputs, or the proof would fail
 * (`InvalidProof`). Few cases: the formula itself is checked in fundingMath.test.ts and the engine's
 * arithmetic in funding.test.ts.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { TokenContract } from "../../prover/src/contracts.js";
import { planLiquidation, readAuction, readLiquidationRules, readSeizureMarket, submitLiquidation } from "../../prover/src/liquidation/index.js";
import { accountRequirement, funding, realisedPnl } from "../../prover/src/margin.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { createWorld, elapse, INSOLVENCY_ARTIFACTS, nextEpoch, now } from "../../scripts/lib/world.js";
import { deployEngine, ETH_PERP, e18, e6, fundFor, traderAt, USDC, WETH } from "../contracts/helpers.js";

const { ethers } = await network.create();
const prover = new Prover();

describe("funding with real proofs (Trader)", function () {
  after(async function () {
    await prover.close();
  });

  it("a renewal and a trade realise the funding the library computes; a requirement counts what is owed", async function () {
    const w = await createWorld(ethers, { prover });
    const { engine, market } = await deployEngine(ethers, w, { funding: [10n ** 15n, 10n ** 15n, 100_000n] });
    const [, lp, alice] = await ethers.getSigners();
    const usdc = w.d.tokens[USDC]! as TokenContract;
    await (await usdc.mint(await lp!.getAddress(), 1_000_000n * e6)).wait();
    await (await (usdc.connect(lp!) as TokenContract).approve(await market.getAddress(), 1_000_000n * e6)).wait();
    await (await market.connect(lp!).addLiquidity(1_000_000n * e6)).wait();
    await fundFor(w, await engine.getAddress(), alice!, new Map([[USDC, 20_000n * e6], [WETH, 2n * e18]]));
    const t = await traderAt(w, alice!, undefined, engine);
    await t.deposit(USDC, 20_000n * e6);
    await t.deposit(WETH, 2n * e18);
    await t.trade(ETH_PERP, 4n * e18);
    const owner = await alice!.getAddress();

    // One grid step with only a long open: the full skew, longs pay.
    await nextEpoch(w);
    const index = await engine.fundingIndexOf(ETH_PERP);
    const owed = funding(4n * e18, 0n, index, 6);
    expect(owed > 0n).to.equal(true);
    const v = await t.view();
    expect(v.positions.get(ETH_PERP)!.fundingIndex).to.equal(0n);
    expect(v.markets[ETH_PERP]!.fundingIndex).to.equal(index);
    // The library's requirement is the engine's, the funding owed included.
    expect(accountRequirement(v.positions, v.markets, false)).to.equal(await engine.requirementOf(owner, false));
    const before = t.opening.amounts[USDC]!;
    const renewed = await t.renewLease();
    expect(renewed.delta).to.deep.equal({ index: USDC, amount: -owed });
    expect(t.opening.amounts[USDC]).to.equal(before - owed);
    expect((await engine.positionOf(owner, ETH_PERP)).fundingIndex).to.equal(index);

    // Another step, then a reduction: its delta is the realised PnL less the funding since the renewal.
    await nextEpoch(w, new Map([[WETH, (w.prices[WETH]! * 101n) / 100n]]));
    const index2 = await engine.fundingIndexOf(ETH_PERP);
    const p = await engine.positionOf(owner, ETH_PERP);
    const [mark] = await (await ethers.getContractAt("PlimsollOracle", await w.d.oracle.getAddress())).marketQuote(ETH_PERP);
    const expected = realisedPnl(4n * e18, p.entryPrice, mark, 6) - funding(4n * e18, index, index2, 6);
    expect(index2 > index).to.equal(true);
    const traded = await t.trade(ETH_PERP, -1n * e18);
    expect(traded.delta).to.deep.equal({ index: USDC, amount: expected });
    const after = await engine.positionOf(owner, ETH_PERP);
    expect([after.size, after.entryPrice, after.fundingIndex]).to.deep.equal([3n * e18, mark, index2]);
  });

  it("funding alone makes an account insolvent: the keeper's planner sees it and its liquidation proof is accepted", async function () {
    const w = await createWorld(ethers, { prover });
    // 1% of the notional a step at a full skew: only a long is open.
    const { engine, market } = await deployEngine(ethers, w, { funding: [10n ** 16n, 10n ** 16n, 100_000n] });
    const [, lp, alice, keeper] = await ethers.getSigners();
    const usdc = w.d.tokens[USDC]! as TokenContract;
    for (const who of [lp!, keeper!]) await (await usdc.mint(await who.getAddress(), 1_000_000n * e6)).wait();
    await (await (usdc.connect(lp!) as TokenContract).approve(await market.getAddress(), 1_000_000n * e6)).wait();
    await (await market.connect(lp!).addLiquidity(1_000_000n * e6)).wait();
    await (await (usdc.connect(keeper!) as TokenContract).approve(await engine.getAddress(), 1_000_000n * e6)).wait();
    await fundFor(w, await engine.getAddress(), alice!, new Map([[USDC, 5_000n * e6]]));
    const t = await traderAt(w, alice!, undefined, engine);
    await t.deposit(USDC, 5_000n * e6);
    await t.trade(ETH_PERP, 4n * e18);
    const owner = await alice!.getAddress();
    const mark0 = (await t.view()).markets[ETH_PERP]!.mark;

    // The price does not move; steps pass until the funding owed takes the basket below maintenance.
    let v = await t.view();
    for (let i = 0; i < 12 && accountRequirement(v.positions, v.markets, false) <= 5_000n * e6 * v.maintenanceWeights[USDC]!; i++) {
      await elapse(w, 4n * w.gridSeconds);
      await nextEpoch(w);
      v = await t.view();
    }
    expect(v.markets[ETH_PERP]!.mark).to.equal(mark0);
    const requirement = accountRequirement(v.positions, v.markets, false);
    expect(requirement).to.equal(await engine.requirementOf(owner, false));
    expect(requirement > 5_000n * e6 * v.maintenanceWeights[USDC]!, "insolvent by funding").to.equal(true);
    const owed = funding(4n * e18, 0n, v.markets[ETH_PERP]!.fundingIndex!, 6);

    const h = await initPoseidon();
    const rules = await readLiquidationRules(engine as never);
    const { factor } = await readAuction(engine as never, rules, owner, await now(w));
    const plan = planLiquidation(h, { opening: t.opening, view: v, market: await readSeizureMarket(w.d.oracle, USDC), liquidator: await keeper!.getAddress(), quoteDecimals: 6, rules, bonusBps: factor });
    const { receipt } = await submitLiquidation({ engine: engine as never, liquidator: keeper!, prover, artifacts: INSOLVENCY_ARTIFACTS, account: owner, epoch: v.epoch, plan });
    const paid = receipt.logs.map((l) => engine.interface.parseLog(l)).filter((x) => x?.name === "FundingPaid");
    expect(paid.map((x) => x!.args[2])).to.deep.equal([owed]);
    expect((await engine.positionOf(owner, ETH_PERP)).fundingIndex).to.equal(v.markets[ETH_PERP]!.fundingIndex);
  });
});
