/**
 * Units of the reserves statements: token base units -> normalised units (6 decimals), and the
 * reserve weights (value of one normalised unit in 1e-30 USD) derived from the oracle's epoch.
 *
 * The rule (DESIGN.md, issue 4): a client's asset balance rounds DOWN and its liability balance
 * rounds UP, so a client's health is judged on at most its true collateral and at least its true
 * debt. Tokens with fewer than 6 decimals scale up exactly. Reserves round DOWN
 * (normalizeReserves): the custodian never claims more than it holds.
 * NOTE: in the per-asset coverage check (sum of assets - sum of liabilities <= reserves) each
 * client's rounding moves the net by less than one normalised unit (1e-6 token) in the
 * custodian's favour; an auditor bounds this by clientCount units per asset.
 */
import type { SyncPoseidon } from "../poseidon.js";
import { weightsHash } from "../encoding.js";
import {
  BALANCE_BITS,
  BALANCE_LIMIT,
  MAX_RESERVE_PRICE,
  MAX_TOKEN_DECIMALS_RESERVES,
  N_ASSETS,
  RESERVE_DECIMALS,
  RESERVE_VALUE_SCALE,
  RESERVE_WEIGHT_BITS,
  RESERVE_WEIGHT_LIMIT,
  SUM_BITS,
  SUM_LIMIT,
  WAD,
} from "./constants.js";
import type { ClientBalances, ReserveWeights } from "./types.js";
import { formatUnits } from "../assets.js";


/** Direction of the rounding when a token has more than 6 decimals. */
export type Rounding = "down" | "up";

function checkDecimals(decimals: number, field: string): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_TOKEN_DECIMALS_RESERVES) {
    throw new RangeError(`${field}: decimals ${decimals} is not an integer in [0, ${MAX_TOKEN_DECIMALS_RESERVES}]`);
  }
}

/**
 * Converts an amount in token base units (`decimals` decimals) to normalised units (6 decimals):
 * d >= 6: floor or ceil of x / 10^(d-6); d < 6: x * 10^(6-d) exactly.
 * Throws (naming `field`) if the amount is negative or the result is not below 2^64.
 */
export function normalizeAmount(amount: bigint, decimals: number, rounding: Rounding, field = "amount"): bigint {
  checkDecimals(decimals, field);
  if (typeof amount !== "bigint") throw new TypeError(`${field} is not a bigint`);
  if (amount < 0n) throw new RangeError(`${field} is negative (${amount})`);
  let out: bigint;
  if (decimals >= RESERVE_DECIMALS) {
    const scale = 10n ** BigInt(decimals - RESERVE_DECIMALS);
    out = rounding === "down" ? amount / scale : (amount + scale - 1n) / scale;
  } else {
    out = amount * 10n ** BigInt(RESERVE_DECIMALS - decimals);
  }
  if (out >= BALANCE_LIMIT) throw new RangeError(`${field} = ${amount} is ${out} normalised units, not below 2^${BALANCE_BITS}`);
  return out;
}

/** A client's asset balance in normalised units: rounds down. */
export function normalizeAsset(amount: bigint, decimals: number, field = "asset"): bigint {
  return normalizeAmount(amount, decimals, "down", field);
}

/** A client's liability balance in normalised units: rounds up. */
export function normalizeLiability(amount: bigint, decimals: number, field = "liability"): bigint {
  return normalizeAmount(amount, decimals, "up", field);
}

/** A client's balances in token base units (the custodian's books), before normalisation. */
export interface RawClientBalances {
  /** Client identifier (any non-empty string: account number, email, ...). */
  id: string;
  /** Leaf salt (a field element); random when omitted. */
  salt?: bigint;
  /** Per asset slot, what the custodian holds for the client, in token base units. */
  assets: readonly bigint[];
  /** Per asset slot, what the client owes the custodian, in token base units. */
  liabilities: readonly bigint[];
}

/** Normalises one client's books (`decimals[i]` = decimals of asset slot i); errors name `field`. */
export function normalizeClient(client: RawClientBalances, decimals: readonly number[], field = "client"): ClientBalances {
  if (decimals.length !== N_ASSETS) throw new RangeError(`decimals has ${decimals.length} entries, expected ${N_ASSETS}`);
  const name = `${field} (id ${JSON.stringify(client.id)})`;
  for (const key of ["assets", "liabilities"] as const) {
    if (!Array.isArray(client[key]) || client[key].length !== N_ASSETS) {
      throw new RangeError(`${name}.${key} has ${client[key]?.length ?? "no"} entries, expected ${N_ASSETS}`);
    }
  }
  const out: ClientBalances = {
    id: client.id,
    assets: client.assets.map((x, i) => normalizeAsset(x, decimals[i]!, `${name}.assets[${i}]`)),
    liabilities: client.liabilities.map((x, i) => normalizeLiability(x, decimals[i]!, `${name}.liabilities[${i}]`)),
  };
  if (client.salt !== undefined) out.salt = client.salt;
  return out;
}

