/**
 * Everything needed to prove a reserves period without a chain: validation, sorting, the tree,
 * and per batch the circuit input and public signals; then the finalize input. (The clients'
 * inclusion proofs are in inclusion.ts.) Signal names and orders are those of
 * circuits/src/reserves.circom.
 */
import type { SyncPoseidon } from "../poseidon.js";
import { BATCH_SIZE, MAX_CLIENTS, N_ASSETS, SUM_BITS } from "./constants.js";
import { clientHealth, idHash, type LeafData, leafHash, randomSalt, validateClient } from "./leaf.js";
import { reserveWeightsHash, validateReserveWeights } from "./normalize.js";
import type { ClientBalances, ReserveWeights } from "./types.js";
import {
  applyBatch,
  frontierHash,
  genesisState,
  packReserves,
  packTagCount,
  packTagIndex,
  periodTag as makePeriodTag,
  type ReservesState,
  stateHash,
} from "./state.js";
import { buildTree, type MerkleTree } from "./tree.js";

/** Input of the batch circuit ReservesBatch(BATCH_SIZE, N_ASSETS, TREE_DEPTH) = (32, 16, 20), signal by signal. */
export type BatchCircuitInput = {
  stateIn: bigint;
  stateOut: bigint;
  reserveWeightsHash: bigint;
  tagIndex: bigint;
  periodTag: bigint;
  lastIdHashIn: bigint;
  rootIn: bigint;
  assetSumsIn: bigint[];
  liabilitySumsIn: bigint[];
  frontierIn: bigint[];
  idHash: bigint[];
  salt: bigint[];
  assets: bigint[][];
  liabilities: bigint[][];
  isReal: bigint[];
  assetWeights: bigint[];
  liabilityWeights: bigint[];
};

/** Input of the finalize circuit ReservesFinalize(16), signal by signal. */
export type FinalizeCircuitInput = {
  stateFinal: bigint;
  root: bigint;
  tagCount: bigint;
  /** The 6 packed reserves (public). */
  reserves: bigint[];
  periodTag: bigint;
  lastIdHash: bigint;
  frontierHash: bigint;
  assetSums: bigint[];
  liabilitySums: bigint[];
  /** The 16 reserves, normalised units (private). */
  reserveAmounts: bigint[];
};

/** One batch proof of a period. */
export interface BatchPlan {
  batchIndex: number;
  /** Index in plan.leaves (and in the tree) of this batch's first client. */
  firstLeaf: number;
  /** Number of real clients in this batch (BATCH_SIZE except in a partial last batch). */
  clients: number;
  /** Public: stateHash before the batch. */
  stateIn: bigint;
  /** Public: stateHash after the batch. */
  stateOut: bigint;
  /** Public: periodTag * 2^32 + batchIndex. */
  tagIndex: bigint;
  /** The states stateIn and stateOut open to. */
  before: ReservesState;
  after: ReservesState;
  /** Root of this batch's BATCH_SIZE leaves. */
  subtreeRoot: bigint;
  /** The circuit input (public and private signals). */
  input: BatchCircuitInput;
  /** [stateIn, stateOut, reserveWeightsHash, tagIndex]: what the verifier gets, in order. */
  publicSignals: bigint[];
}

/** The finalize proof of a period. */
export interface FinalizePlan {
  /** Public: stateHash of the last batch's stateOut. */
  stateFinal: bigint;
  /** Public: the client-tree root. */
  root: bigint;
  /** Public: periodTag * 2^32 + clientCount. */
  tagCount: bigint;
  /** The 16 reserves, normalised units. */
  reserves: bigint[];
  /** Public: the 6 packed reserves. */
  packedReserves: bigint[];
  input: FinalizeCircuitInput;
  /** [stateFinal, root, tagCount, reserves0, ..., reserves5], in order. */
  publicSignals: bigint[];
}

