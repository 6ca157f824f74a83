/**
 * Reading the public state a margin decision depends on, for any account, with nothing but a
 * provider: the oracle's current epoch, its weight vectors (checked against the epoch's hashes),
 * the market quotes the engine prices positions at (`marketQuote`), and an account's positions.
 * Every read of one view is pinned to one block, so the pieces belong together.
 *
 * Also the ABI slices the keeper calls, as ethers v6 human-readable fragments (no build output is
 * needed to talk to a deployed engine); test/keeper/daemon.test.ts checks each one against the
 * compiled contracts.
 */
import { Contract, type ContractRunner } from "ethers";
import type { EngineContract, OracleContract } from "../contracts.js";
import { weightsHash } from "../encoding.js";
import type { MarketQuote, PositionState } from "../margin.js";
import type { SyncPoseidon } from "../poseidon.js";
import type { ChainView } from "../trader.js";

/** The engine functions, events and errors the keeper uses (subset of IMarginEngine / MarginEngine). */
export const ENGINE_KEEPER_ABI = [
  "function oracle() view returns (address)",
  "function keeperRegistry() view returns (address)",
  "function settlementAsset() view returns (uint8)",
  "function settlementToken() view returns (address)",
  "function quoteDecimals() view returns (uint8)",
  "function marketCount() view returns (uint256)",
  "function commitmentOf(address account) view returns (uint256)",
  "function accountOf(address account) view returns (tuple(uint256 commitment, uint64 leaseEpoch, uint64 leaseTimestamp, uint64 leaseRegime, uint8 openMarkets, bool frozen, uint40 keeperId, bool portfolio))",
  "function positionOf(address account, uint256 market_) view returns (tuple(int104 size, uint56 entryPrice, int96 fundingIndex))",
  "function fundingIndexOf(uint256 market_) view returns (int256)",
  "function leaseOf(address account) view returns (uint8 status, uint64 lapsesAt, uint64 closableAt)",
  "function forceClose(address account)",
  "function liquidate(address account, uint64 epoch, tuple(uint8 indexA, uint96 amountA, uint8 indexB, uint96 amountB) seizure, uint256 remainderCommitment, tuple(uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function liquidatePartial(address account, uint64 epoch, uint16 closeBps, uint16 bonusBps, tuple(uint8 indexA, uint96 amountA, uint8 indexB, uint96 amountB) seizure, uint256 remainderCommitment, tuple(uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function flagLiquidatable(address account, uint64 epoch, uint256 remainderCommitment, tuple(uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function seizeFrozen(address account, uint64 epoch, tuple(uint8 indexA, uint96 amountA, uint8 indexB, uint96 amountB) seizure, uint256 remainderCommitment, tuple(uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function settlementOf(address account) view returns (tuple(int128 basketDelta, uint128 owedToPool, uint128 owedToKeeper, uint64 bondKeeper))",
  "function distressOf(address account) view returns (tuple(uint64 flagEpoch, uint64 flaggedAt))",
  "function targetHealthBps() view returns (uint16)",
  "function auctionStartBps() view returns (uint16)",
  "function auctionDuration() view returns (uint64)",
  "function seizeDelay() view returns (uint64)",
  "function claimableOf(address liquidator, uint256 asset) view returns (uint256)",
  "function claim(uint256 asset, address to) returns (uint256 amount)",
  "event Claimed(address indexed liquidator, uint256 indexed asset, address to, uint256 amount)",
  "event KeeperNoteSent(address indexed account, uint64 indexed keeperId, uint64 indexed epoch, uint256 commitment, uint256[2] ephemeralKey, uint256[9] ciphertext)",
  "event Liquidated(address indexed account, address indexed liquidator, uint64 indexed epoch, int256 realisedPnl, uint8 indexA, uint256 amountA, uint8 indexB, uint256 amountB, uint256 payment, uint256 remainderCommitment)",
  "event PartiallyLiquidated(address indexed account, address indexed liquidator, uint64 indexed epoch, uint16 closeBps, int256 realisedPnl, uint8 indexA, uint256 amountA, uint8 indexB, uint256 amountB, uint256 payment, int256 basketDelta, uint256 remainderCommitment)",
  "event FrozenSeized(address indexed account, address indexed keeper, uint64 indexed epoch, uint8 indexA, uint256 amountA, uint8 indexB, uint256 amountB, uint256 repaidToPool, uint256 repaidToFund, uint256 remainderCommitment)",
  "event Flagged(address indexed account, address indexed flagger, uint64 indexed epoch)",
  "event ForceClosed(address indexed account, address indexed caller, uint64 indexed epoch, int256 realisedPnl, uint256 covered)",
  "error StaleEpoch(uint64 given, uint64 current)",
  "error OracleStale(uint64 epochTimestamp, uint256 maxEpochAge)",
  "error InvalidProof()",
  "error CommitmentNotInField(uint256 commitment)",
  "error UnknownAsset(uint256 asset)",
  "error RequirementTooLarge(uint256 requirement)",
  "error PnlTooLarge(int256 pnl)",
  "error Reentrancy()",
  "error NoOpenPosition(address account)",
  "error LeaseNotExpired(address account, uint256 closableAt)",
  "error DuplicateSeizure(uint8 index)",
  "error SeizureTooLarge(uint256 payment, uint256 loss)",
  "error CloseOutOfRange(uint256 closeBps)",
  "error DeltaSlot(uint8 indexB, uint8 settlementAsset)",
  "error BonusAboveAuction(uint256 bid, uint256 auction)",
  "error AlreadyFlagged(address account, uint64 flaggedAt)",
  "error NoDebt(address account, int256 basketDelta)",
  "error SeizureNotDue(address account, uint256 seizableAt)",
  "error AccountFrozen(address account, int256 basketDelta)",
  "error NothingToClaim(address liquidator, uint256 asset)",
] as const;

