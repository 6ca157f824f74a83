/**
 * The browser's opening store: the same records as the library's file-backed `OpeningStore`
 * (prover/src/store.ts, version 1: confirmed opening, optional pending one), one localStorage entry
 * per account. `Trader` calls it through the same methods, so the pending-then-confirmed protocol is
 * the library's. An entry exports to, and imports from, the CLI's opening file byte for byte
 * (`.plimsoll/openings/<chain>/<engine>/<owner>.json`).
 */
import type { AccountKey, AccountOpening } from "./lib.js";
import { confirmedFile, parseAccountFile, pendingFile, reconcileOpening, storedOpenings, type StoredAccount } from "../../prover/src/openingFile.js";

export type { StoredAccount };

const PREFIX = "plimsoll.opening";

/** A key/value backend (window.localStorage, or a Map in tests). */
export interface KeyValue {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

/**
 * localStorage-backed store with the library's OpeningStore methods. `world` (the hash of the
 * deployment's first block) keeps the openings of one development chain apart from those of an earlier
 * one at the same addresses (a restarted hardhat node deploys to the same addresses).
 */
export class BrowserOpeningStore {
  readonly dir = "browser localStorage";
  constructor(private readonly kv: KeyValue = window.localStorage, private readonly world = "") {}

  /** The storage key of `key`'s record (the CLI's relative file path, under a prefix). */
  pathOf(key: AccountKey): string {
    return `${PREFIX}/${this.world === "" ? "" : `${this.world}/`}${key.chainId.toString()}/${key.engine.toLowerCase()}/${key.owner.toLowerCase()}.json`;
  }

  has(key: AccountKey): boolean {
    return this.kv.getItem(this.pathOf(key)) !== null;
  }

  private read(key: AccountKey): StoredAccount | undefined {
    const text = this.kv.getItem(this.pathOf(key));
    return text === null ? undefined : parseAccountFile(text, this.pathOf(key));
  }

  private write(key: AccountKey, doc: StoredAccount): void {
    this.kv.setItem(this.pathOf(key), JSON.stringify(doc, null, 2));
  }

  load(key: AccountKey, onchainCommitment: bigint): AccountOpening | undefined {
    const raw = this.read(key);
    if (raw === undefined) return undefined;
    const r = reconcileOpening(raw, BigInt(key.owner), onchainCommitment, this.pathOf(key));
    if (r.rewrite) this.save(key, r.opening, r.commitment);
    return r.opening;
  }

  stored(key: AccountKey): { opening: AccountOpening; commitment: bigint }[] {
    const raw = this.read(key);
    return raw === undefined ? [] : storedOpenings(raw, BigInt(key.owner), this.pathOf(key));
  }

  save(key: AccountKey, opening: AccountOpening, commitment: bigint): void {
    this.write(key, confirmedFile(key, opening, commitment));
  }

  savePending(key: AccountKey, current: AccountOpening, currentCommitment: bigint, next: AccountOpening, nextCommitment: bigint, action: string): void {
    this.write(key, pendingFile(key, current, currentCommitment, next, nextCommitment, action));
  }

  /** The CLI opening file of `key` (what `exportFile` downloads), or undefined. */
  exportText(key: AccountKey): string | undefined {
    return this.kv.getItem(this.pathOf(key)) ?? undefined;
  }

  /**
   * Imports a CLI opening file for `key`: it must be version 1, of this chain, engine and owner,
   * with well-formed openings. Errors name the field.
   */
  importText(key: AccountKey, text: string): void {
    let raw: StoredAccount;
    try {
      raw = JSON.parse(text) as StoredAccount;
    } catch {
      throw new Error("opening file: not JSON");
    }
    if (raw?.version !== 1) throw new Error("opening file: version must be 1");
    if (raw.chainId !== key.chainId.toString()) throw new Error(`opening file: chainId ${String(raw.chainId)} is not this chain's ${key.chainId}`);
    if (typeof raw.engine !== "string" || raw.engine.toLowerCase() !== key.engine.toLowerCase()) throw new Error(`opening file: engine ${String(raw.engine)} is not this deployment's ${key.engine}`);
    if (typeof raw.owner !== "string" || raw.owner.toLowerCase() !== key.owner.toLowerCase()) throw new Error(`opening file: owner ${String(raw.owner)} is not the connected account ${key.owner}`);
    storedOpenings(raw, BigInt(key.owner), "opening file:");
    this.write(key, raw);
  }
}
