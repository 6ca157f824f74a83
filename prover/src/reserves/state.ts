/**
 * The state chain of a reserves period, batch by batch: the state tuple, its hash, the
 * incremental-Merkle frontier, and the public packings (periodTag, tagIndex, tagCount, reserves).
 * Twin of ReservesBatch / ReservesFinalize in circuits/src/reserves.circom.
 *
 * state tuple = (periodTag, count, lastIdHash, sumsHash, frontierHash, root)
 * stateHash   = Poseidon(6)(tuple)
 * sumsHash    = Poseidon(2)(Poseidon(16)(assetSums), Poseidon(16)(liabilitySums))
 * frontierHash = Poseidon(16)(frontier), frontier[k] = last left node of level BATCH_LEVELS + k
 * Genesis (count 0): lastIdHash 0, sums 0, frontier[k] = Z_{4+k}, root 0.
 */
import type { SyncPoseidon } from "../poseidon.js";
import {
  BATCH_LEVELS,
  BATCH_SIZE,
  FIELD_MODULUS,
  FRONTIER_SIZE,
  ID_HASH_BITS,
  INDEX_BITS,
  INDEX_LIMIT,
  MAX_BATCHES,
  N_ASSETS,
  PACKED_RESERVES,
  PERIOD_TAG_BITS,
  SUM_BITS,
  SUM_LIMIT,
} from "./constants.js";
import { type LeafData, leafHash } from "./leaf.js";
import { zeroHashes } from "./tree.js";


/** The state after some batches of a period (what a stateHash opens to, with sums and frontier spelled out). */
export interface ReservesState {
  /** (uint160(custodian) << 32) | periodIndex. */
  periodTag: bigint;
  /** Clients so far (a multiple of BATCH_SIZE except after a partial last batch). */
  count: number;
  /** idHash of the last client so far (0 at genesis). */
  lastIdHash: bigint;
  /** Per asset slot, running total of the clients' asset balances (normalised units, < 2^84). */
  assetSums: bigint[];
  /** Per asset slot, running total of the clients' liability balances (normalised units, < 2^84). */
  liabilitySums: bigint[];
  /** FRONTIER_SIZE (15) incremental-Merkle left nodes, levels BATCH_LEVELS (5) .. 19. */
  frontier: bigint[];
  /** Root of the tree with every client so far and empty leaves after (0 at genesis). */
  root: bigint;
}

/** periodTag = (uint160(custodian) << 32) | periodIndex, 192 bits. */
export function periodTag(custodian: string | bigint, periodIndex: number | bigint): bigint {
  let address: bigint;
  if (typeof custodian === "string") {
    if (!/^0x[0-9a-fA-F]{40}$/.test(custodian)) throw new RangeError(`custodian ${JSON.stringify(custodian)} is not a 20-byte hex address`);
    address = BigInt(custodian);
  } else {
    address = custodian;
  }
  if (address < 0n || address >= 1n << 160n) throw new RangeError(`custodian ${address} is not below 2^160`);
  const index = BigInt(periodIndex);
  if (index < 0n || index >= INDEX_LIMIT) throw new RangeError(`periodIndex ${periodIndex} is outside [0, 2^${INDEX_BITS})`);
  return (address << BigInt(INDEX_BITS)) | index;
}

function checkPeriodTag(tag: bigint): void {
  if (tag < 0n || tag >= 1n << BigInt(PERIOD_TAG_BITS)) throw new RangeError(`periodTag ${tag} is outside [0, 2^${PERIOD_TAG_BITS})`);
}

/** tagIndex = periodTag * 2^32 + batchIndex (224 bits): the batch circuit's 4th public input. */
export function packTagIndex(tag: bigint, batchIndex: number): bigint {
  checkPeriodTag(tag);
  if (!Number.isSafeInteger(batchIndex) || batchIndex < 0 || batchIndex >= MAX_BATCHES) throw new RangeError(`batchIndex ${batchIndex} is outside [0, ${MAX_BATCHES})`);
  return (tag << BigInt(INDEX_BITS)) + BigInt(batchIndex);
}

/** Inverse of packTagIndex / packTagCount: the high 192 bits and the low 32 bits. */
export function unpackTag(packed: bigint): { periodTag: bigint; low: number } {
  if (packed < 0n || packed >= 1n << BigInt(PERIOD_TAG_BITS + INDEX_BITS)) throw new RangeError(`packed tag ${packed} is outside 224 bits`);
  return { periodTag: packed >> BigInt(INDEX_BITS), low: Number(packed & (INDEX_LIMIT - 1n)) };
}

