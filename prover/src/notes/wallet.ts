/**
 * A note wallet: keys, the pool's tree rebuilt from its events, the wallet's own notes (found by
 * trial decryption with the viewing secret), which of them are spent (by nullifier), and join-split
 * plans for transfers and unshields. State lives in a NoteStore file (atomic, no clobbering).
 *
 *   const w = await NoteWallet.create({ keys, path, chainId, pool });
 *   await w.scan(provider);                        // reads NoteQueued / BatchInserted / NullifiersSpent
 *   w.balance(slot); w.notes();
 *   const t = w.planTransfer({ to, slot, amount }); // proof input + calldata parts
 */
import { Interface, type Provider } from "ethers";
import { getBabyJub, type BabyJub, type Point } from "../babyjub.js";
import { initPoseidonEx, type SyncPoseidonEx } from "../poseidon.js";
import { NOTE_BATCH_SIZE } from "./constants.js";
import { decryptNote, encryptNote, type EncryptedNote } from "./encryption.js";
import { addressOf, checkViewingKey, type NoteKeys, type ShieldedAddress } from "./keys.js";
import { NoteInputError, noteCommitment, noteInner, noteNullifier, randomFieldElement, type Note } from "./note.js";
import { readWalletFile, writeWalletFile, type StoredNote, type WalletFile } from "./store.js";
import { NoteTree } from "./tree.js";
import { buildBatchInsert, buildJoinSplit, extDataHash, type BatchInsertPlan, type JoinSplitPlan, type OwnedNote } from "./witness.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** The pool's events the wallet reads (a subset of IShieldedPool). */
export const POOL_EVENTS_ABI = [
  "event NoteQueued(uint256 indexed leafIndex, uint256 commitment, tuple(uint256[2] ephemeralKey, uint256[2] ciphertext) encrypted)",
  "event NullifiersSpent(uint256 indexed nullifier0, uint256 indexed nullifier1)",
  "event BatchInserted(uint256 indexed batchIndex, uint256 root, uint256 count)",
  "event NoteAbsorbed(uint256 indexed nullifier)",
] as const;
const EVENTS = new Interface(POOL_EVENTS_ABI);

/** A wallet note with its status. */
export interface WalletNote extends OwnedNote {
  spent: boolean;
  /** True once its batch is in the tree (it can be spent). */
  inTree: boolean;
}

/** A join-split the wallet planned: prove `plan.input`, then call the pool with the rest. */
export interface PlannedSpend {
  plan: JoinSplitPlan;
  /** The outputs' openings encrypted to their recipients, as the pool takes them. */
  encrypted: [EncryptedNote, EncryptedNote];
  /** The output notes (the change note is the wallet's own). */
  outputs: [Note, Note];
  /** The notes it spends. */
  spends: OwnedNote[];
}

/** What the pool needs for an unshield besides the proof. */
export interface UnshieldArgs {
  slot: number;
  amount: bigint;
  recipient: string;
  relayer?: string;
  fee?: bigint;
}

/** What a scan found. */
export interface ScanResult {
  fromBlock: number;
  toBlock: number;
  received: WalletNote[];
  spent: WalletNote[];
  batches: number;
}

export class NoteWallet {
  readonly tree: NoteTree;
  private queued = new Map<number, bigint>();
  private batches: { count: number; root: bigint }[] = [];
  private own = new Map<number, StoredNote>();
  private byNullifier = new Map<bigint, number>();
  private lastBlock = -1;

  private constructor(
    readonly keys: NoteKeys,
    readonly path: string,
    readonly chainId: bigint,
    readonly pool: string,
    private readonly h: SyncPoseidonEx,
    private readonly bj: BabyJub,
    private generation: number | undefined,
  ) {
    this.tree = new NoteTree(h);
  }

  /**
   * A new, empty wallet store at `path` (refuses an existing file). `fromBlock`: the pool's
   * deployment block, where scanning starts (default 0).
   */
  static async create(opts: { keys: NoteKeys; path: string; chainId: bigint; pool: string; fromBlock?: number }): Promise<NoteWallet> {
    const w = new NoteWallet(opts.keys, opts.path, opts.chainId, opts.pool.toLowerCase(), await initPoseidonEx(), await getBabyJub(), undefined);
    const from = opts.fromBlock ?? 0;
    if (!Number.isInteger(from) || from < 0) throw new NoteInputError("fromBlock", "must be a non-negative integer");
    w.lastBlock = from - 1;
    w.save();
    return w;
  }

