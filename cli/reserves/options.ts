/**
 * The options of `plimsoll reserves`, and the parsing of the ones with a format of their own:
 * --assets, --weights (or the development defaults), --reserves, --registry-state. Errors are
 * UsageErrors naming the flag.
 */
import { existsSync } from "node:fs";
import type { ParseArgsConfig } from "node:util";
import {
  annualVolToVariancePerSample,
  checkRegistry,
  defaultRiskConfig,
  DEV_ASSETS,
  DEV_REGISTRY,
  findAsset,
  N_ASSETS,
  normalizeReserves,
  parseUnits,
  readJsonFile,
  reserveWeights,
  riskMultiplierOf,
  slotDecimals,
  targetRatio,
  validateReserveWeights,
  type AssetInfo,
  type RegistryStateJson,
  type ReserveWeights,
} from "../../prover/src/index.js";
import { CHAIN_OPTIONS } from "../chain/connect.js";
import type { OptionValues } from "../command.js";
import { UsageError } from "../usage.js";

/** The first Hardhat development account: the default custodian, for development only. */
export const DEV_CUSTODIAN = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

export const RESERVES_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  clients: { type: "string" },
  reserves: { type: "string" },
  out: { type: "string" },
  workers: { type: "string" },
  custodian: { type: "string" },
  period: { type: "string" },
  weights: { type: "string" },
  assets: { type: "string" },
  restart: { type: "boolean" },
  "skip-inclusion": { type: "boolean" },
  dir: { type: "string" },
  "registry-state": { type: "string" },
  "vkey-batch": { type: "string" },
  "vkey-final": { type: "string" },
  id: { type: "string" },
  file: { type: "string" },
  root: { type: "string" },
  registry: { type: "boolean" },
  queue: { type: "string" },
  redis: { type: "string" },
  "queue-name": { type: "string" },
  provers: { type: "string" },
  "lock-seconds": { type: "string" },
  ...CHAIN_OPTIONS,
} satisfies ParseArgsConfig["options"];

export type ReservesOptions = OptionValues<typeof RESERVES_OPTIONS>;

