/**
 * What the trader's commands (basket, prove, verify, calldata) share: their options, and reading
 * and writing their JSON files (basket, opening, weights, proof) with errors that name the flag.
 */
import { chmodSync, constants, copyFileSync, existsSync, readFileSync } from "node:fs";
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
import { CHAIN_OPTIONS } from "../chain/connect.js";
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
  force: { type: "boolean" },
  asset: { type: "string" },
  amount: { type: "string" },
  market: { type: "string" },
  size: { type: "string" },
  store: { type: "string" },
  address: { type: "string" },
  sub: { type: "string" },
  margin: { type: "string" },
  ...CHAIN_OPTIONS,
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

/**
 * The fault a test injects into a write: `PLIMSOLL_FAULT=before-rename` kills the process once the
 * temporary file is complete and before it replaces the target (a crash at the worst moment).
 */
function faultHook(): ((tmp: string) => void) | undefined {
  if (process.env.PLIMSOLL_FAULT !== "before-rename") return undefined;
  return () => process.kill(process.pid, "SIGKILL");
}

/** Writes a JSON output file atomically, mode 0600 (openings are secrets), into an existing folder. */
export function writeJson(path: string, value: unknown): void {
  const hook = faultHook();
  try {
    writeFileAtomic(path, pretty(value) + "\n", { mode: 0o600, mkdir: false, tmpPath: `${path}.tmp`, ...(hook === undefined ? {} : { beforeRename: hook }) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`${path}: the folder does not exist`);
    if (code === "EACCES" || code === "EISDIR" || code === "EEXIST") throw new UsageError(`${path}: cannot write (${code}); nothing was changed`);
    throw err;
  }
}

/**
 * Writes a private opening. An opening is the only way into its account, so an existing file is
 * never replaced silently: without `force` this refuses; with it, the old file is first copied to
 * `<path>.bak-<time>` (mode 0600) and the path of the backup is returned. The new file is written
 * atomically either way: a crash leaves the old opening (or the backup) intact.
 */
export function writeOpening(path: string, value: unknown, flag: string, force: boolean | undefined): string | undefined {
  if (!existsSync(path)) {
    writeJson(path, value);
    return undefined;
  }
  if (!force) throw new UsageError(`${flag} ${path}: an opening already exists there; refusing to overwrite it (it may be the only key to an account). Choose another path, or pass --force to replace it after a backup`);
  const backup = `${path}.bak-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  copyFileSync(path, backup, constants.COPYFILE_EXCL);
  chmodSync(backup, 0o600);
  writeJson(path, value);
  return backup;
}

/** The asset registry: --assets, else the development registry. */
export function registry(opts: TraderOptions): readonly AssetInfo[] {
  if (opts.assets === undefined) return DEV_REGISTRY;
  const value = readJson(opts.assets, "assets");
  if (!Array.isArray(value)) throw new UsageError(`--assets ${opts.assets}: expected a JSON array of { symbol, slot, decimals }`);
  try {
    checkRegistry(value as AssetInfo[]);
  } catch (err) {
    throw new UsageError(`--assets ${opts.assets}: ${(err as Error).message}`);
  }
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