  /** Loads the wallet store at `path`; it must belong to `keys`. Rebuilds the tree and checks every root. */
  static async open(opts: { keys: NoteKeys; path: string }): Promise<NoteWallet> {
    const doc = readWalletFile(opts.path);
    if (BigInt(doc.ownerKey) !== opts.keys.ownerKey) throw new NoteInputError("keys", `do not own the wallet store ${opts.path}`);
    const w = new NoteWallet(opts.keys, opts.path, BigInt(doc.chainId), doc.pool, await initPoseidonEx(), await getBabyJub(), doc.generation);
    w.lastBlock = doc.lastBlock;
    for (const [i, c] of doc.queued) w.queued.set(i, BigInt(c));
    for (const b of doc.batches) w.applyBatch(w.batches.length, b.count, BigInt(b.root));
    for (const n of doc.notes) w.addOwn(n);
    return w;
  }

  /** The address to give senders. */
  get address(): ShieldedAddress {
    return addressOf(this.keys);
  }

  /** Last block scanned (-1: none). */
  get scannedBlock(): number {
    return this.lastBlock;
  }

  /** Saves the state (atomic; fails if another writer saved since this wallet loaded). */
  save(): void {
    const doc: Omit<WalletFile, "generation"> = {
      version: 1,
      chainId: this.chainId.toString(),
      pool: this.pool,
      ownerKey: this.keys.ownerKey.toString(),
      lastBlock: this.lastBlock,
      queued: [...this.queued.entries()].sort((a, b) => a[0] - b[0]).map(([i, c]) => [i, c.toString()]),
      batches: this.batches.map((b) => ({ count: b.count, root: b.root.toString() })),
      notes: [...this.own.values()].sort((a, b) => a.leafIndex - b.leafIndex),
    };
    this.generation = writeWalletFile(this.path, doc, this.generation);
  }

  // ----------------------------------------------------------------------------------------------
  // Events

  /**
   * Reads the pool's events from `scannedBlock + 1` to `toBlock` (default: latest), `chunk` blocks
   * per query. Right after a transaction, pass its receipt's block: ethers caches the block number
   * for a moment, so "latest" can still be the block before it. Applies the events in order and saves after each chunk. Idempotent: a block is never
   * applied twice, and an interrupted scan resumes after the last saved chunk.
   */
  async scan(provider: Provider, toBlock?: number, chunk = 10_000): Promise<ScanResult> {
    const to = toBlock ?? (await provider.getBlockNumber());
    const result: ScanResult = { fromBlock: this.lastBlock + 1, toBlock: to, received: [], spent: [], batches: 0 };
    if (!Number.isInteger(chunk) || chunk < 1) throw new NoteInputError("chunk", "must be a positive integer");
    while (this.lastBlock < to) {
      const from = this.lastBlock + 1;
      const end = Math.min(to, from + chunk - 1);
      const logs = await provider.getLogs({ address: this.pool, fromBlock: from, toBlock: end });
      this.applyLogs(logs, result);
      this.lastBlock = end;
      this.save();
    }
    return result;
  }

  private applyLogs(logs: readonly { topics: readonly string[]; data: string; blockNumber: number }[], result: ScanResult): void {
    for (const log of logs) {
      const ev = EVENTS.parseLog({ topics: [...log.topics], data: log.data });
      if (ev === null) continue;
      if (ev.name === "NoteQueued") {
        const enc: EncryptedNote = { ephemeralKey: [ev.args.encrypted.ephemeralKey[0], ev.args.encrypted.ephemeralKey[1]], ciphertext: [ev.args.encrypted.ciphertext[0], ev.args.encrypted.ciphertext[1]] };
        const n = this.ingestNote(Number(ev.args.leafIndex), BigInt(ev.args.commitment), enc, log.blockNumber);
        if (n !== undefined) result.received.push(n);
      } else if (ev.name === "BatchInserted") {
        this.applyBatch(Number(ev.args.batchIndex), Number(ev.args.count), BigInt(ev.args.root));
        result.batches++;
      } else if (ev.name === "NullifiersSpent" || ev.name === "NoteAbsorbed") {
        // A join-split spends two nullifiers; an account that absorbs a note, one.
        const spent = ev.name === "NoteAbsorbed" ? [ev.args.nullifier] : [ev.args.nullifier0, ev.args.nullifier1];
        for (const x of spent) {
          const n = this.markSpent(BigInt(x));
          if (n !== undefined) result.spent.push(n);
        }
      }
    }
  }