/** tagCount = periodTag * 2^32 + clientCount: the finalize circuit's 3rd public input. */
export function packTagCount(tag: bigint, clientCount: number): bigint {
  checkPeriodTag(tag);
  if (!Number.isSafeInteger(clientCount) || clientCount < 0 || BigInt(clientCount) >= INDEX_LIMIT) throw new RangeError(`clientCount ${clientCount} is outside [0, 2^${INDEX_BITS})`);
  return (tag << BigInt(INDEX_BITS)) + BigInt(clientCount);
}

/** The 16 per-asset reserves (normalised units, each < 2^84) packed three per element: 6 public inputs. */
export function packReserves(reserves: readonly bigint[]): bigint[] {
  if (reserves.length !== N_ASSETS) throw new RangeError(`reserves has ${reserves.length} entries, expected ${N_ASSETS}`);
  reserves.forEach((r, i) => {
    if (typeof r !== "bigint" || r < 0n || r >= SUM_LIMIT) throw new RangeError(`reserves[${i}] = ${r} is outside [0, 2^${SUM_BITS})`);
  });
  const out: bigint[] = [];
  for (let k = 0; k < PACKED_RESERVES; k++) {
    let packed = 0n;
    for (let m = 0; m < 3 && 3 * k + m < N_ASSETS; m++) packed += reserves[3 * k + m]! << BigInt(SUM_BITS * m);
    out.push(packed);
  }
  return out;
}

/** Inverse of packReserves. */
export function unpackReserves(packed: readonly bigint[]): bigint[] {
  if (packed.length !== PACKED_RESERVES) throw new RangeError(`packed reserves has ${packed.length} entries, expected ${PACKED_RESERVES}`);
  const out: bigint[] = [];
  for (let i = 0; i < N_ASSETS; i++) out.push((packed[Math.floor(i / 3)]! >> BigInt(SUM_BITS * (i % 3))) & (SUM_LIMIT - 1n));
  return out;
}

/** sumsHash = Poseidon(2)(Poseidon(16)(assetSums), Poseidon(16)(liabilitySums)). */
export function sumsHash(h: SyncPoseidon, assetSums: readonly bigint[], liabilitySums: readonly bigint[]): bigint {
  if (assetSums.length !== N_ASSETS || liabilitySums.length !== N_ASSETS) throw new RangeError(`sums have ${N_ASSETS} entries each`);
  return h([h(assetSums), h(liabilitySums)]);
}

/** frontierHash = Poseidon(16)(frontier). */
export function frontierHash(h: SyncPoseidon, frontier: readonly bigint[]): bigint {
  if (frontier.length !== FRONTIER_SIZE) throw new RangeError(`frontier has ${frontier.length} entries, expected ${FRONTIER_SIZE}`);
  return h(frontier);
}

/** The six elements a stateHash commits to. */
export function stateTuple(h: SyncPoseidon, state: ReservesState): bigint[] {
  return [
    state.periodTag,
    BigInt(state.count),
    state.lastIdHash,
    sumsHash(h, state.assetSums, state.liabilitySums),
    frontierHash(h, state.frontier),
    state.root,
  ];
}

/** stateHash = Poseidon(6)(periodTag, count, lastIdHash, sumsHash, frontierHash, root). */
export function stateHash(h: SyncPoseidon, state: ReservesState): bigint {
  return h(stateTuple(h, state));
}

/** The initial frontier: frontier[k] = Z_{BATCH_LEVELS + k} (Z_4 .. Z_19). */
export function genesisFrontier(h: SyncPoseidon): bigint[] {
  return zeroHashes(h).slice(BATCH_LEVELS, BATCH_LEVELS + FRONTIER_SIZE);
}

/** The state of a period before its first batch. */
export function genesisState(h: SyncPoseidon, tag: bigint): ReservesState {
  checkPeriodTag(tag);
  return {
    periodTag: tag,
    count: 0,
    lastIdHash: 0n,
    assetSums: Array<bigint>(N_ASSETS).fill(0n),
    liabilitySums: Array<bigint>(N_ASSETS).fill(0n),
    frontier: genesisFrontier(h),
    root: 0n,
  };
}

