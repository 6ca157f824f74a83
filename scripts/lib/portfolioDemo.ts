/**
 * The demo's portfolio-margin and options steps (scripts/demo.ts), with real proofs:
 * - a hedged trader (10 WETH behind a short of 10 ETH-PERP) in portfolio mode next to an unhedged one
 *   (the same short behind 30,000 USDC) in simple mode; the eight floors of the hedged one, the simple
 *   requirement of the unhedged one, and the margin each rule uses for each account (`marginUsed`); both
 *   then close their shorts;
 * - an options engine beside the perp one and a trader who buys 2 ETH calls, with the position's delta,
 *   gamma and vega.
 */
import type { Signer } from "ethers";
import { accountRequirement, type ActionReport, type EngineContract, type TokenContract, Trader } from "../../prover/src/index.js";
import { formatGreeks, positionGreeks, type PositionGreeks } from "../../prover/src/options/quote.js";
import { FLOOR_UNIT, marginUsed, scenarioNeeds, scenarioValues, SCENARIO_UP_MASKS, type ScenarioPosition } from "../../prover/src/portfolio.js";
import { devOptionSeries, deployOptionsEngine, type OptionsEngine } from "./deployOptions.js";
import { table, tokens, usd } from "./format.js";
import { ACCOUNT_UPDATE_ARTIFACTS, fund, now, registerKeeperKey, traderFor, type World } from "./world.js";

const USDC = 0, WETH = 1, ETH_PERP = 0;
const e18 = 10n ** 18n, e6 = 10n ** 6n;

type RecordFn = (label: string, r: ActionReport) => void;

/** Prints the action's name, runs it and records its report (the demo's format). */
async function act(record: RecordFn, label: string, f: () => Promise<ActionReport>): Promise<void> {
  console.log(`  ${label}`);
  record(label, await f());
}

/** An account's margin at initial margin under both rules, in 1e-30 USD value units. */
export interface MarginFigures {
  /** The eight portfolio floors (what the basket must be worth in each scenario) and the basket's value in each. */
  floors: bigint[];
  values: bigint[];
  /** The scenario with the smallest headroom (value less floor). */
  worst: number;
  /** Simple margin: the requirement and the basket's value at the initial weights. */
  requirement: bigint;
  value: bigint;
  /** The margin each rule uses: the value at the mark less the smallest headroom (`marginUsed`). */
  usedSimple: bigint;
  usedPortfolio: bigint;
}

/** The margin figures of `t`'s account and open positions at the current epoch, read from the chain. */
export async function marginFigures(w: World, t: Trader): Promise<MarginFigures> {
  const { oracle } = w.d;
  const v = await t.view();
  const { grid, floors } = await t.portfolioRule(v, "initial", v.positions);
  const scenario: ScenarioPosition[] = await Promise.all([...v.positions].map(async ([j, p]) => {
    const underlying = Number(await oracle.marketUnderlying(j));
    const [hIM] = await oracle.haircuts(underlying);
    return { ...p, mark: v.markets[j]!.mark, underlying, haircut: BigInt(hIM), marketFundingIndex: v.markets[j]!.fundingIndex ?? 0n };
  }));
  const amounts = t.opening.amounts;
  const markWeights = await Promise.all(amounts.map(async (_, i) => (i < w.d.assets.length ? BigInt(await oracle.assetMark(i)) * 10n ** BigInt(22 - w.d.assets[i]!.decimals) : 0n)));
  const values = scenarioValues(amounts, grid);
  const requirement = accountRequirement(v.positions, v.markets, true);
  const value = amounts.reduce((s, a, i) => s + a * v.initialWeights[i]!, 0n);
  const headroom = values.map((x, s) => x - floors[s]! * FLOOR_UNIT);
  const worst = headroom.reduce((m, x, s) => (x < headroom[m]! ? s : m), 0);
  return {
    floors: floors.map((f) => f * FLOOR_UNIT),
    values,
    worst,
    requirement,
    value,
    usedSimple: marginUsed(amounts, markWeights, [value], [requirement]),
    usedPortfolio: marginUsed(amounts, markWeights, values, scenarioNeeds(scenario, BigInt(await oracle.marginFloor()))),
  };
}

/** "WETH up" or "WETH down": how the basket's assets move in scenario `s` (mask of the up slots). */
function scenarioName(w: World, s: number): string {
  return w.d.assets.map((a) => `${a.symbol.replace(/^W/, "")} ${((SCENARIO_UP_MASKS[s]! >> a.slot) & 1) === 1 ? "up" : "down"}`).join(", ");
}

/** What the portfolio step prints, for the README's worked example. */
export interface PortfolioDemo {
  hedged: MarginFigures;
  unhedged: MarginFigures;
}

/**
 * A hedged account in portfolio mode and an unhedged one in simple mode, each short 10 ETH-PERP at the
 * mark; prints the floors, the requirement and the margin used.
 */
