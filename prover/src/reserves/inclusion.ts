/**
 * A client's inclusion proof: its leaf data (id, salt, balances), its index and its Merkle path in
 * a period's tree, what checking it means, and its JSON file form.
 */
import type { SyncPoseidon } from "../poseidon.js";
import { BALANCE_BITS, FIELD_MODULUS, N_ASSETS, TREE_DEPTH } from "./constants.js";
import { idHash, leafHash } from "./leaf.js";
import { verifyPath } from "./tree.js";
import type { PeriodPlan } from "./witness.js";

/** What a client keeps to check that it is in the published tree. */
export interface InclusionProof {
  id: string;
  idHash: bigint;
  salt: bigint;
  assets: bigint[];
  liabilities: bigint[];
  /** The leaf hash. */
  leaf: bigint;
  /** Leaf index (position in idHash order). */
  index: number;
  /** TREE_DEPTH siblings, leaf level first. */
  siblings: bigint[];
  /** pathBits[k] = bit k of index (1: the node is a right child). */
  pathBits: number[];
  /** The root the path leads to (compare with the published one). */
  root: bigint;
  periodTag: bigint;
  clientCount: number;
}

/** JSON form of an InclusionProof (a client's file): every bigint as a decimal string. */
export interface InclusionProofJson {
  id: string;
  idHash: string;
  salt: string;
  assets: string[];
  liabilities: string[];
  leaf: string;
  index: number;
  siblings: string[];
  pathBits: number[];
  root: string;
  periodTag: string;
  clientCount: number;
}

/** A client's inclusion proof: its leaf data, index and path in the plan's tree. */
export function inclusionProof(plan: PeriodPlan, id: string): InclusionProof {
  const target = idHash(id);
  // Leaves are sorted by idHash: binary search.
  let lo = 0;
  let hi = plan.leaves.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const leaf = plan.leaves[mid]!;
    if (leaf.idHash === target) {
      const path = plan.tree.path(mid);
      return {
        id: leaf.id,
        idHash: leaf.idHash,
        salt: leaf.salt,
        assets: [...leaf.assets],
        liabilities: [...leaf.liabilities],
        leaf: plan.leafHashes[mid]!,
        index: mid,
        siblings: path.siblings,
        pathBits: path.pathBits,
        root: plan.root,
        periodTag: plan.periodTag,
        clientCount: plan.clientCount,
      };
    }
    if (leaf.idHash < target) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new RangeError(`no client with id ${JSON.stringify(id)} in this period`);
}

/**
 * Why an inclusion proof does not show `proof.id` with these balances under `root`, or undefined
 * when it does: idHash, balances (< 2^64), leaf hash, index below the client count, path.
 */
export function checkInclusion(h: SyncPoseidon, proof: InclusionProof, root: bigint): string | undefined {
  if (idHash(proof.id) !== proof.idHash) return "idHash is not sha256(id) >> 8";
  for (const key of ["assets", "liabilities"] as const) {
    const v = proof[key];
    if (!Array.isArray(v) || v.length !== N_ASSETS) return `${key} does not have ${N_ASSETS} entries`;
    const bad = v.findIndex((x) => typeof x !== "bigint" || x < 0n || x >= 1n << BigInt(BALANCE_BITS));
    if (bad >= 0) return `${key}[${bad}] is outside [0, 2^${BALANCE_BITS})`;
  }
  if (proof.salt < 0n || proof.salt >= FIELD_MODULUS) return "salt is not a field element";
  if (leafHash(h, proof) !== proof.leaf) return "leaf is not the hash of the id, salt and balances";
  if (!Number.isSafeInteger(proof.index) || proof.index < 0 || proof.index >= proof.clientCount) return `index ${proof.index} is not below the client count ${proof.clientCount}`;
  if (proof.siblings.length !== TREE_DEPTH) return `the path has ${proof.siblings.length} siblings, expected ${TREE_DEPTH}`;
  if (!verifyPath(h, proof.leaf, proof.index, proof.siblings, root)) return "the path does not lead to the root";
  return undefined;
}

/** True when the proof shows its client, with its balances, at its index under `root` (default proof.root). */
export function verifyInclusion(h: SyncPoseidon, proof: InclusionProof, root: bigint = proof.root): boolean {
  return checkInclusion(h, proof, root) === undefined;
}

/** The JSON file form of an inclusion proof. */
export function inclusionProofToJson(proof: InclusionProof): InclusionProofJson {
  const s = (x: bigint): string => x.toString();
  return {
    id: proof.id,
    idHash: s(proof.idHash),
    salt: s(proof.salt),
    assets: proof.assets.map(s),
    liabilities: proof.liabilities.map(s),
    leaf: s(proof.leaf),
    index: proof.index,
    siblings: proof.siblings.map(s),
    pathBits: [...proof.pathBits],
    root: s(proof.root),
    periodTag: s(proof.periodTag),
    clientCount: proof.clientCount,
  };
}

/** Parses the JSON file form; errors name the field. Does not verify (use verifyInclusion). */
export function inclusionProofFromJson(json: unknown): InclusionProof {
  if (typeof json !== "object" || json === null) throw new TypeError("inclusion proof is not an object");
  const o = json as Record<string, unknown>;
  const big = (field: string, v: unknown): bigint => {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw new TypeError(`inclusion proof ${field} is not a decimal string`);
    return BigInt(v);
  };
  const bigs = (field: string, n: number): bigint[] => {
    const v = o[field];
    if (!Array.isArray(v) || v.length !== n) throw new TypeError(`inclusion proof ${field} is not an array of ${n} decimal strings`);
    return v.map((x, i) => big(`${field}[${i}]`, x));
  };
  const int = (field: string): number => {
    const v = o[field];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new TypeError(`inclusion proof ${field} is not a non-negative integer`);
    return v;
  };
  if (typeof o.id !== "string") throw new TypeError("inclusion proof id is not a string");
  const pathBits = o.pathBits;
  if (!Array.isArray(pathBits) || pathBits.length !== TREE_DEPTH || pathBits.some((b) => b !== 0 && b !== 1)) {
    throw new TypeError(`inclusion proof pathBits is not an array of ${TREE_DEPTH} bits`);
  }
  return {
    id: o.id,
    idHash: big("idHash", o.idHash),
    salt: big("salt", o.salt),
    assets: bigs("assets", N_ASSETS),
    liabilities: bigs("liabilities", N_ASSETS),
    leaf: big("leaf", o.leaf),
    index: int("index"),
    siblings: bigs("siblings", TREE_DEPTH),
    pathBits: pathBits as number[],
    root: big("root", o.root),
    periodTag: big("periodTag", o.periodTag),
    clientCount: int("clientCount"),
  };
}

