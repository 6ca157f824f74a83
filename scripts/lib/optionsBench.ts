/**
 * The options part of `npm run bench` (and `npm run bench:options`): on a new development world, an
 * options engine beside the perp engine, a trader who
 * buys 2 ETH calls and sells 1 ETH put with real proofs, each position's Greeks, the gas of the trades
 * and of `marketQuote`.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Signer } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { formatGreeks, positionGreeks, type OptionSeries } from "../../prover/src/options/quote.js";
import { OpeningStore } from "../../prover/src/store.js";
import { Trader } from "../../prover/src/trader.js";
import { deployOptionsEngine } from "./deployOptions.js";
import type { Prover } from "../../prover/src/prover.js";
import { ACCOUNT_UPDATE_ARTIFACTS, createWorld, now, registerKeeperKey, type World } from "./world.js";

/** What the options bench measured. */
export interface OptionsBench {
  positions: { series: string; size: string; mark: string; greeks: string }[];
  gas: Record<string, number>;
}

const e18 = 10n ** 18n;
const PRICE = 10n ** 8n;

/** Series name: underlying, strike, days to expiry, C or P. */
const nameOf = (s: OptionSeries, symbol: string, t0: bigint): string => `${symbol}-${s.strike / PRICE}-${(s.expiry - t0) / 86_400n}d-${s.isCall ? "C" : "P"}`;

/** Runs the options bench on a new development world (its own deployment, `prover`'s proofs). */
export async function benchOptions(ethers: HardhatEthers, prover: Prover): Promise<OptionsBench> {
  const w = await createWorld(ethers, { prover });
  const [, lp, trader] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer];
  const t0 = await now(w);
  const series: OptionSeries[] = [
    { asset: 1, isCall: true, strike: 3_000n * PRICE, expiry: t0 + 30n * 86_400n },
    { asset: 1, isCall: false, strike: 2_800n * PRICE, expiry: t0 + 30n * 86_400n },
  ];
  const { engine, market } = await deployOptionsEngine(ethers, w.d, { series });
  const registry = (await ethers.getContractAt("KeeperRegistry", await engine.keeperRegistry())) as unknown as World["d"]["keeperRegistry"];
  await registerKeeperKey(ethers, registry, w.keeper.operator, w.keeper.key);
  const usdc = (who: Signer): TokenContract => w.d.tokens[0]!.connect(who) as TokenContract;
  await (await usdc(lp).mint(await lp.getAddress(), 1_000_000n * 10n ** 6n)).wait();
  await (await usdc(lp).approve(await market.getAddress(), 1_000_000n * 10n ** 6n)).wait();
  await (await market.connect(lp).addLiquidity(1_000_000n * 10n ** 6n)).wait();
  await (await usdc(trader).mint(await trader.getAddress(), 50_000n * 10n ** 6n)).wait();
  await (await usdc(trader).approve(await engine.getAddress(), 50_000n * 10n ** 6n)).wait();
  const t = await Trader.load({
    engine: engine.connect(trader) as unknown as EngineContract,
    oracle: w.d.oracle,
    signer: trader,
    prover: w.prover,
    artifacts: ACCOUNT_UPDATE_ARTIFACTS,
    store: new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-bench-options-"))),
    keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey },
    quoter: { marketCount: () => market.marketCount(), marketQuote: (j) => market.marketQuote(j) },
  });
  await t.deposit(0, 50_000n * 10n ** 6n);
  const open = await t.trade(0, 2n * e18);
  const second = await t.trade(1, -e18);
  const grow = await t.trade(0, e18);
  const reduce = await t.trade(0, -e18);
  const quoteGas = await market.marketQuote.estimateGas(0);
  const positions = await Promise.all(
    series.map(async (s, j) => {
      const size = BigInt((await engine.positionOf(await trader.getAddress(), j)).size);
      const [mark, delta, gamma, vega] = await market.greeks(j);
      return { series: nameOf(s, "ETH", t0), size: (Number(size) / 1e18).toString(), mark: (Number(mark) / 1e8).toFixed(2), greeks: formatGreeks(positionGreeks(size, { delta, gamma, vega })) };
    }),
  );
  return {
    positions,
    gas: {
      "options: open a long call (real proof, 1 position open after)": Number(open.gasUsed),
      "options: open a short put (real proof, 2 positions open after)": Number(second.gasUsed),
      "options: grow the call (real proof, 2 positions)": Number(grow.gasUsed),
      "options: reduce the call (real proof, 2 positions)": Number(reduce.gasUsed),
      "options: marketQuote(j) as a transaction (eth_estimateGas, incl. 21,000 base)": Number(quoteGas),
    },
  };
}