export async function runPortfolioDemo(w: World, who: { hedged: Signer; unhedged: Signer }, record: RecordFn): Promise<PortfolioDemo> {
  const size = 10n * e18;
  await fund(w, who.hedged, new Map([[WETH, size]]));
  await fund(w, who.unhedged, new Map([[USDC, 30_000n * e6]]));
  const hedged = await traderFor(w, who.hedged);
  const unhedged = await traderFor(w, who.unhedged);
  await hedged.chooseMarginMode(true);
  console.log(`    hedged trader ${hedged.key.owner} chooses portfolio margin (chooseMarginMode(true), no position open yet)`);
  await act(record, "hedged: deposit 10 WETH (portfolio proof)", () => hedged.deposit(WETH, size));
  await act(record, "hedged: short 10 ETH-PERP (portfolio proof, 8 floors)", () => hedged.trade(ETH_PERP, -size));
  console.log(`    unhedged trader ${unhedged.key.owner} stays on simple margin`);
  await act(record, "unhedged: deposit 30,000 USDC", () => unhedged.deposit(USDC, 30_000n * e6));
  await act(record, "unhedged: short 10 ETH-PERP", () => unhedged.trade(ETH_PERP, -size));

  const h = await marginFigures(w, hedged);
  const u = await marginFigures(w, unhedged);
  const mark = (await hedged.view()).markets[ETH_PERP]!.mark;
  console.log(`    at initial margin, ETH-PERP mark ${usd(mark * 10n ** 22n)}; a floor is what the basket must be worth in its scenario (the short's loss there plus the cushion):`);
  const rows = h.floors.map((f, s) => [String(s), scenarioName(w, s), usd(f), usd(h.values[s]!), usd(h.values[s]! - f), s === h.worst ? "<- worst" : ""]);
  console.log(table(["scenario", "moves", "hedged floor", "hedged basket", "headroom", ""], rows).replace(/^/gm, "      "));
  console.log(`    unhedged (simple margin): requirement ${usd(u.requirement)}, basket ${usd(u.value)} at the initial weights`);
  console.log("    margin used (the basket's value at the mark less its smallest headroom over the rule's checks):");
  console.log(table(["account", "simple margin", "portfolio margin"], [
    ["hedged: 10 WETH, short 10 ETH-PERP", usd(h.usedSimple), `${usd(h.usedPortfolio)}  (its mode)`],
    ["unhedged: 30,000 USDC, short 10 ETH-PERP", `${usd(u.usedSimple)}  (its mode)`, usd(u.usedPortfolio)],
  ]).replace(/^/gm, "      "));
  console.log(`    the hedged account uses ${usd(h.usedPortfolio)} against the unhedged one's ${usd(u.usedSimple)}: its WETH gains what the short loses in every scenario`);
  // Both close (maintenance proofs), so the keeper steps that follow see only the accounts they are about.
  await act(record, "hedged: close the short (portfolio proof)", () => hedged.trade(ETH_PERP, size));
  await act(record, "unhedged: close the short", () => unhedged.trade(ETH_PERP, size));
  return { hedged: h, unhedged: u };
}

/** An options engine beside the perp one (the development series), its pool seeded; a trader buys 2 ETH calls. */
export async function runOptionDemo(w: World, who: { lp: Signer; trader: Signer }, record: RecordFn): Promise<{ market: OptionsEngine["market"]; series: number; size: bigint; greeks: PositionGreeks }> {
  const devSeries = devOptionSeries(await now(w));
  const { engine, market } = await deployOptionsEngine(w.ethers, w.d, { series: devSeries.map((s) => s.series) });
  const registry = (await w.ethers.getContractAt("KeeperRegistry", await engine.keeperRegistry())) as unknown as World["d"]["keeperRegistry"];
  await registerKeeperKey(w.ethers, registry, w.keeper.operator, w.keeper.key);
  console.log(`    options market ${await market.getAddress()} (series ${devSeries.map((s) => s.symbol).join(", ")}, 30 days), engine ${await engine.getAddress()}`);
  const usdc = (s: Signer): TokenContract => w.d.tokens[USDC]!.connect(s) as TokenContract;
  const pool = 1_000_000n * e6, basket = 5_000n * e6;
  await (await usdc(who.lp).mint(await who.lp.getAddress(), pool)).wait();
  await (await usdc(who.lp).approve(await market.getAddress(), pool)).wait();
  await (await market.connect(who.lp).addLiquidity(pool)).wait();
  await (await usdc(who.trader).mint(await who.trader.getAddress(), basket)).wait();
  await (await usdc(who.trader).approve(await engine.getAddress(), basket)).wait();
  const t = await Trader.load({
    engine: engine.connect(who.trader) as unknown as EngineContract,
    oracle: w.d.oracle,
    signer: who.trader,
    prover: w.prover,
    artifacts: ACCOUNT_UPDATE_ARTIFACTS,
    store: w.store,
    keeper: { keeperId: w.keeper.keeperId, key: w.keeper.key.publicKey },
    quoter: { marketCount: () => market.marketCount(), marketQuote: (j) => market.marketQuote(j) },
  });
  await act(record, "options: deposit 5,000 USDC", () => t.deposit(USDC, basket));
  const call = devSeries.findIndex((s) => s.symbol === "ETH-3000-C");
  await act(record, `options: buy 2 ${devSeries[call]!.symbol}`, () => t.trade(call, 2n * e18));
  const size = BigInt((await engine.positionOf(t.key.owner, call)).size);
  const [premium, delta, gamma, vega] = await market.greeks(call);
  console.log(`    position ${tokens(size, 18, devSeries[call]!.symbol)}, mark (Black-Scholes premium) ${usd(BigInt(premium) * 10n ** 22n)} per option`);
  const greeks = positionGreeks(size, { delta, gamma, vega });
  console.log(`    its Greeks (size x the market's greeks(j)): ${formatGreeks(greeks)}`);
  console.log(`    initial requirement ${usd(BigInt(await engine.requirementOf(t.key.owner, true)))} (ratios from delta, gamma and vega over a 3-sigma day and a 25% vol rise)`);
  return { market, series: call, size, greeks };
}