/** Options of planPeriod. */
export interface PlanPeriodOptions {
  /** The custodian's address (0x + 40 hex digits, or an integer below 2^160). */
  custodian: string | bigint;
  /** Period number, 0 <= periodIndex < 2^32. */
  periodIndex: number | bigint;
  /** The clients, in any order, balances in normalised units (normalize.ts). 1 .. 2^20 of them. */
  clients: readonly ClientBalances[];
  /** The epoch's reserve weights (reserveWeights() of the oracle's prices and maintenance haircuts). */
  weights: ReserveWeights;
  /** Synchronous Poseidon (await initPoseidon()). */
  h: SyncPoseidon;
  /**
   * Per-asset reserves in normalised units (< 2^84 each; normalizeReserves() converts base units).
   * Default: exactly the clients' net balance per asset, max(0, assetSum - liabilitySum).
   * Each must cover that net balance, else planPeriod throws.
   */
  reserves?: readonly bigint[];
}

/** A period, ready to prove. */
export interface PeriodPlan {
  custodian: string | bigint;
  periodIndex: number;
  periodTag: bigint;
  clientCount: number;
  weights: ReserveWeights;
  reserveWeightsHash: bigint;
  /** The clients' leaves, sorted by idHash (tree order; leaf i is at index i). */
  leaves: LeafData[];
  /** leafHash of each entry of `leaves`. */
  leafHashes: bigint[];
  tree: MerkleTree;
  root: bigint;
  /** Per-asset totals over all clients, normalised units. */
  sums: { assets: bigint[]; liabilities: bigint[] };
  batches: BatchPlan[];
  final: FinalizePlan;
}

/** The input and public signals of one batch: `leaves` (<= BATCH_SIZE real clients, validated, sorted) appended to `before`. */
export function buildBatch(h: SyncPoseidon, before: ReservesState, leaves: readonly LeafData[], weights: ReserveWeights): BatchPlan {
  const transition = applyBatch(h, before, leaves);
  const after = transition.state;
  const stateIn = stateHash(h, before);
  const stateOut = stateHash(h, after);
  const rwh = reserveWeightsHash(h, weights.assetWeights, weights.liabilityWeights);
  const tagIndex = packTagIndex(before.periodTag, transition.batchIndex);
  const pad = <T>(values: T[], filler: () => T): T[] => [...values, ...Array.from({ length: BATCH_SIZE - values.length }, filler)];
  const zeros = (): bigint[] => Array<bigint>(N_ASSETS).fill(0n);
  const input: BatchCircuitInput = {
    stateIn,
    stateOut,
    reserveWeightsHash: rwh,
    tagIndex,
    periodTag: before.periodTag,
    lastIdHashIn: before.lastIdHash,
    rootIn: before.root,
    assetSumsIn: [...before.assetSums],
    liabilitySumsIn: [...before.liabilitySums],
    frontierIn: [...before.frontier],
    idHash: pad(leaves.map((l) => l.idHash), () => 0n),
    salt: pad(leaves.map((l) => l.salt), () => 0n),
    assets: pad(leaves.map((l) => [...l.assets]), zeros),
    liabilities: pad(leaves.map((l) => [...l.liabilities]), zeros),
    isReal: pad(leaves.map(() => 1n), () => 0n),
    assetWeights: [...weights.assetWeights],
    liabilityWeights: [...weights.liabilityWeights],
  };
  return {
    batchIndex: transition.batchIndex,
    firstLeaf: before.count,
    clients: leaves.length,
    stateIn,
    stateOut,
    tagIndex,
    before,
    after,
    subtreeRoot: transition.subtreeRoot,
    input,
    publicSignals: [stateIn, stateOut, rwh, tagIndex],
  };
}

/** The finalize input for a final state and per-asset reserves (normalised units, < 2^84). Does not check coverage. */
export function buildFinalize(h: SyncPoseidon, state: ReservesState, reserves: readonly bigint[]): FinalizePlan {
  const packedReserves = packReserves(reserves);
  const stateFinal = stateHash(h, state);
  const tagCount = packTagCount(state.periodTag, state.count);
  const input: FinalizeCircuitInput = {
    stateFinal,
    root: state.root,
    tagCount,
    reserves: packedReserves,
    periodTag: state.periodTag,
    lastIdHash: state.lastIdHash,
    frontierHash: frontierHash(h, state.frontier),
    assetSums: [...state.assetSums],
    liabilitySums: [...state.liabilitySums],
    reserveAmounts: [...reserves],
  };
  return {
    stateFinal,
    root: state.root,
    tagCount,
    reserves: [...reserves],
    packedReserves,
    input,
    publicSignals: [stateFinal, state.root, tagCount, ...packedReserves],
  };
}

