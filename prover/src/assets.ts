/**
 * Asset registry and parsing of human-readable amounts into token base units,
 * with errors that name the field and the reason.
 */
import { AMOUNT_BITS, AMOUNT_LIMIT, MAX_TOKEN_DECIMALS, N_ASSETS } from "./constants.js";

/** One collateral slot as the oracle configures it. */
export interface AssetInfo {
  symbol: string;
  /** Slot index in the basket, 0 <= slot < N_ASSETS. */
  slot: number;
  decimals: number;
  /** ERC-20 address, when deployed. */
  token?: string;
}

/**
 * Parses a decimal amount of whole tokens ("12.5") into base units.
 * @param field Name used in error messages, e.g. `amounts.WETH`.
 */
export function parseUnits(value: unknown, decimals: number, field: string): bigint {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${field} is not a finite number`);
    text = String(value);
    if (/e/i.test(text)) throw new TypeError(`${field} must be written as a plain decimal string, not ${text}`);
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    throw new TypeError(`${field} must be a decimal string such as "12.5", got ${value === null ? "null" : typeof value}`);
  }
  if (text.startsWith("-")) throw new RangeError(`${field} is negative (${text}); amounts are at least 0`);
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (m === null) throw new TypeError(`${field} is not a decimal number: ${JSON.stringify(value)}`);
  const whole = m[1]!;
  const frac = m[2] ?? "";
  if (frac.length > decimals) {
    throw new RangeError(`${field} has ${frac.length} decimal places but the token has ${decimals}: ${text} is not a whole number of base units`);
  }
  const units = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  if (units >= AMOUNT_LIMIT) throw new RangeError(`${field} is ${units} base units, above the 2^${AMOUNT_BITS} bound`);
  return units;
}

/** Formats base units as a decimal string of whole tokens. */
export function formatUnits(units: bigint, decimals: number): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const frac = (abs % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${abs / scale}${frac ? `.${frac}` : ""}`;
}

/** Validates a registry: unique symbols and slots, decimals in range. */
export function checkRegistry(assets: readonly AssetInfo[]): void {
  const symbols = new Set<string>();
  const slots = new Set<number>();
  assets.forEach((a, i) => {
    if (a === null || typeof a !== "object" || Array.isArray(a)) throw new TypeError(`assets[${i}] must be an object { symbol, slot, decimals }`);
    if (typeof a.symbol !== "string" || a.symbol === "") throw new TypeError(`assets[${i}].symbol must be a non-empty string`);
    if (!Number.isInteger(a.slot) || a.slot < 0 || a.slot >= N_ASSETS) throw new RangeError(`assets[${i}].slot must be an integer in [0, ${N_ASSETS})`);
    if (!Number.isInteger(a.decimals) || a.decimals < 0 || a.decimals > MAX_TOKEN_DECIMALS) throw new RangeError(`assets[${i}].decimals must be an integer in [0, ${MAX_TOKEN_DECIMALS}]`);
    if (symbols.has(a.symbol)) throw new RangeError(`assets[${i}].symbol ${a.symbol} appears twice`);
    if (slots.has(a.slot)) throw new RangeError(`assets[${i}].slot ${a.slot} appears twice`);
    symbols.add(a.symbol);
    slots.add(a.slot);
  });
}

/** Looks an asset up by symbol or slot number, with an error listing the known ones. */
export function findAsset(assets: readonly AssetInfo[], key: string, field: string): AssetInfo {
  const found = /^[0-9]+$/.test(key) ? assets.find((a) => a.slot === Number(key)) : assets.find((a) => a.symbol === key);
  if (found === undefined) throw new RangeError(`${field}: unknown asset ${JSON.stringify(key)}; known: ${assets.map((a) => a.symbol).join(", ")}`);
  return found;
}

/**
 * Parses a basket JSON document `{ "amounts": { "<symbol>": "<whole tokens>", ... } }`
 * into N_ASSETS base-unit amounts (missing assets are 0).
 */
export function parseBasket(value: unknown, assets: readonly AssetInfo[]): bigint[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new TypeError("basket must be a JSON object with an \"amounts\" field");
  const amounts = (value as Record<string, unknown>).amounts;
  if (amounts === null || typeof amounts !== "object" || Array.isArray(amounts)) {
    throw new TypeError("basket.amounts must be an object mapping asset symbols to amounts");
  }
  const out = new Array<bigint>(N_ASSETS).fill(0n);
  const seen = new Map<number, string>();
  for (const [symbol, amount] of Object.entries(amounts as Record<string, unknown>)) {
    const asset = findAsset(assets, symbol, `basket.amounts.${symbol}`);
    const before = seen.get(asset.slot);
    if (before !== undefined) throw new RangeError(`basket.amounts.${symbol}: slot ${asset.slot} (${asset.symbol}) is already given as ${JSON.stringify(before)}; give each asset once`);
    seen.set(asset.slot, symbol);
    out[asset.slot] = parseUnits(amount, asset.decimals, `basket.amounts.${symbol}`);
  }
  return out;
}
