/**
 * The deployment file: where a Plimsoll system lives on one chain (every address, the tokens with
 * their symbols and decimals, the markets, the chain id and the deploy block). `plimsoll deploy`
 * writes it (atomically, never over an existing file without --force); every chain command reads
 * it with `--deployment FILE` (default `.plimsoll/deployment.json`, or `$PLIMSOLL_DEPLOYMENT`).
 */
import { existsSync, readFileSync } from "node:fs";
import { isAddress } from "ethers";
import { stringify, writeFileAtomic, type AssetInfo } from "../../prover/src/index.js";
import { UsageError } from "../usage.js";

/** The default deployment file. */
export const DEFAULT_DEPLOYMENT = ".plimsoll/deployment.json";

/** One collateral token. */
export interface DeployedToken {
  symbol: string;
  slot: number;
  decimals: number;
  address: string;
}

/** The deployment file's content (version 1). */
export interface DeploymentFile {
  version: 1;
  /** True for the development world: mintable mock tokens and settable mock prices. */
  development: boolean;
  chainId: string;
  /** The block of the first deployment transaction (where a keeper or an indexer starts). */
  deployBlock: number;
  /** The RPC URL it was deployed through (the default `--rpc` of later commands). */
  rpc: string;
  gridSeconds: number;
  contracts: {
    engine: string;
    oracle: string;
    market: string;
    insuranceFund: string;
    keeperRegistry: string;
    reserveRegistry: string | null;
    accountUpdateVerifier: string;
    insolvencyVerifier: string;
    poseidon3: string;
    poseidon4: string;
    /**
     * The shielded note pool, bound to the engine (which holds its tokens), and what it is built
     * from. Absent in files written before the pool existed: the `notes` commands then say to deploy again.
     */
    shieldedPool?: string;
    noteJoinSplitVerifier?: string;
    noteBatchInsertVerifier?: string;
    accountAbsorbVerifier?: string;
    accountEmitVerifier?: string;
    /** poseidon-solidity's PoseidonT3 library, linked into the pool. */
    poseidonT3?: string;
    /** The factory of owners' isolated sub-accounts (contracts/accounts/). Absent in files written before it existed. */
    subAccountFactory?: string;
  };
  tokens: DeployedToken[];
  /** Price sources per asset slot (development mocks). */
  feeds: string[][];
  markets: { id: number; symbol: string; underlying: number }[];
  /**
   * What the engine's market is: the oracle's perps (absent or "perp") or an OptionsMarket ("options",
   * an options engine: its own engine beside the perp one, quoted by the market itself).
   */
  marketKind?: "perp" | "options";
}

/** True for an options engine's deployment file. */
export function isOptions(d: DeploymentFile): boolean {
  return d.marketKind === "options";
}

/** The deployment file to use: --deployment, else $PLIMSOLL_DEPLOYMENT, else the default. */
export function deploymentPath(flag: string | undefined): string {
  return flag ?? (process.env.PLIMSOLL_DEPLOYMENT || DEFAULT_DEPLOYMENT);
}

/** The optional addresses: the shielded pool and its verifiers, the sub-account factory. */
const NOTE_CONTRACTS = ["shieldedPool", "noteJoinSplitVerifier", "noteBatchInsertVerifier", "accountAbsorbVerifier", "accountEmitVerifier", "poseidonT3", "subAccountFactory"] as const;

/** Writes the deployment file atomically; refuses an existing file unless `force`. */
export function writeDeployment(path: string, d: DeploymentFile, force: boolean): void {
  if (existsSync(path) && !force) throw new UsageError(`--out ${path}: a deployment file already exists (pass --force to replace it)`);
  writeFileAtomic(path, stringify(d, 2) + "\n", { noClobber: !force });
}

function addressField(v: unknown, field: string, path: string): string {
  if (typeof v !== "string" || !isAddress(v)) throw new UsageError(`--deployment ${path}: ${field} is not an address`);
  return v;
}

/** Reads and checks a deployment file; errors name the file and the field. */
export function readDeployment(path: string): DeploymentFile {
  if (!existsSync(path)) throw new UsageError(`--deployment ${path}: no deployment file (run 'plimsoll deploy --rpc <url>' first, or pass --deployment)`);
  let d: DeploymentFile;
  try {
    d = JSON.parse(readFileSync(path, "utf8")) as DeploymentFile;
  } catch {
    throw new UsageError(`--deployment ${path}: not valid JSON`);
  }
  if (d === null || typeof d !== "object" || d.version !== 1) throw new UsageError(`--deployment ${path}: not a version-1 deployment file`);
  if (d.contracts === null || typeof d.contracts !== "object") throw new UsageError(`--deployment ${path}: contracts is missing`);
  for (const k of ["engine", "oracle", "market", "keeperRegistry"] as const) addressField(d.contracts[k], `contracts.${k}`, path);
  for (const k of NOTE_CONTRACTS) if (d.contracts[k] !== undefined) addressField(d.contracts[k], `contracts.${k}`, path);
  if (!Array.isArray(d.tokens) || d.tokens.length === 0) throw new UsageError(`--deployment ${path}: tokens must be a non-empty array`);
  d.tokens.forEach((t, i) => {
    addressField(t.address, `tokens[${i}].address`, path);
    if (typeof t.symbol !== "string" || !Number.isInteger(t.slot) || !Number.isInteger(t.decimals)) throw new UsageError(`--deployment ${path}: tokens[${i}] needs symbol, slot and decimals`);
  });
  if (!Array.isArray(d.markets)) throw new UsageError(`--deployment ${path}: markets must be an array`);
  if (d.marketKind !== undefined && d.marketKind !== "perp" && d.marketKind !== "options") throw new UsageError(`--deployment ${path}: marketKind must be "perp" or "options"`);
  return d;
}

/** The tokens as the library's asset registry. */
export function assetsOf(d: DeploymentFile): AssetInfo[] {
  return d.tokens.map((t) => ({ symbol: t.symbol, slot: t.slot, decimals: t.decimals, token: t.address }));
}
