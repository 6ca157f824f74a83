/**
 * The options suites' world: the development perp world plus an options engine beside it (same oracle,
 * its own OptionsMarket, pool, fund and keeper registry), with 1,000,000 USDC in the options pool.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse, Signer } from "ethers";
import type { TokenContract } from "../../prover/src/contracts.js";
import type { OptionSeries } from "../../prover/src/options/quote.js";
import type { Prover } from "../../prover/src/prover.js";
import { deployOptionsEngine } from "../../scripts/lib/deployOptions.js";
import { createWorld, frozenEpoch as frozenWorldEpoch, now, type World } from "../../scripts/lib/world.js";
import type { MarginEngine, OptionsMarket } from "../../types/ethers-contracts/index.js";
import { e6, GARBAGE_NOTE, GARBAGE_PROOF, registerWorldKeeper, USDC, WBTC, WETH } from "../contracts/helpers.js";

export const DAY = 86_400n;
export const PRICE = 10n ** 8n;
/** The fixture's series (instrument index). */
export const ETH_CALL = 0;
export const ETH_PUT = 1;
/** An ETH call at the same strike expiring in 2 days instead of 30. */
export const ETH_CALL_NEAR = 2;
export const BTC_CALL = 3;

export interface OptionsWorld {
  w: World;
  engine: MarginEngine;
  market: OptionsMarket;
  series: OptionSeries[];
  lp: Signer;
}

/**
 * The world, an options engine on the fixture's series and a seeded pool; `verifier` and `portfolioVerifier`
 * replace the engine's account-update verifiers (simple and portfolio margin).
 */
export async function optionsWorld(ethers: HardhatEthers, opts: { prover?: Prover; verifier?: string; portfolioVerifier?: string } = {}): Promise<OptionsWorld> {
  const w = await createWorld(ethers, { prover: opts.prover });
  const t0 = await now(w);
  const series: OptionSeries[] = [
    { asset: WETH, isCall: true, strike: 3_000n * PRICE, expiry: t0 + 30n * DAY },
    { asset: WETH, isCall: false, strike: 3_000n * PRICE, expiry: t0 + 30n * DAY },
    { asset: WETH, isCall: true, strike: 3_000n * PRICE, expiry: t0 + 2n * DAY },
    { asset: WBTC, isCall: true, strike: 60_000n * PRICE, expiry: t0 + 30n * DAY },
  ];
  const updateVerifier = opts.verifier === undefined ? undefined : { getAddress: async (): Promise<string> => opts.verifier! };
  const portfolioVerifier = opts.portfolioVerifier === undefined ? undefined : { getAddress: async (): Promise<string> => opts.portfolioVerifier! };
  const { engine, market } = await deployOptionsEngine(ethers, w.d, { series, updateVerifier, portfolioVerifier });
  await registerWorldKeeper(ethers, w, engine);
  const [, lp] = await ethers.getSigners();
  const usdc = w.d.tokens[USDC]!.connect(lp!) as TokenContract;
  await (await usdc.mint(await lp!.getAddress(), 1_000_000n * e6)).wait();
  await (await usdc.approve(await market.getAddress(), 1_000_000n * e6)).wait();
  await (await market.connect(lp!).addLiquidity(1_000_000n * e6)).wait();
  return { w, engine: engine as unknown as MarginEngine, market, series, lp: lp! };
}

/** Commitments for the accepting verifier's updates: each must differ from the account's last. */
let nextCommitment = 1_000n;

/**
 * With an accepting verifier: `who` mints and deposits `amount` USDC into the options engine (any
 * commitment passes), so that it can trade without a proof.
 */
export async function depositAccepted(o: OptionsWorld, who: Signer, amount: bigint): Promise<void> {
  const usdc = o.w.d.tokens[USDC]!.connect(who) as TokenContract;
  await (await usdc.mint(await who.getAddress(), amount)).wait();
  await (await usdc.approve(await o.engine.getAddress(), amount)).wait();
  await (await o.engine.connect(who).deposit(USDC, amount, await o.w.d.oracle.currentEpoch(), nextCommitment++, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
}

/** A commitment no account holds yet (for an accepting verifier's update). */
export function freshCommitment(): bigint {
  return nextCommitment++;
}

/** With an accepting verifier: `who` trades `size` of series `j` (the engine's checks run; the proof is not). */
export async function tradeAccepted(o: OptionsWorld, who: Signer, j: number, size: bigint): Promise<ContractTransactionResponse> {
  return o.engine.connect(who).trade(j, size, await o.w.d.oracle.currentEpoch(), nextCommitment++, GARBAGE_NOTE, GARBAGE_PROOF);
}

/** A new epoch in which every source of `slot` is stale: the asset is frozen at its last valid price. */
export async function frozenEpoch(o: OptionsWorld, slot: number): Promise<void> {
  await frozenWorldEpoch(o.w, [slot]);
}