export function readJson(path: string, what: string): unknown {
  try {
    return readJsonFile(path, what);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function integerOption(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return Number(value);
}

export function registry(opts: ReservesOptions): readonly AssetInfo[] {
  if (opts.assets === undefined) return DEV_REGISTRY;
  const value = readJson(opts.assets, "--assets");
  if (!Array.isArray(value)) throw new UsageError(`--assets ${opts.assets}: expected a JSON array of { symbol, slot, decimals }`);
  try {
    checkRegistry(value as AssetInfo[]);
  } catch (err) {
    throw new UsageError(`--assets ${opts.assets}: ${(err as Error).message}`);
  }
  return value as AssetInfo[];
}

export const uint = (v: unknown, field: string): bigint => {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw new UsageError(`${field} must be a non-negative integer (a decimal string)`);
  return BigInt(v);
};

/** A per-slot vector given as an array of 16 integers or an object { SYMBOL: integer }. */
export function slotVector(v: unknown, assets: readonly AssetInfo[], field: string): bigint[] {
  if (Array.isArray(v)) {
    if (v.length !== N_ASSETS) throw new UsageError(`${field} must have ${N_ASSETS} entries, got ${v.length}`);
    return v.map((x, i) => uint(x, `${field}[${i}]`));
  }
  if (v === null || typeof v !== "object") throw new UsageError(`${field} must be an array of ${N_ASSETS} integers or an object { SYMBOL: integer }`);
  const out = new Array<bigint>(N_ASSETS).fill(0n);
  for (const [symbol, x] of Object.entries(v as Record<string, unknown>)) {
    let a: AssetInfo;
    try {
      a = findAsset(assets, symbol, field);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    out[a.slot] = uint(x, `${field}.${symbol}`);
  }
  return out;
}

/**
 * The weights of the development world's first epoch: the dev prices and the maintenance haircut
 * the oracle's formula gives each dev asset's starting volatility (no RPC involved).
 */
export function devWeights(): { epoch: bigint; weights: ReserveWeights; source: string } {
  const risk = defaultRiskConfig(3600);
  const multiplier = riskMultiplierOf(risk);
  const prices = new Array<bigint>(N_ASSETS).fill(0n);
  const haircuts = new Array<bigint>(N_ASSETS).fill(0n);
  DEV_ASSETS.forEach((a, slot) => {
    prices[slot] = a.price;
    const v = annualVolToVariancePerSample(a.annualVol, 3600);
    haircuts[slot] = targetRatio(v > risk.varianceFloor ? v : risk.varianceFloor, multiplier, risk.haircutFloor, risk.haircutCap);
  });
  return { epoch: 1n, weights: reserveWeights(prices, haircuts), source: "development defaults (dev prices, first-epoch haircuts; not an oracle reading)" };
}

/** Reads --weights (either form), or the development defaults. */
export function weightsOption(opts: ReservesOptions, assets: readonly AssetInfo[]): { epoch: bigint; weights: ReserveWeights; source: string } {
  if (opts.weights === undefined) return devWeights();
  const v = readJson(opts.weights, "--weights") as Record<string, unknown>;
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new UsageError(`--weights ${opts.weights}: expected a JSON object`);
  const epoch = uint(v.epoch, "weights.epoch");
  if (epoch === 0n) throw new UsageError("weights.epoch must be an oracle epoch (>= 1)");
  let weights: ReserveWeights;
  try {
    if (v.assetWeights !== undefined || v.liabilityWeights !== undefined) {
      weights = { assetWeights: slotVector(v.assetWeights, assets, "weights.assetWeights"), liabilityWeights: slotVector(v.liabilityWeights, assets, "weights.liabilityWeights") };
      validateReserveWeights(weights, "weights");
    } else if (v.prices !== undefined && v.haircuts !== undefined) {
      weights = reserveWeights(slotVector(v.prices, assets, "weights.prices"), slotVector(v.haircuts, assets, "weights.haircuts"));
    } else {
      throw new UsageError(`--weights ${opts.weights}: give assetWeights and liabilityWeights, or prices and haircuts`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--weights ${opts.weights}: ${(err as Error).message}`);
  }
  return { epoch, weights, source: opts.weights };
}

/** Parses --reserves: "net", a JSON file { SYM: amount }, or SYM=amount,SYM=amount. Normalised units. */
export function reservesOption(spec: string, assets: readonly AssetInfo[]): bigint[] | undefined {
  if (spec === "net") return undefined;
  let entries: [string, unknown][];
  if (existsSync(spec)) {
    const v = readJson(spec, "--reserves");
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new UsageError(`--reserves ${spec}: expected a JSON object { "SYMBOL": "whole tokens", ... }`);
    entries = Object.entries(v as Record<string, unknown>);
  } else if (/^[^=,]+=[^=,]+(,[^=,]+=[^=,]+)*$/.test(spec)) {
    entries = spec.split(",").map((kv) => kv.split("=") as [string, string]);
  } else {
    throw new UsageError(`--reserves ${JSON.stringify(spec)}: not a file, not SYMBOL=amount[,SYMBOL=amount...], and not "net"`);
  }
  const base = new Array<bigint>(N_ASSETS).fill(0n);
  try {
    const seen = new Set<number>();
    for (const [symbol, amount] of entries) {
      const a = findAsset(assets, symbol.trim(), "--reserves");
      if (seen.has(a.slot)) throw new UsageError(`--reserves: ${a.symbol} is given twice; give each asset once`);
      seen.add(a.slot);
      base[a.slot] = parseUnits(typeof amount === "string" ? amount.trim() : amount, a.decimals, `--reserves ${a.symbol}`);
    }
    return normalizeReserves(base, slotDecimals(assets));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function readRegistryStateFile(path: string): RegistryStateJson {
  const v = readJson(path, "--registry-state") as RegistryStateJson;
  if (v?.kind !== "plimsoll.reserves.registry-state") throw new UsageError(`--registry-state ${path}: not a registry state file (kind plimsoll.reserves.registry-state)`);
  return v;
}

export function log(opts: ReservesOptions, text: string): void {
  if (!opts.json) console.error(text);
}
