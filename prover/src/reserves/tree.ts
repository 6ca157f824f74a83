/**
 * The client tree of a reserves period: a binary Merkle tree of depth 20, node =
 * Poseidon(2)(left, right), leaves at indices 0 .. n-1 (sorted by idHash), every other leaf 0.
 * Empty subtrees hash to Z_k: Z_0 = 0, Z_{k+1} = Poseidon(Z_k, Z_k).
 * Twin of circuits/src/reserves_tree.circom (RESERVES_ZERO_HASH, MerkleSubtreeRoot).
 */
import type { SyncPoseidon } from "../poseidon.js";
import { FIELD_MODULUS, TREE_DEPTH } from "./constants.js";

const zeroCache = new WeakMap<SyncPoseidon, bigint[]>();

/** Z_0 .. Z_depth: Z_0 = 0, Z_{k+1} = Poseidon(2)(Z_k, Z_k). */
export function zeroHashes(h: SyncPoseidon, depth: number = TREE_DEPTH): bigint[] {
  let zs = zeroCache.get(h);
  if (zs === undefined || zs.length <= depth) {
    zs = [0n];
    for (let k = 0; k < Math.max(depth, 32); k++) zs.push(h([zs[k]!, zs[k]!]));
    zeroCache.set(h, zs);
  }
  return zs.slice(0, depth + 1);
}

/** An authentication path: siblings[k] is the sibling at level k (0 = leaf level). */
export interface MerklePath {
  /** depth siblings, leaf level first. */
  siblings: bigint[];
  /** pathBits[k] = bit k of the index: 0 when the node at level k is a left child, 1 when right. */
  pathBits: number[];
}

/** A built tree. Only the non-empty part is stored; everything else is Z. */
export interface MerkleTree {
  readonly depth: number;
  /** Number of leaves given (the rest are 0). */
  readonly leafCount: number;
  readonly root: bigint;
  /** levels[k][i]: node i of level k (level 0 = leaves), for the non-empty prefix of each level. */
  readonly levels: readonly (readonly bigint[])[];
  /** The leaf at `index` (0 past the last). */
  leaf(index: number): bigint;
  /** The authentication path of leaf `index` (0 <= index < 2^depth). */
  path(index: number): MerklePath;
}

function checkIndex(index: number, depth: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** depth) throw new RangeError(`leaf index ${index} is outside [0, 2^${depth})`);
}

/** Builds the tree over `leaves` (indices 0 .. n-1; every later leaf is 0). */
export function buildTree(h: SyncPoseidon, leaves: readonly bigint[], depth: number = TREE_DEPTH): MerkleTree {
  if (!Number.isInteger(depth) || depth < 1 || depth > 32) throw new RangeError(`tree depth ${depth} is outside [1, 32]`);
  if (leaves.length > 2 ** depth) throw new RangeError(`${leaves.length} leaves do not fit a tree of depth ${depth}`);
  leaves.forEach((x, i) => {
    if (typeof x !== "bigint" || x < 0n || x >= FIELD_MODULUS) throw new RangeError(`leaves[${i}] is not a field element`);
  });
  const zs = zeroHashes(h, depth);
  const levels: bigint[][] = [[...leaves]];
  for (let k = 0; k < depth; k++) {
    const below = levels[k]!;
    const row: bigint[] = [];
    for (let i = 0; i < below.length; i += 2) row.push(h([below[i]!, below[i + 1] ?? zs[k]!]));
    levels.push(row);
  }
  const root = levels[depth]![0] ?? zs[depth]!;
  return {
    depth,
    leafCount: leaves.length,
    root,
    levels,
    leaf(index) {
      checkIndex(index, depth);
      return levels[0]![index] ?? 0n;
    },
    path(index) {
      checkIndex(index, depth);
      const siblings: bigint[] = [];
      const pathBits: number[] = [];
      for (let k = 0; k < depth; k++) {
        const i = Math.floor(index / 2 ** k);
        pathBits.push(i % 2);
        siblings.push(levels[k]![i ^ 1] ?? zs[k]!);
      }
      return { siblings, pathBits };
    },
  };
}

/** The root a leaf at `index` with these siblings (leaf level first) hashes up to. */
export function computeRoot(h: SyncPoseidon, leaf: bigint, index: number, siblings: readonly bigint[]): bigint {
  checkIndex(index, siblings.length);
  let node = leaf;
  for (let k = 0; k < siblings.length; k++) {
    const right = Math.floor(index / 2 ** k) % 2 === 1;
    node = right ? h([siblings[k]!, node]) : h([node, siblings[k]!]);
  }
  return node;
}

/** True when `leaf` at `index` with `siblings` (one per level, TREE_DEPTH of them) hashes to `root`. */
export function verifyPath(h: SyncPoseidon, leaf: bigint, index: number, siblings: readonly bigint[], root: bigint): boolean {
  if (siblings.length !== TREE_DEPTH) return false;
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** TREE_DEPTH) return false;
  if ([leaf, root, ...siblings].some((x) => typeof x !== "bigint" || x < 0n || x >= FIELD_MODULUS)) return false;
  return computeRoot(h, leaf, index, siblings) === root;
}
