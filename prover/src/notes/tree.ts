/**
 * The note tree off-chain: a fixed quaternary Poseidon(4) tree of NOTE_TREE_LEVELS levels (4^12 =
 * 2^24 leaves) with zero subtrees, filled one aligned batch of NOTE_BATCH_SIZE leaves at a time,
 * exactly as BatchInsert (circuits/src/notes_batch.circom) proves it and the pool accepts it. Only
 * non-empty nodes are stored.
 */
import type { SyncPoseidon } from "../poseidon.js";
import { NOTE_BATCH_LEVELS, NOTE_BATCH_SIZE, NOTE_MAX_BATCHES, NOTE_TREE_LEVELS } from "./constants.js";
import { NoteInputError, fieldElement } from "./note.js";

/** zeros[i]: root of an empty subtree of i levels (zeros[0] = 0), for i = 0..levels. */
export function zeroHashes(h: SyncPoseidon, levels = NOTE_TREE_LEVELS): bigint[] {
  const z = [0n];
  for (let i = 0; i < levels; i++) z.push(h([z[i]!, z[i]!, z[i]!, z[i]!]));
  return z;
}

/**
 * The pool's hash chain over a batch: c = batchIndex, then c = Poseidon(c, leaf) for each leaf.
 * The pool computes it on-chain as notes are queued; BatchInsert proves it.
 */
export function batchChain(h: SyncPoseidon, batchIndex: number, leaves: readonly bigint[]): bigint {
  let c = BigInt(batchIndex);
  for (const leaf of leaves) c = h([c, leaf]);
  return c;
}

/** The four children of each level along a path, bottom up, as QuadMerkleRoot takes them. */
export type QuadPath = [bigint, bigint, bigint, bigint][];

/** An append-only note tree, batch by batch. */
export class NoteTree {
  readonly levels: number;
  readonly zeros: bigint[];
  private readonly nodes: Map<number, bigint>[];
  private batches = 0;

  constructor(
    private readonly h: SyncPoseidon,
    levels = NOTE_TREE_LEVELS,
  ) {
    this.levels = levels;
    this.zeros = zeroHashes(h, levels);
    this.nodes = Array.from({ length: levels + 1 }, () => new Map<number, bigint>());
  }

  /** Batches inserted so far; the next insertion is batch `insertedBatches`. */
  get insertedBatches(): number {
    return this.batches;
  }

  /** The node at `level` (0 = leaves), position `index`. */
  node(level: number, index: number): bigint {
    return this.nodes[level]!.get(index) ?? this.zeros[level]!;
  }

  /** The current root. */
  root(): bigint {
    return this.node(this.levels, 0);
  }

  /** The leaf at `index` (0 where empty). */
  leaf(index: number): bigint {
    return this.node(0, index);
  }

  /** The children of each level along the path of node (`level`, `index`) up to the root. */
  siblings(level: number, index: number): QuadPath {
    const out: QuadPath = [];
    for (let l = level, i = index; l < this.levels; l++, i = Math.floor(i / 4)) {
      const first = i - (i % 4);
      out.push([this.node(l, first), this.node(l, first + 1), this.node(l, first + 2), this.node(l, first + 3)]);
    }
    return out;
  }

  /** Merkle path of a leaf: NOTE_TREE_LEVELS groups of four children, bottom up. */
  path(leafIndex: number): QuadPath {
    return this.siblings(0, leafIndex);
  }

  /** The root after inserting `leaves` (padded with zeros) as batch `insertedBatches`; no change. */
  previewBatch(leaves: readonly bigint[]): { batchIndex: number; siblings: QuadPath; subtreeRoot: bigint; newRoot: bigint } {
    const batchIndex = this.batches;
    checkBatch(leaves, batchIndex);
    let level = [...leaves.map((l, i) => fieldElement(l, `leaves[${i}]`)), ...new Array<bigint>(NOTE_BATCH_SIZE - leaves.length).fill(0n)];
    while (level.length > 1) {
      const next: bigint[] = [];
      for (let i = 0; i < level.length; i += 4) next.push(this.h(level.slice(i, i + 4)));
      level = next;
    }
    const subtreeRoot = level[0]!;
    const siblings = this.siblings(NOTE_BATCH_LEVELS, batchIndex);
    let node = subtreeRoot;
    for (let l = 0, i = batchIndex; l < siblings.length; l++, i = Math.floor(i / 4)) {
      const children = [...siblings[l]!];
      children[i % 4] = node;
      node = this.h(children);
    }
    return { batchIndex, siblings, subtreeRoot, newRoot: node };
  }

  /** Inserts `leaves` (1 to NOTE_BATCH_SIZE, padded with zeros) as the next batch; returns the new root. */
  insertBatch(leaves: readonly bigint[]): bigint {
    const batchIndex = this.batches;
    checkBatch(leaves, batchIndex);
    const base = batchIndex * NOTE_BATCH_SIZE;
    leaves.forEach((leaf, i) => {
      const v = fieldElement(leaf, `leaves[${i}]`);
      if (v !== 0n) this.nodes[0]!.set(base + i, v);
    });
    let lo = base;
    let hi = base + NOTE_BATCH_SIZE - 1;
    for (let l = 1; l <= this.levels; l++) {
      lo = Math.floor(lo / 4);
      hi = Math.floor(hi / 4);
      for (let i = lo; i <= hi; i++) {
        const v = this.h([this.node(l - 1, 4 * i), this.node(l - 1, 4 * i + 1), this.node(l - 1, 4 * i + 2), this.node(l - 1, 4 * i + 3)]);
        if (v !== this.zeros[l]) this.nodes[l]!.set(i, v);
      }
    }
    this.batches++;
    return this.root();
  }
}

function checkBatch(leaves: readonly bigint[], batchIndex: number): void {
  if (!Array.isArray(leaves) || leaves.length < 1 || leaves.length > NOTE_BATCH_SIZE) throw new NoteInputError("leaves", `must hold 1 to ${NOTE_BATCH_SIZE} leaves`);
  if (batchIndex >= NOTE_MAX_BATCHES) throw new NoteInputError("batchIndex", "is past the tree's capacity");
}
