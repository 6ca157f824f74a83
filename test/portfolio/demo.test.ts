/**
 * The demo's portfolio-margin and option steps (scripts/lib/portfolioDemo.ts, `npm run demo` steps 9
 * and 10) on a fresh development world, with real proofs: what they print is asserted against the
 * chain. The hedged account (portfolio) uses only the cushion, less than the unhedged one (simple); the
 * printed floors are the trade's; both close their shorts; the option's printed Greeks are size x the
 * market's `greeks(j)`.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import type { ActionReport } from "../../prover/src/index.js";
import { formatGreeks, positionGreeks } from "../../prover/src/options/quote.js";
import { Prover } from "../../prover/src/prover.js";
import { runOptionDemo, runPortfolioDemo } from "../../scripts/lib/portfolioDemo.js";
import { usd } from "../../scripts/lib/format.js";
import { createWorld, seedPool, type World } from "../../scripts/lib/world.js";

const { ethers } = await network.create();
const prover = new Prover();
const e18 = 10n ** 18n;

/** Runs `f` with console.log captured; returns what it printed and its result. */
async function captured<T>(f: () => Promise<T>): Promise<{ out: string; result: T }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    const result = await f();
    return { out: lines.join("\n"), result };
  } finally {
    console.log = log;
  }
}

describe("The demo's portfolio-margin and option steps", function () {
  this.timeout(600_000);
  let w: World;
  let signers: Signer[];
  before(async function () {
    w = await createWorld(ethers, { prover });
    signers = (await ethers.getSigners()) as unknown as Signer[];
    await seedPool(w, signers[1]!, 1_000_000n * 10n ** 6n);
  });
  after(async function () {
    await prover.close();
  });

  it("prints the hedged floors, the unhedged requirement and the margin used: the hedged account uses only the cushion, less than the unhedged one", async function () {
    const reports: [string, ActionReport][] = [];
    const { out, result } = await captured(() => runPortfolioDemo(w, { hedged: signers[10]!, unhedged: signers[11]! }, (l, r) => void reports.push([l, r])));
    const { hedged: h, unhedged: u } = result;
    // The cushion: |size| x mark x marginFloor, in value units (1e-30 USD).
    const mark = BigInt(await w.d.oracle.markPrice(0));
    const cushion = (10n * e18 * mark * 10n ** 4n * BigInt(await w.d.oracle.marginFloor())) / e18;
    // Exactly the cushion, up to the weights' rounding down (under one value unit per base unit held: 1e19).
    expect(h.usedPortfolio >= cushion && h.usedPortfolio - cushion < 10n * e18, `${h.usedPortfolio} vs cushion ${cushion}`).to.equal(true);
    expect(h.usedPortfolio < u.usedSimple, "hedged on portfolio margin below unhedged on simple").to.equal(true);
    expect(h.usedPortfolio * 3n < h.usedSimple, "portfolio under a third of simple margin for the hedged basket").to.equal(true);
    expect(u.usedPortfolio > u.usedSimple, "the unhedged basket gains nothing from portfolio margin").to.equal(true);
    // The printed floors are the ones the short's portfolio proof cleared (its requirement is the largest).
    const short = reports.find(([l]) => l.startsWith("hedged: short"))![1];
    expect(short.requirement).to.equal(h.floors.reduce((m, f) => (f > m ? f : m), 0n));
    expect(reports.find(([l]) => l === "unhedged: short 10 ETH-PERP")![1].requirement).to.equal(u.requirement);
    for (const [s, f] of h.floors.entries()) expect(out).to.match(new RegExp(`^ +${s} +USDC (up|down), ETH (up|down), BTC (up|down) +\\${usd(f).replace(/\./g, "\\.")} +\\${usd(h.values[s]!).replace(/\./g, "\\.")}`, "m"));
    expect(out).to.include(`unhedged (simple margin): requirement ${usd(u.requirement)}`);
    expect(out).to.match(new RegExp(`hedged: 10 WETH, short 10 ETH-PERP +\\${usd(h.usedSimple).replace(/\./g, "\\.")} +\\${usd(h.usedPortfolio).replace(/\./g, "\\.")}  \\(its mode\\)`));
    expect(out).to.include(`the hedged account uses ${usd(h.usedPortfolio)} against the unhedged one's ${usd(u.usedSimple)}`);
    // Both closed; the hedged account stays in portfolio mode.
    for (const s of [signers[10]!, signers[11]!]) expect((await w.d.engine.positionOf(await s.getAddress(), 0)).size).to.equal(0n);
    expect((await w.d.engine.accountOf(await signers[10]!.getAddress())).portfolio).to.equal(true);
    expect((await w.d.engine.accountOf(await signers[11]!.getAddress())).portfolio).to.equal(false);
  });

  it("prints the option position's delta, gamma and vega as size x the market's greeks(j)", async function () {
    const { out, result } = await captured(() => runOptionDemo(w, { lp: signers[12]!, trader: signers[13]! }, () => undefined));
    expect(result.size).to.equal(2n * e18);
    const [, delta, gamma, vega] = await result.market.greeks(result.series);
    const g = positionGreeks(result.size, { delta, gamma, vega });
    expect(result.greeks).to.deep.equal(g);
    expect(out).to.include(`its Greeks (size x the market's greeks(j)): ${formatGreeks(g)}`);
    expect(Number(g.delta) / 1e18).to.be.within(0.8, 1.3); // two at-the-money calls
    expect(g.gamma > 0n && g.vegaPerPoint > 0n, "a long call: positive gamma and vega").to.equal(true);
  });
});
