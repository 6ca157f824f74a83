/**
 * The default development world the demo, the benchmark and the CLI use when no other is given:
 * three collateral assets with 6, 18 and 8 decimals and two perp markets. Mock tokens and price
 * sources stand in for real ones; nothing here is a production parameter.
 */
import type { AssetInfo } from "./assets.js";

/** A development collateral asset: a mintable token with price sources we control. */
export interface DevAssetSpec {
  symbol: string;
  decimals: number;
  /** Starting price, USD per whole token with 8 decimals. */
  price: bigint;
  /** Annualised volatility used as the oracle's starting variance (0.7 = 70%). */
  annualVol: number;
}

export const DEV_ASSETS: readonly DevAssetSpec[] = [
  { symbol: "USDC", decimals: 6, price: 1_00000000n, annualVol: 0.05 },
  { symbol: "WETH", decimals: 18, price: 3_000_00000000n, annualVol: 0.7 },
  { symbol: "WBTC", decimals: 8, price: 60_000_00000000n, annualVol: 0.55 },
];

/** Perp markets of the development world and their underlying asset slots. */
export const DEV_MARKETS: readonly { symbol: string; underlying: number }[] = [
  { symbol: "ETH-PERP", underlying: 1 },
  { symbol: "BTC-PERP", underlying: 2 },
];

/** The development assets as a registry (slot = position in DEV_ASSETS). */
export const DEV_REGISTRY: readonly AssetInfo[] = DEV_ASSETS.map((a, slot) => ({ symbol: a.symbol, slot, decimals: a.decimals }));

/** Solvency-lease timing of the development engine: a lease lapses a day after its epoch (or at a new
 *  oracle price regime) and may be renewed for an hour after that before anyone can force-close. */
export const DEV_LEASE = { maxAge: 86_400n, grace: 3_600n } as const;

/** Liquidation constants of the development engine: a partial liquidation restores the account halfway
 *  from maintenance to initial margin; the Dutch auction's bonus opens at 20% of the oracle's bound and
 *  reaches it in 30 minutes; a frozen account's debt may be seized a week after it froze. */
export const DEV_LIQUIDATION = { targetHealthBps: 5_000, auctionStartBps: 2_000, auctionDuration: 1_800n, seizeDelay: 604_800n } as const;
