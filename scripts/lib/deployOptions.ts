/**
 * An options engine beside the perp one: an OptionsMarket (its own quoter) on the deployment's oracle,
 * bound to its own MarginEngine (same bytecode, same libraries), fund and keeper registry.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { OptionRiskParams, OptionSeries } from "../../prover/src/options/quote.js";
import type { OptionsMarket } from "../../types/ethers-contracts/index.js";
import { deployMarginEngine, type Deployment, type EngineDeps } from "./deploy.js";

/** Development shock: 3 sigma over 24 samples (a day at a one-hour grid), sigma sqrt T up 25%, IM = 1.25 MM. */
export const DEV_OPTION_RISK: OptionRiskParams = { shockSigmas: 3n * 10n ** 18n, shockSamples: 24n, volShock: 25n * 10n ** 16n, imMultiplier: 125n * 10n ** 16n };

/** The development series from `t0`: ETH calls and puts at 3,000 and a BTC call at 60,000, 30 days; with their symbols. */
export function devOptionSeries(t0: bigint): { symbol: string; series: OptionSeries }[] {
  const expiry = t0 + 30n * 86_400n;
  const p = 10n ** 8n;
  return [
    { symbol: "ETH-3000-C", series: { asset: 1, isCall: true, strike: 3_000n * p, expiry } },
    { symbol: "ETH-3000-P", series: { asset: 1, isCall: false, strike: 3_000n * p, expiry } },
    { symbol: "BTC-60000-C", series: { asset: 2, isCall: true, strike: 60_000n * p, expiry } },
  ];
}

/** What an options engine is built from, beyond the deployment it sits beside. */
export interface OptionsEngineOptions {
  /** 1 to 8 series: instrument j is `series[j]`. */
  series: readonly OptionSeries[];
  /** The margin shock (default DEV_OPTION_RISK). */
  risk?: OptionRiskParams;
  /** The engine's account-update verifier (default: the deployment's). */
  updateVerifier?: EngineDeps["updateVerifier"];
  /** The engine's portfolio-margin account-update verifier (default: a new one). */
  portfolioVerifier?: EngineDeps["portfolioVerifier"];
}

/** The options engine and its market (ethers contracts). */
export interface OptionsEngine {
  engine: Deployment["engine"];
  market: OptionsMarket;
}

/** Deploys an OptionsMarket and a MarginEngine bound to it, settled in the deployment's settlement slot 0. */
export async function deployOptionsEngine(ethers: HardhatEthers, d: Deployment, o: OptionsEngineOptions): Promise<OptionsEngine> {
  const oracle = await d.oracle.getAddress();
  const [quoteToken, quoteDecimals] = (await d.oracle.asset(0)) as [string, bigint];
  const risk = o.risk ?? DEV_OPTION_RISK;
  const market = await ethers.deployContract("OptionsMarket", [
    oracle,
    quoteToken,
    quoteDecimals,
    o.series.map((s) => ({ asset: s.asset, isCall: s.isCall, strike: s.strike, expiry: s.expiry })),
    { shockSigmas: risk.shockSigmas, shockSamples: risk.shockSamples, volShock: risk.volShock, imMultiplier: risk.imMultiplier },
  ]);
  await market.waitForDeployment();
  const engine = await deployMarginEngine(ethers, {
    oracle: d.oracle,
    updateVerifier: o.updateVerifier ?? d.verifier,
    insolvencyVerifier: d.insolvencyVerifier,
    poseidon3: d.poseidon3,
    settlementAsset: 0,
    lease: { maxAge: BigInt(await d.engine.leaseMaxAge()), grace: BigInt(await d.engine.leaseGrace()) },
    libraries: d.libraries,
    noteVerifiers: d.noteVerifiers,
    market,
    portfolioVerifier: o.portfolioVerifier,
  });
  return { engine, market: market as unknown as OptionsMarket };
}