/** The oracle views the keeper reads (subset of IPlimsollOracle). */
export const ORACLE_KEEPER_ABI = [
  "function currentEpoch() view returns (uint64)",
  "function epoch(uint64 epochNumber) view returns (tuple(uint64 timestamp, uint256 initialWeightsHash, uint256 maintenanceWeightsHash))",
  "function weightVectors() view returns (uint256[16] initial, uint256[16] maintenance)",
  "function marketCount() view returns (uint256)",
  "function marketQuote(uint256 market) view returns (uint256 mark, uint256 initialRatio, uint256 maintenanceRatio, bool halted)",
  "function assetCount() view returns (uint256)",
  "function asset(uint256 slot) view returns (address token, uint8 decimals)",
  "function price(uint256 slot) view returns (uint256)",
  "function liquidationBonus(uint256 slot) view returns (uint256)",
  "function seizureQuote(uint256 slot) view returns (uint256 mark, uint8 decimals, uint256 bonus)",
] as const;

/** The keeper registry view the keeper reads (subset of IKeeperRegistry). */
export const REGISTRY_KEEPER_ABI = ["function keyOf(uint256 keeperId) view returns (uint256 x, uint256 y)"] as const;

/** The ERC-20 calls a liquidator makes on the settlement token. */
export const ERC20_KEEPER_ABI = [
  "function balanceOf(address owner) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Call<R = any> = (...args: any[]) => Promise<R>;

/** The engine as the keeper sees it: `EngineContract` plus the immutables it reads. */
export type KeeperEngineContract = EngineContract & {
  oracle: Call<string>;
  settlementToken: Call<string>;
  quoteDecimals: Call<bigint>;
  marketCount: Call<bigint>;
  claimableOf: Call<bigint>;
  claim: Call<{ wait(): Promise<{ hash: string; gasUsed: bigint }> }>;
};

/** The oracle as the keeper sees it: `OracleContract` plus the engine's one-call market quote. */
export type KeeperOracleContract = OracleContract & {
  marketQuote: Call<[bigint, bigint, bigint, boolean] & { mark: bigint; initialRatio: bigint; maintenanceRatio: bigint; halted: boolean }>;
};

/** The engine at `address` with the keeper's ABI slice. */
export function engineAt(address: string, runner: ContractRunner): KeeperEngineContract {
  return new Contract(address, ENGINE_KEEPER_ABI, runner) as unknown as KeeperEngineContract;
}

/** The oracle at `address` with the keeper's ABI slice. */
export function oracleAt(address: string, runner: ContractRunner): KeeperOracleContract {
  return new Contract(address, ORACLE_KEEPER_ABI, runner) as unknown as KeeperOracleContract;
}

/** A block to pin reads to (a number), or the latest block when undefined. */
export type ReadBlock = number | undefined;

/** One oracle epoch as the engine prices it: weight vectors and market quotes. */
export interface EpochSnapshot {
  epoch: bigint;
  initialWeights: bigint[];
  maintenanceWeights: bigint[];
  /** Per market: the mark and the ratios the engine's `_requirement` uses (`marketQuote`). */
  markets: MarketQuote[];
  /** The block every value was read at. */
  blockNumber: number;
}

/** Thrown when the oracle's weight vectors do not hash to what its epoch published. */
export class WeightsMismatchError extends Error {
  override name = "WeightsMismatchError";
  constructor(readonly epoch: bigint, readonly which: "initial" | "maintenance") {
    super(`the oracle's ${which} weight vector does not hash to epoch ${epoch}'s ${which}WeightsHash`);
  }
}

/**
 * Reads the oracle's current epoch at one block (`blockNumber`, default the latest): its number,
 * both weight vectors (each checked against the epoch's published hash) and every market's quote.
 * @throws WeightsMismatchError when a vector does not match its hash.
 */
export async function readEpochSnapshot(h: SyncPoseidon, oracle: KeeperOracleContract, blockNumber?: ReadBlock, engine?: EngineContract): Promise<EpochSnapshot> {
  const provider = oracle.runner?.provider;
  if (blockNumber === undefined && (provider === null || provider === undefined)) throw new Error("the oracle contract has no provider to read the latest block from");
  const blockTag = blockNumber ?? (await provider!.getBlockNumber());
  const at = { blockTag };
  const epoch = BigInt(await oracle.currentEpoch(at));
  const [info, vectors, count] = await Promise.all([oracle.epoch(epoch, at), oracle.weightVectors(at), oracle.marketCount(at)]);
  const initialWeights = [...(vectors[0] as readonly bigint[])].map(BigInt);
  const maintenanceWeights = [...(vectors[1] as readonly bigint[])].map(BigInt);
  if (weightsHash(h, initialWeights) !== BigInt(info.initialWeightsHash)) throw new WeightsMismatchError(epoch, "initial");
  if (weightsHash(h, maintenanceWeights) !== BigInt(info.maintenanceWeightsHash)) throw new WeightsMismatchError(epoch, "maintenance");
  const quotes = await Promise.all(Array.from({ length: Number(count) }, (_, j) => oracle.marketQuote(j, at)));
  // With the engine, each market's funding index now (what a liquidation at this epoch realises at).
  const indices = engine === undefined ? [] : await Promise.all(quotes.map((_, j) => engine.fundingIndexOf(j, at)));
  const markets = quotes.map((q, j): MarketQuote => ({ mark: BigInt(q[0]), imRatio: BigInt(q[1]), mmRatio: BigInt(q[2]), ...(engine === undefined ? {} : { fundingIndex: BigInt(indices[j]!) }) }));
  return { epoch, initialWeights, maintenanceWeights, markets, blockNumber: blockTag };
}

/**
 * The open positions of `account` (market index -> position) at one block. Only the markets in
 * `openMarkets` (the account's bitmask, `accountOf(account).openMarkets`) are read when given.
 */
export async function readPositions(
  engine: EngineContract,
  account: string,
  marketCount: number,
  blockNumber?: ReadBlock,
  openMarkets?: bigint,
): Promise<Map<number, PositionState>> {
  const at = blockNumber === undefined ? {} : { blockTag: blockNumber };
  const markets = Array.from({ length: marketCount }, (_, j) => j).filter((j) => openMarkets === undefined || ((openMarkets >> BigInt(j)) & 1n) === 1n);
  const read = await Promise.all(markets.map((j) => engine.positionOf(account, j, at)));
  const positions = new Map<number, PositionState>();
  markets.forEach((j, i) => {
    const p = read[i]!;
    if (BigInt(p.size) !== 0n) positions.set(j, { size: BigInt(p.size), entryPrice: BigInt(p.entryPrice), fundingIndex: BigInt(p.fundingIndex) });
  });
  return positions;
}

/**
 * The `ChainView` of any account (what `Trader.view()` gives its own account), every value read at
 * one block: the current epoch, its weight vectors, the market quotes, the account's positions and
 * the commitment a proof must open.
 */
export async function readChainView(
  h: SyncPoseidon,
  oracle: KeeperOracleContract,
  engine: EngineContract,
  account: string,
  blockNumber?: ReadBlock,
): Promise<ChainView> {
  const snapshot = await readEpochSnapshot(h, oracle, blockNumber, engine);
  const at = { blockTag: snapshot.blockNumber };
  const [positions, commitment] = await Promise.all([
    readPositions(engine, account, snapshot.markets.length, snapshot.blockNumber),
    engine.commitmentOf(account, at),
  ]);
  return viewOf(snapshot, positions, BigInt(commitment));
}

/** A `ChainView` from an epoch snapshot and one account's positions and commitment. */
export function viewOf(snapshot: EpochSnapshot, positions: Map<number, PositionState>, commitment: bigint): ChainView {
  return {
    epoch: snapshot.epoch,
    initialWeights: snapshot.initialWeights,
    maintenanceWeights: snapshot.maintenanceWeights,
    markets: snapshot.markets,
    positions,
    commitment,
  };
}
