/**
 * One client of a reserves period: id hash, leaf hash and health.
 * Twin of circuits/src/reserves_leaf.circom (ReservesLeafHash, ReservesHealth).
 */
import { createHash, randomBytes } from "node:crypto";
import type { SyncPoseidon } from "../poseidon.js";
import {
  BALANCE_BITS,
  BALANCE_LIMIT,
  FIELD_MODULUS,
  ID_HASH_BITS,
  N_ASSETS,
  PACKED_BALANCES,
} from "./constants.js";
import type { ClientBalances, ReserveWeights } from "./types.js";


/** Everything a leaf commits to (what a client needs to recompute its leaf). */
export interface LeafData {
  id: string;
  /** idHash(id). */
  idHash: bigint;
  salt: bigint;
  assets: bigint[];
  liabilities: bigint[];
}

/**
 * idHash = BigInt(sha256(utf8(id))) >> 8: 248 bits, hashed off-field so that two ids never alias
 * modulo p. Leaves are sorted by it, strictly increasing.
 */
export function idHash(id: string): bigint {
  const digest = createHash("sha256").update(id, "utf8").digest("hex");
  return BigInt(`0x${digest}`) >> BigInt(256 - ID_HASH_BITS);
}

/** A uniformly random field element (rejection sampling on 254 bits). */
export function randomSalt(): bigint {
  for (;;) {
    const x = BigInt(`0x${randomBytes(32).toString("hex")}`) & ((1n << 254n) - 1n);
    if (x < FIELD_MODULUS) return x;
  }
}

/**
 * The 32 balances v = assets ++ liabilities packed three per field element:
 * q_k = v[3k] + v[3k+1] * 2^64 + v[3k+2] * 2^128 (11 elements; q_10 = v30 + v31 * 2^64).
 * NOTE: balances must already be validated (< 2^64), else the packing is not injective.
 */
export function packBalances(assets: readonly bigint[], liabilities: readonly bigint[]): bigint[] {
  if (assets.length !== N_ASSETS || liabilities.length !== N_ASSETS) {
    throw new RangeError(`a leaf has ${N_ASSETS} assets and ${N_ASSETS} liabilities (got ${assets.length} and ${liabilities.length})`);
  }
  const v = [...assets, ...liabilities];
  const out: bigint[] = [];
  for (let k = 0; k < PACKED_BALANCES; k++) {
    let q = 0n;
    for (let m = 0; m < 3 && 3 * k + m < v.length; m++) q += v[3 * k + m]! << BigInt(BALANCE_BITS * m);
    out.push(q);
  }
  return out;
}

/** leaf = Poseidon(13)(idHash, salt, q0..q10). Padding leaves (after the last client) are 0. */
export function leafHash(h: SyncPoseidon, leaf: Pick<LeafData, "idHash" | "salt" | "assets" | "liabilities">): bigint {
  return h([leaf.idHash, leaf.salt, ...packBalances(leaf.assets, leaf.liabilities)]);
}

/** A client's value at the weights, in 1e-30 USD: collateral sum(a * wA) and requirement sum(l * wL). */
export function clientHealth(
  balances: Pick<ClientBalances, "assets" | "liabilities">,
  weights: ReserveWeights,
): { collateral: bigint; requirement: bigint; healthy: boolean } {
  let collateral = 0n;
  let requirement = 0n;
  for (let i = 0; i < N_ASSETS; i++) {
    collateral += balances.assets[i]! * weights.assetWeights[i]!;
    requirement += balances.liabilities[i]! * weights.liabilityWeights[i]!;
  }
  return { collateral, requirement, healthy: collateral >= requirement };
}

/**
 * Validates one client (ids, salt, 16 + 16 balances in [0, 2^64)); errors name `field`
 * (`clients[3] (id "bob").assets[2] is negative (-5)`).
 */
export function validateClient(client: ClientBalances, field = "client"): void {
  if (typeof client !== "object" || client === null) throw new TypeError(`${field} is not an object`);
  if (typeof client.id !== "string" || client.id.length === 0) throw new TypeError(`${field}.id is not a non-empty string`);
  const name = `${field} (id ${JSON.stringify(client.id)})`;
  if (client.salt !== undefined && (typeof client.salt !== "bigint" || client.salt < 0n || client.salt >= FIELD_MODULUS)) {
    throw new RangeError(`${name}.salt is not a field element`);
  }
  for (const key of ["assets", "liabilities"] as const) {
    const values = client[key];
    if (!Array.isArray(values) || values.length !== N_ASSETS) {
      throw new RangeError(`${name}.${key} has ${values?.length ?? "no"} entries, expected ${N_ASSETS}`);
    }
    values.forEach((x, i) => {
      if (typeof x !== "bigint") throw new TypeError(`${name}.${key}[${i}] is not a bigint`);
      if (x < 0n) throw new RangeError(`${name}.${key}[${i}] is negative (${x})`);
      if (x >= BALANCE_LIMIT) throw new RangeError(`${name}.${key}[${i}] = ${x} is not below 2^${BALANCE_BITS}`);
    });
  }
}
