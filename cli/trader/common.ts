/**
 * What the trader's commands (basket, prove, verify, calldata) share: their options, and reading
 * and writing their JSON files (basket, opening, weights, proof) with errors that name the flag.
 */
import { readFileSync } from "node:fs";
import type { ParseArgsConfig } from "node:util";
import { isAddress } from "ethers";
import {
  AMOUNT_BITS,
  checkRegistry,
  DEV_REGISTRY,
  N_ASSETS,
  stringify,
  writeFileAtomic,
  type AccountOpening,
  type AssetInfo,
} from "../../prover/src/index.js";
import type { OptionValues } from "../command.js";
import { UsageError } from "../usage.js";

/** Every option of the trader's commands. */
export const TRADER_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  file: { type: "string" },
  owner: { type: "string" },
  out: { type: "string" },
  assets: { type: "string" },
  opening: { type: "string" },
  weights: { type: "string" },
  requirement: { type: "string" },
  deposit: { type: "string" },
  withdraw: { type: "string" },
  next: { type: "string" },
  wasm: { type: "string" },
  zkey: { type: "string" },
  proof: { type: "string" },
  vkey: { type: "string" },
  "keeper-id": { type: "string" },
  "keeper-key": { type: "string" },
  epoch: { type: "string" },
} satisfies ParseArgsConfig["options"];

export type TraderOptions = OptionValues<typeof TRADER_OPTIONS>;

/** JSON with bigints as decimal strings, indented: the trader commands' output and files. */
export const pretty = (v: unknown): string => stringify(v, 2);

/** Reads the JSON file given as `--<what>`; errors name the flag. */
export function readJson(path: string | undefined, what: string): unknown {
  if (path === undefined) throw new UsageError(`--${what} is required`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`--${what} ${path}: file not found or unreadable`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${what} ${path}: not valid JSON`);
  }
}

/** Writes a JSON output file atomically, mode 0600 (openings are secrets), into an existing folder. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, pretty(value) + "\n", { mode: 0o600, mkdir: false, tmpPath: `${path}.tmp` });
}

/** The asset registry: --assets, else the development registry. */
export function registry(opts: TraderOptions): readonly AssetInfo[] {
  if (opts.assets === undefined) return DEV_REGISTRY;
  const value = readJson(opts.assets, "assets");
  if (!Array.isArray(value)) throw new UsageError(`--assets ${opts.assets}: expected a JSON array of { symbol, slot, decimals }`);
  checkRegistry(value as AssetInfo[]);
  return value as AssetInfo[];
}

/** A non-negative integer given as a decimal string, optionally below 2^bits. */
export function integer(value: unknown, field: string, bits?: number): bigint {
  if (typeof value !== "string" || !/^[0-9]+$/.test(value)) throw new UsageError(`${field} must be a non-negative integer string`);
  const x = BigInt(value);
  if (bits !== undefined && x >= 1n << BigInt(bits)) throw new UsageError(`${field} is not below 2^${bits}`);
  return x;
}

/** Reads an opening file written by `basket create` or `prove update --next`. */
export function readOpening(path: string | undefined): AccountOpening {
  const v = readJson(path, "opening") as Record<string, unknown>;
  if (v === null || typeof v !== "object") throw new UsageError(`opening ${path} is not an object`);
  if (typeof v.owner !== "string" || !isAddress(v.owner)) throw new UsageError(`opening.owner must be an address`);
  if (!Array.isArray(v.amounts) || v.amounts.length !== N_ASSETS) throw new UsageError(`opening.amounts must have ${N_ASSETS} entries`);
  return {
    owner: BigInt(v.owner),
    amounts: v.amounts.map((a, i) => integer(a, `opening.amounts[${i}]`, AMOUNT_BITS)),
    blinding: integer(v.blinding, "opening.blinding"),
  };
}

/** The opening file's document. */
export function openingJson(o: AccountOpening, commitment: bigint): Record<string, unknown> {
  return {
    version: 1,
    owner: `0x${o.owner.toString(16).padStart(40, "0")}`,
    amounts: o.amounts.map(String),
    blinding: o.blinding.toString(),
    commitment: commitment.toString(),
    note: "PRIVATE: whoever holds this file can prove statements about the account. Keep it safe.",
  };
}
