/**
 * The opening file's format (version 1), with no I/O: shared by the file-backed `OpeningStore`
 * (prover/src/store.ts) and the browser's localStorage store (web/src/store.ts), so that an opening
 * exported from one imports into the other byte for byte.
 */
import { N_ASSETS } from "./constants.js";
import type { AccountOpening } from "./account.js";

/** One opening with the commitment it hashes to, every integer a decimal string. */
export interface StoredOpening {
  amounts: string[];
  blinding: string;
  commitment: string;
}

/** An account's file: the confirmed opening and, while a transaction is in flight, the pending one. */
export interface StoredAccount {
  version: 1;
  chainId: string;
  engine: string;
  owner: string;
  confirmed: StoredOpening;
  pending?: StoredOpening & { action: string; createdAt: string };
}

export function encodeOpening(o: AccountOpening, commitment: bigint): StoredOpening {
  return { amounts: o.amounts.map(String), blinding: o.blinding.toString(), commitment: commitment.toString() };
}

/** Parses a stored opening of `owner`; errors name `where` and the field. */
export function decodeOpening(s: StoredOpening, owner: bigint, where: string): { opening: AccountOpening; commitment: bigint } {
  if (typeof s !== "object" || s === null) throw new Error(`${where} is missing`);
  if (!Array.isArray(s.amounts) || s.amounts.length !== N_ASSETS) throw new Error(`${where}.amounts must have ${N_ASSETS} entries`);
  const parse = (v: unknown, field: string): bigint => {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw new Error(`${where}.${field} is not a non-negative integer string`);
    return BigInt(v);
  };
  return {
    opening: { owner, amounts: s.amounts.map((a, i) => parse(a, `amounts[${i}]`)), blinding: parse(s.blinding, "blinding") },
    commitment: parse(s.commitment, "commitment"),
  };
}
