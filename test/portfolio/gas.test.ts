/**
 * Figures of portfolio margin (printed, measured from receipts): the gas of a trade that opens the k-th
 * position, under portfolio and simple margin, for 1 to 8 open positions, in a world of USDC and 8 assets
 * with one perp market each (the engine's maximum); and the oracle's poke() in that world. Asserts the
 * accounts end with 8 open positions and that portfolio's extra gas grows with the positions (one more
 * oracle read of the underlying and its haircuts per position, eight scenario sums).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Prover } from "../../prover/src/prover.js";
import { createWorld, fund, nextEpoch, seedPool } from "../../scripts/lib/world.js";
import { e18, e6, traderAt, USDC } from "../contracts/helpers.js";

const { ethers } = await network.create();

describe("Portfolio margin figures: trade gas for 1 to 8 open positions", function () {
  this.timeout(1_800_000);
  const prover = new Prover();
  after(async function () {
    await prover.close();
  });

  it("prints the gas of each opening under simple and portfolio margin, and of poke()", async function () {
    const assets = [
      { symbol: "USDC", decimals: 6, price: 1_00000000n, annualVol: 0.05 },
      ...Array.from({ length: 8 }, (_, i) => ({ symbol: `X${i + 1}`, decimals: 18, price: 100_00000000n, annualVol: 0.5 })),
    ];
    const markets = Array.from({ length: 8 }, (_, i) => ({ symbol: `X${i + 1}-PERP`, underlying: i + 1 }));
    const w = await createWorld(ethers, { prover, assets, markets });
    const [, lp, alice, bob] = await ethers.getSigners();
    await seedPool(w, lp!, 10_000_000n * e6);
    const gas: Record<string, bigint[]> = { simple: [], portfolio: [] };
    for (const [who, mode] of [[alice!, "simple"], [bob!, "portfolio"]] as const) {
      await fund(w, who, new Map([[USDC, 1_000_000n * e6]]));
      const t = await traderAt(w, who);
      if (mode === "portfolio") await t.chooseMarginMode(true);
      await t.deposit(USDC, 1_000_000n * e6);
      for (let j = 0; j < 8; j++) gas[mode]!.push((await t.trade(j, (j % 2 === 0 ? 1n : -1n) * 10n * e18)).gasUsed);
      expect((await w.d.engine.accountOf(await who.getAddress())).openMarkets).to.equal(255n);
    }
    const poke = async (): Promise<bigint> => {
      await nextEpoch(w);
      const ev = await w.d.oracle.queryFilter(w.d.oracle.filters.EpochClosed!(), -1);
      const receipt = await ev[ev.length - 1]!.getTransactionReceipt();
      return receipt.gasUsed;
    };
    const pokeGas = await poke();
    console.log("      trade opening the k-th position (9 assets, 8 markets): simple -> portfolio gas");
    for (let k = 0; k < 8; k++) console.log(`        ${k + 1} open   ${gas.simple![k]!.toLocaleString("en-US")} -> ${gas.portfolio![k]!.toLocaleString("en-US")}`);
    console.log(`      poke() in this world (9 assets, 8 markets, both scenario up-hashes included): ${pokeGas.toLocaleString("en-US")}`);
    const extra = (k: number): bigint => gas.portfolio![k]! - gas.simple![k]!;
    expect(extra(7) > extra(0), "portfolio's extra gas grows with the positions").to.equal(true);
  });
});