/**
 * Plans a whole period: validates every client (errors name the client and the field), sorts the
 * leaves by idHash, builds the tree, chains the batches from the genesis and builds the finalize
 * input. Checks that each client is healthy and the reserves cover every asset.
 */
export function planPeriod(options: PlanPeriodOptions): PeriodPlan {
  const { h, clients, weights } = options;
  if (typeof h !== "function") throw new TypeError("h is not a Poseidon function (await initPoseidon())");
  const tag = makePeriodTag(options.custodian, options.periodIndex);
  validateReserveWeights(weights);
  if (!Array.isArray(clients) || clients.length === 0) throw new RangeError("clients is empty: a period has at least one client");
  if (clients.length > MAX_CLIENTS) throw new RangeError(`${clients.length} clients exceed the tree's ${MAX_CLIENTS}`);

  const byId = new Map<string, number>();
  const byHash = new Map<bigint, number>();
  const leaves: LeafData[] = clients.map((client, i) => {
    const field = `clients[${i}]`;
    validateClient(client, field);
    const name = `${field} (id ${JSON.stringify(client.id)})`;
    const seen = byId.get(client.id);
    if (seen !== undefined) throw new RangeError(`${name} duplicates clients[${seen}]: the same client twice`);
    byId.set(client.id, i);
    const hash = idHash(client.id);
    const other = byHash.get(hash);
    if (other !== undefined) throw new RangeError(`${name}.id has the same idHash as clients[${other}]`);
    if (hash === 0n) throw new RangeError(`${name}.id hashes to 0, which the tree cannot hold`);
    byHash.set(hash, i);
    const health = clientHealth(client, weights);
    if (!health.healthy) {
      throw new RangeError(`${name} is under maintenance: collateral ${health.collateral} < requirement ${health.requirement} (1e-30 USD)`);
    }
    return { id: client.id, idHash: hash, salt: client.salt ?? randomSalt(), assets: [...client.assets], liabilities: [...client.liabilities] };
  });
  leaves.sort((a, b) => (a.idHash < b.idHash ? -1 : a.idHash > b.idHash ? 1 : 0));

  const leafHashes = leaves.map((leaf) => leafHash(h, leaf));
  const tree = buildTree(h, leafHashes);

  const batches: BatchPlan[] = [];
  let state = genesisState(h, tag);
  for (let first = 0; first < leaves.length; first += BATCH_SIZE) {
    const batch = buildBatch(h, state, leaves.slice(first, first + BATCH_SIZE), weights);
    batches.push(batch);
    state = batch.after;
  }
  if (state.root !== tree.root) throw new Error("internal: the batch chain's root differs from the tree root");

  const net = state.assetSums.map((a, i) => a - state.liabilitySums[i]!);
  let reserves: bigint[];
  if (options.reserves === undefined) {
    reserves = net.map((x) => (x > 0n ? x : 0n));
  } else {
    reserves = [...options.reserves];
    if (reserves.length !== N_ASSETS) throw new RangeError(`reserves has ${reserves.length} entries, expected ${N_ASSETS}`);
    reserves.forEach((r, i) => {
      if (typeof r !== "bigint" || r < 0n || r >= 1n << BigInt(SUM_BITS)) throw new RangeError(`reserves[${i}] = ${r} is outside [0, 2^${SUM_BITS})`);
      if (r < net[i]!) throw new RangeError(`reserves[${i}] = ${r} is below the clients' net balance ${net[i]} (assets ${state.assetSums[i]} - liabilities ${state.liabilitySums[i]})`);
    });
  }

  return {
    custodian: options.custodian,
    periodIndex: Number(options.periodIndex),
    periodTag: tag,
    clientCount: leaves.length,
    weights: { assetWeights: [...weights.assetWeights], liabilityWeights: [...weights.liabilityWeights] },
    reserveWeightsHash: reserveWeightsHash(h, weights.assetWeights, weights.liabilityWeights),
    leaves,
    leafHashes,
    tree,
    root: tree.root,
    sums: { assets: [...state.assetSums], liabilities: [...state.liabilitySums] },
    batches,
    final: buildFinalize(h, state, reserves),
  };
}