/** Normalises the custodian's per-asset reserves (token base units): rounds down, each below 2^84. */
export function normalizeReserves(amounts: readonly bigint[], decimals: readonly number[]): bigint[] {
  if (amounts.length !== N_ASSETS) throw new RangeError(`reserves has ${amounts.length} entries, expected ${N_ASSETS}`);
  if (decimals.length !== N_ASSETS) throw new RangeError(`decimals has ${decimals.length} entries, expected ${N_ASSETS}`);
  return amounts.map((x, i) => {
    const field = `reserves[${i}]`;
    checkDecimals(decimals[i]!, field);
    if (x < 0n) throw new RangeError(`${field} is negative (${x})`);
    const d = decimals[i]!;
    const out = d >= RESERVE_DECIMALS ? x / 10n ** BigInt(d - RESERVE_DECIMALS) : x * 10n ** BigInt(RESERVE_DECIMALS - d);
    if (out >= SUM_LIMIT) throw new RangeError(`${field} = ${x} is ${out} normalised units, not below 2^${SUM_BITS}`);
    return out;
  });
}

/**
 * Reserve weights from the oracle's current epoch.
 * @param prices per asset slot, USD per whole token with 8 decimals, 0 <= P <= 1e16.
 * @param haircutsMM per asset slot, maintenance haircut in WAD (1e18 = 100%), 0 <= h < WAD.
 */
export function reserveWeights(prices: readonly bigint[], haircutsMM: readonly bigint[]): ReserveWeights {
  if (prices.length !== N_ASSETS) throw new RangeError(`prices has ${prices.length} entries, expected ${N_ASSETS}`);
  if (haircutsMM.length !== N_ASSETS) throw new RangeError(`haircutsMM has ${haircutsMM.length} entries, expected ${N_ASSETS}`);
  const assetWeights: bigint[] = [];
  const liabilityWeights: bigint[] = [];
  for (let i = 0; i < N_ASSETS; i++) {
    const p = prices[i]!;
    const h = haircutsMM[i]!;
    if (p < 0n || p > MAX_RESERVE_PRICE) throw new RangeError(`prices[${i}] = ${p} is outside [0, ${MAX_RESERVE_PRICE}]`);
    if (h < 0n || h >= WAD) throw new RangeError(`haircutsMM[${i}] = ${h} is outside [0, WAD)`);
    assetWeights.push((p * (WAD - h) * RESERVE_VALUE_SCALE) / WAD);
    liabilityWeights.push((p * (WAD + h) * RESERVE_VALUE_SCALE + WAD - 1n) / WAD);
  }
  validateReserveWeights({ assetWeights, liabilityWeights });
  return { assetWeights, liabilityWeights };
}

/** Throws (naming the entry) unless both vectors have 16 entries in [0, 2^110). */
export function validateReserveWeights(weights: ReserveWeights, field = "weights"): void {
  for (const key of ["assetWeights", "liabilityWeights"] as const) {
    const w = weights[key];
    if (!Array.isArray(w) || w.length !== N_ASSETS) throw new RangeError(`${field}.${key} has ${w?.length ?? "no"} entries, expected ${N_ASSETS}`);
    w.forEach((x, i) => {
      if (typeof x !== "bigint" || x < 0n || x >= RESERVE_WEIGHT_LIMIT) throw new RangeError(`${field}.${key}[${i}] = ${x} is outside [0, 2^${RESERVE_WEIGHT_BITS})`);
    });
  }
}

/** reserveWeightsHash = Poseidon(2)(weightsHash(wA), weightsHash(wL)) (weightsHash: encoding.ts, the oracle's epoch hash). */
export function reserveWeightsHash(h: SyncPoseidon, wA: readonly bigint[], wL: readonly bigint[]): bigint {
  return h([weightsHash(h, wA), weightsHash(h, wL)]);
}

/** Normalised units (1e-6 token) -> a decimal string of whole tokens. */
export function formatNormalised(units: bigint): string {
  return formatUnits(units, RESERVE_DECIMALS);
}
