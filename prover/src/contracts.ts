/**
 * The slices of the contracts' ABIs the TypeScript code calls, as ethers v6 Contract types.
 * (ethers' Contract indexes methods by string; these names make the calls type-check.)
 */
import type { Contract, ContractTransactionResponse } from "ethers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Call<R = any> = (...args: any[]) => Promise<R>;
type Send = Call<ContractTransactionResponse>;

export type EngineContract = Contract & {
  commitmentOf: Call<bigint>;
  emptyCommitment: Call<bigint>;
  settlementAsset: Call<bigint>;
  market: Call<string>;
  accountOf: Call<{ commitment: bigint; leaseEpoch: bigint; leaseTimestamp: bigint; leaseRegime: bigint; openMarkets: bigint; frozen: boolean; keeperId: bigint; portfolio: boolean }>;
  leaseOf: Call<[bigint, bigint, bigint] & { status: bigint; lapsesAt: bigint; closableAt: bigint }>;
  settlementOf: Call<{ basketDelta: bigint; owedToPool: bigint; owedToKeeper: bigint; bondKeeper: bigint }>;
  maxEpochAge: Call<bigint>;
  insuranceFund: Call<string>;
  forceClose: Send;
  settle: Send;
  liquidate: Send;
  liquidatePartial: Send;
  flagLiquidatable: Send;
  seizeFrozen: Send;
  distressOf: Call<{ flagEpoch: bigint; flaggedAt: bigint }>;
  targetHealthBps: Call<bigint>;
  auctionStartBps: Call<bigint>;
  auctionDuration: Call<bigint>;
  seizeDelay: Call<bigint>;
  keeperRegistry: Call<string>;
  positionOf: Call<{ size: bigint; entryPrice: bigint; fundingIndex: bigint }>;
  /** A market's funding index now (1e-16 USD per unit): what a trade or renewal at this epoch realises at. */
  fundingIndexOf: Call<bigint>;
  requirementOf: Call<bigint>;
  tokenOf: Call<string>;
  leaseMaxAge: Call<bigint>;
  leaseGrace: Call<bigint>;
  deposit: Send;
  withdraw: Send;
  trade: Send;
  renewLease: Send;
  absorbNote: Send;
  emitNote: Send;
  shieldedPool: Call<string>;
  /** Chooses simple (false) or portfolio (true) margin; no position may be open. */
  chooseMarginMode: Send;
  portfolioVerifier: Call<string>;
  /** The packed floors [lo, hi] a portfolio proof of the account must clear (initial: true, or maintenance). */
  portfolioFloorsOf: Call<[bigint, bigint]>;
};

export type OracleContract = Contract & {
  poke: Send;
  currentEpoch: Call<bigint>;
  currentRegime: Call<bigint>;
  regimeStartedAt: Call<bigint>;
  epoch: Call<{ timestamp: bigint; initialWeightsHash: bigint; maintenanceWeightsHash: bigint }>;
  weightVectors: Call<[bigint[], bigint[]]>;
  marketCount: Call<bigint>;
  assetCount: Call<bigint>;
  markPrice: Call<bigint>;
  /** An asset's mark (EMA of the clamped medians): maintenance weights and seizures use it. */
  assetMark: Call<bigint>;
  price: Call<bigint>;
  marketRatios: Call<[bigint, bigint]>;
  haircuts: Call<[bigint, bigint]>;
  liquidationBonus: Call<bigint>;
  /** price (the asset's mark: seizures are priced at it), decimals, bonus: what the engine's liquidation reads. */
  seizureQuote: Call<[bigint, bigint, bigint]>;
  asset: Call<[string, bigint]>;
  maxStaleness: Call<bigint>;
  breakerSamples: Call<bigint>;
  referencePrice: Call<bigint>;
  /** The lowest maintenance haircut of an asset since the regime started (WAD): the regime band's unit. */
  referenceBand: Call<bigint>;
  leaseBandWad: Call<bigint>;
  horizonSamples: Call<bigint>;
  gridSeconds: Call<bigint>;
  /** mark, initial ratio, maintenance ratio, halted (the underlying is frozen or cooling off). */
  marketQuote: Call<[bigint, bigint, bigint, boolean] & { mark: bigint; initialRatio: bigint; maintenanceRatio: bigint; halted: boolean }>;
  marketHalted: Call<boolean>;
  /** frozen, cooling-off samples left (see IPlimsollOracle.riskState). */
  riskState: Call<[boolean, bigint]>;
  /** The portfolio scenario grid's up weights: [initial, maintenance] (the down weights are `weightVectors`). */
  upWeightVectors: Call<[bigint[], bigint[]]>;
  /** number, timestamp, weightsHash, upHash, regime of the current epoch for the initial (false) or maintenance (true) grid. */
  currentScenarioParams: Call<[bigint, bigint, bigint, bigint, bigint]>;
  marketUnderlying: Call<bigint>;
  marginFloor: Call<bigint>;
};

export type TokenContract = Contract & {
  mint: Send;
  approve: Send;
  transfer: Send;
  balanceOf: Call<bigint>;
  totalSupply: Call<bigint>;
  decimals: Call<bigint>;
};

export type MarketContract = Contract & {
  addLiquidity: Send;
  removeLiquidity: Send;
  poolBalance: Call<bigint>;
  realisedPnl: Call<bigint>;
};

export type FeedContract = Contract & { setAnswer: Send };

export type KeeperRegistryContract = Contract & {
  register: Send;
  requestExit: Send;
  completeExit: Send;
  topUp: Send;
  bindEngine: Send;
  drawBond: Send;
  repayBond: Send;
  claim: Send;
  claimable: Call<bigint>;
  engine: Call<string>;
  keyOf: Call<[bigint, bigint]>;
  keeperOf: Call<{ owner: string; status: bigint; exitableAt: bigint; bondShort: boolean; x: bigint; y: bigint }>;
  isNameable: Call<boolean>;
  isBound: Call<boolean>;
  bondAmount: Call<bigint>;
  bondToken: Call<string>;
  bondOf: Call<bigint>;
  drawCap: Call<bigint>;
};

/** The engine's LeaseStatus enum. */
export const LeaseStatus = { Inactive: 0n, Current: 1n, Lapsed: 2n, Expired: 3n } as const;