  /** Records a queued note; keeps and returns it when it decrypts to this wallet's note. */
  ingestNote(leafIndex: number, commitment: bigint, encrypted: EncryptedNote, block: number): WalletNote | undefined {
    this.queued.set(leafIndex, commitment);
    const note = decryptNote(this.h, this.bj, this.keys.viewingSecret, this.keys.ownerKey, encrypted, commitment);
    if (note === undefined || note.amount === 0n) return undefined; // dummies are not worth tracking
    const stored: StoredNote = {
      slot: note.slot,
      amount: note.amount.toString(),
      blinding: note.blinding.toString(),
      leafIndex,
      commitment: commitment.toString(),
      nullifier: noteNullifier(this.h, this.keys.spendingSecret, commitment, leafIndex).toString(),
      spent: false,
      block,
    };
    this.addOwn(stored);
    return this.view(stored);
  }

  /** Inserts batch `batchIndex` (its first `count` queued leaves) into the local tree; checks the root. */
  applyBatch(batchIndex: number, count: number, root: bigint): void {
    if (batchIndex !== this.tree.insertedBatches) throw new Error(`batch ${batchIndex} arrives out of order (the wallet has ${this.tree.insertedBatches})`);
    const leaves: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const leaf = this.queued.get(batchIndex * NOTE_BATCH_SIZE + i);
      if (leaf === undefined) throw new Error(`batch ${batchIndex}: leaf ${i} was never queued`);
      leaves.push(leaf);
    }
    const got = this.tree.insertBatch(leaves);
    if (got !== root) throw new Error(`batch ${batchIndex}: the pool's root ${root} is not the tree's ${got}`);
    this.batches.push({ count, root });
  }

  /** Marks the note with this nullifier spent; returns it if it is the wallet's. */
  markSpent(nullifier: bigint): WalletNote | undefined {
    const i = this.byNullifier.get(nullifier);
    if (i === undefined) return undefined;
    const n = this.own.get(i)!;
    n.spent = true;
    return this.view(n);
  }

  // ----------------------------------------------------------------------------------------------
  // Notes

  /** The wallet's notes (unspent only unless `includeSpent`). */
  notes(opts: { includeSpent?: boolean; slot?: number } = {}): WalletNote[] {
    return [...this.own.values()]
      .filter((n) => (opts.includeSpent || !n.spent) && (opts.slot === undefined || n.slot === opts.slot))
      .sort((a, b) => a.leafIndex - b.leafIndex)
      .map((n) => this.view(n));
  }

  /** Unspent value in `slot` (`inTreeOnly`: only what can be spent now). */
  balance(slot: number, inTreeOnly = false): bigint {
    return this.notes({ slot })
      .filter((n) => !inTreeOnly || n.inTree)
      .reduce((s, n) => s + n.amount, 0n);
  }

  /** Queued leaves not yet in the tree, by batch: what a flush (or a full batch) would insert next. */
  pendingBatch(): bigint[] {
    const b = this.tree.insertedBatches;
    const out: bigint[] = [];
    for (let i = 0; i < NOTE_BATCH_SIZE; i++) {
      const leaf = this.queued.get(b * NOTE_BATCH_SIZE + i);
      if (leaf === undefined) break;
      out.push(leaf);
    }
    return out;
  }

  /** The batch-insertion witness for the next batch (what `insertBatch` needs), if any leaf waits. */
  planBatchInsert(): BatchInsertPlan | undefined {
    const leaves = this.pendingBatch();
    return leaves.length === 0 ? undefined : buildBatchInsert(this.h, this.tree, leaves);
  }

  // ----------------------------------------------------------------------------------------------
  // Plans

  /** A note for `to` (default: this wallet) and what `shield` takes: `inner` and the ciphertext. */
  planShield(slot: number, amount: bigint, to: ShieldedAddress = this.address): { note: Note; inner: bigint; encrypted: EncryptedNote } {
    checkViewingKey(this.bj, to.viewingKey);
    const note: Note = { slot, amount, ownerKey: to.ownerKey, blinding: randomFieldElement() };
    noteCommitment(this.h, note); // validates
    return { note, inner: noteInner(this.h, note.ownerKey, note.blinding), encrypted: encryptNote(this.h, this.bj, to.viewingKey, note) };
  }

  /** A private transfer of `amount` of `slot` to `to`; the change comes back to this wallet. */
  planTransfer(args: { to: ShieldedAddress; slot: number; amount: bigint }): PlannedSpend {
    if (args.amount <= 0n) throw new NoteInputError("amount", "must be positive");
    return this.planSpend(args.slot, args.amount, 0n, { ...args.to }, { recipient: ZERO_ADDRESS, relayer: ZERO_ADDRESS, fee: 0n });
  }

  /** An unshield of `amount` of `slot` to `recipient` (`fee` of it to `relayer`); change to this wallet. */
  planUnshield(args: UnshieldArgs): PlannedSpend {
    const fee = args.fee ?? 0n;
    if (args.amount <= 0n) throw new NoteInputError("amount", "must be positive");
    if (fee < 0n || fee > args.amount) throw new NoteInputError("fee", `must be in [0, amount = ${args.amount}]`);
    return this.planSpend(args.slot, args.amount, args.amount, undefined, { recipient: args.recipient, relayer: args.relayer ?? ZERO_ADDRESS, fee });
  }

  private planSpend(slot: number, amount: bigint, publicAmount: bigint, to: ShieldedAddress | undefined, ext: { recipient: string; relayer: string; fee: bigint }): PlannedSpend {
    const spends = this.select(slot, amount);
    const total = spends.reduce((s, n) => s + n.amount, 0n);
    const self = this.address;
    const sent = to === undefined ? 0n : amount;
    const change: Note = { slot, amount: total - amount, ownerKey: self.ownerKey, blinding: randomFieldElement() };
    const payment: Note = { slot, amount: sent, ownerKey: (to ?? self).ownerKey, blinding: randomFieldElement() };
    if (to !== undefined) checkViewingKey(this.bj, to.viewingKey);
    const outputs: [Note, Note] = [payment, change];
    const encrypted: [EncryptedNote, EncryptedNote] = [encryptNote(this.h, this.bj, (to ?? self).viewingKey as Point, payment), encryptNote(this.h, this.bj, self.viewingKey, change)];
    const hash = extDataHash({ chainId: this.chainId, pool: this.pool, recipient: ext.recipient, relayer: ext.relayer, fee: ext.fee, encrypted });
    const plan = buildJoinSplit(this.h, this.tree, { spendingSecret: this.keys.spendingSecret, slot, inputs: spends, outputs, publicAmount, extDataHash: hash });
    return { plan, encrypted, outputs, spends };
  }

  /** Up to two spendable notes of `slot` worth at least `amount`: the smallest single note that covers it, else the best pair. */
  private select(slot: number, amount: bigint): OwnedNote[] {
    const spendable = this.notes({ slot }).filter((n) => n.inTree).sort((a, b) => (a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0));
    const single = spendable.find((n) => n.amount >= amount);
    if (single !== undefined) return [single];
    const top = spendable.slice(-2);
    if (top.length === 2 && top[0]!.amount + top[1]!.amount >= amount) return top;
    const pending = this.balance(slot) - this.balance(slot, true);
    throw new NoteInputError("amount", `${amount} of slot ${slot} is more than two spendable notes hold (spendable ${this.balance(slot, true)}${pending > 0n ? `, ${pending} more waiting for its batch to be inserted` : ""}; merge notes first)`);
  }

  private addOwn(n: StoredNote): void {
    this.own.set(n.leafIndex, n);
    this.byNullifier.set(BigInt(n.nullifier), n.leafIndex);
  }

  private view(n: StoredNote): WalletNote {
    return {
      slot: n.slot,
      amount: BigInt(n.amount),
      ownerKey: this.keys.ownerKey,
      blinding: BigInt(n.blinding),
      leafIndex: n.leafIndex,
      commitment: BigInt(n.commitment),
      nullifier: BigInt(n.nullifier),
      spent: n.spent,
      inTree: n.leafIndex < this.tree.insertedBatches * NOTE_BATCH_SIZE,
    };
  }
}