/** Root of the BATCH_SIZE leaf hashes of one batch (padding leaves are 0). */
export function subtreeRoot(h: SyncPoseidon, leafHashes: readonly bigint[]): bigint {
  if (leafHashes.length !== BATCH_SIZE) throw new RangeError(`a batch has ${BATCH_SIZE} leaves, got ${leafHashes.length}`);
  let row = [...leafHashes];
  while (row.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(h([row[i]!, row[i + 1]!]));
    row = next;
  }
  return row[0]!;
}

/**
 * Appends a batch subtree root at `batchIndex` (incremental Merkle tree over levels 4 .. 19):
 * for each level k, bit = bit k of batchIndex; left = bit ? frontier[k] : node,
 * right = bit ? node : Z_{4+k}; frontier'[k] = left; node = Poseidon(left, right).
 */
export function appendSubtree(h: SyncPoseidon, frontier: readonly bigint[], batchIndex: number, root: bigint): { frontier: bigint[]; root: bigint } {
  if (!Number.isSafeInteger(batchIndex) || batchIndex < 0 || batchIndex >= MAX_BATCHES) throw new RangeError(`batchIndex ${batchIndex} is outside [0, ${MAX_BATCHES})`);
  if (frontier.length !== FRONTIER_SIZE) throw new RangeError(`frontier has ${frontier.length} entries, expected ${FRONTIER_SIZE}`);
  const zs = zeroHashes(h);
  const next: bigint[] = [];
  let node = root;
  for (let k = 0; k < FRONTIER_SIZE; k++) {
    const bit = Math.floor(batchIndex / 2 ** k) % 2;
    const left = bit === 1 ? frontier[k]! : node;
    const right = bit === 1 ? node : zs[BATCH_LEVELS + k]!;
    next.push(left);
    node = h([left, right]);
  }
  return { frontier: next, root: node };
}

/** Result of applying one batch to a state. */
export interface BatchTransition {
  batchIndex: number;
  /** The BATCH_SIZE leaf hashes (0 for padding). */
  leafHashes: bigint[];
  subtreeRoot: bigint;
  state: ReservesState;
}

/**
 * The TypeScript model of one batch proof: appends `leaves` (at most BATCH_SIZE real clients,
 * sorted by idHash, each above state.lastIdHash) to `state`, whose count must be a multiple of
 * BATCH_SIZE. Balances must already be validated.
 */
export function applyBatch(h: SyncPoseidon, state: ReservesState, leaves: readonly LeafData[]): BatchTransition {
  if (state.count % BATCH_SIZE !== 0) throw new RangeError(`state holds ${state.count} clients: a batch can only follow a full batch`);
  if (leaves.length > BATCH_SIZE) throw new RangeError(`a batch holds at most ${BATCH_SIZE} clients, got ${leaves.length}`);
  const batchIndex = state.count / BATCH_SIZE;
  let last = state.lastIdHash;
  for (const leaf of leaves) {
    if (leaf.idHash <= last) throw new RangeError(`client ${JSON.stringify(leaf.id)}: idHash is not above the previous client's (same client twice, or not sorted)`);
    if (leaf.idHash >= 1n << BigInt(ID_HASH_BITS)) throw new RangeError(`client ${JSON.stringify(leaf.id)}: idHash is not below 2^${ID_HASH_BITS}`);
    if (leaf.salt < 0n || leaf.salt >= FIELD_MODULUS) throw new RangeError(`client ${JSON.stringify(leaf.id)}: salt is not a field element`);
    last = leaf.idHash;
  }
  const leafHashes = leaves.map((leaf) => leafHash(h, leaf));
  while (leafHashes.length < BATCH_SIZE) leafHashes.push(0n);
  const sub = subtreeRoot(h, leafHashes);
  const appended = appendSubtree(h, state.frontier, batchIndex, sub);
  const assetSums = state.assetSums.map((s, i) => leaves.reduce((acc, leaf) => acc + leaf.assets[i]!, s));
  const liabilitySums = state.liabilitySums.map((s, i) => leaves.reduce((acc, leaf) => acc + leaf.liabilities[i]!, s));
  return {
    batchIndex,
    leafHashes,
    subtreeRoot: sub,
    state: {
      periodTag: state.periodTag,
      count: state.count + leaves.length,
      lastIdHash: last,
      assetSums,
      liabilitySums,
      frontier: appended.frontier,
      root: appended.root,
    },
  };
}
