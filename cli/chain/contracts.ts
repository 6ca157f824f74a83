/**
 * The compiled contracts the chain commands use: ABIs and bytecode from Hardhat's artifacts
 * (`artifacts/contracts/**\/<Name>.json`, written by `npm run build`, shipped in the package), and
 * the revert decoder that turns a custom error into `PoolInsufficient(need, have)` instead of a
 * JavaScript stack.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Interface, type InterfaceAbi } from "ethers";

/** The package root: the nearest folder above this file that holds package.json (works from dist/ too). */
export const PACKAGE_ROOT: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("plimsoll: cannot find the package root (no package.json above the CLI)");
    dir = up;
  }
  return dir;
})();

/** Where Hardhat's contract artifacts are: `$PLIMSOLL_CONTRACTS`, else `<package>/artifacts/contracts`. */
export function contractsDir(): string {
  const env = process.env.PLIMSOLL_CONTRACTS;
  return env === undefined || env === "" ? path.join(PACKAGE_ROOT, "artifacts", "contracts") : path.resolve(env);
}

/** One compiled contract. */
export interface ContractArtifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
}

let index: Map<string, string> | undefined;

function buildIndex(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".json") && !e.name.endsWith(".dbg.json") && !e.name.startsWith("artifacts")) {
        const name = e.name.slice(0, -".json".length);
        if (!out.has(name)) out.set(name, p);
      }
    }
  };
  walk(dir);
  return out;
}

/** The artifact of contract `name`; an error saying to build when it is missing. */
export function contractArtifact(name: string): ContractArtifact {
  const dir = contractsDir();
  if (!existsSync(dir)) throw new Error(`no compiled contracts in ${dir}: run 'npm run build' (or set PLIMSOLL_CONTRACTS)`);
  index ??= buildIndex(dir);
  const file = index.get(name);
  if (file === undefined) throw new Error(`no compiled contract ${name} in ${dir}: run 'npm run build'`);
  return JSON.parse(readFileSync(file, "utf8")) as ContractArtifact;
}

/** The ABI of contract `name`. */
export function abiOf(name: string): InterfaceAbi {
  return contractArtifact(name).abi;
}

/** The contracts whose custom errors a revert may carry: the engine, its libraries and everything it calls. */
const ERROR_SOURCES = ["MarginEngine", "AccountUpdates", "NoteUpdates", "Positions", "Leases", "Liquidation", "PerpMarket", "OptionsMarket", "ShieldedPool", "InsuranceFund", "PlimsollOracle", "KeeperRegistry", "ReserveRegistry", "MockERC20"];
let errors: Interface | undefined;

/** Every custom error of the system's contracts, once per signature (the web app's engine ABI carries them too). */
export function errorFragments(): unknown[] {
  const seen = new Set<string>();
  const fragments: unknown[] = [];
  for (const name of ERROR_SOURCES) {
    let abi: InterfaceAbi;
    try {
      abi = abiOf(name);
    } catch {
      continue;
    }
    for (const f of abi as { type?: string; name?: string; inputs?: { type: string }[] }[]) {
      if (f.type !== "error") continue;
      const sig = `${f.name}(${(f.inputs ?? []).map((i) => i.type).join(",")})`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      fragments.push(f);
    }
  }
  return fragments;
}

/** Every custom error of the system's contracts, in one interface (for decoding reverts). */
function errorInterface(): Interface {
  errors ??= new Interface(errorFragments() as InterfaceAbi);
  return errors;
}

/** Finds revert data (`0x...`) anywhere in an ethers error. */
function revertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number): string | undefined => {
    if (v === null || typeof v !== "object" || seen.has(v) || depth > 6) return undefined;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(o.data)) return o.data;
    for (const k of ["error", "info", "cause", "data", "revert"]) {
      const found = visit(o[k], depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(err, 0);
}

/**
 * A one-line explanation of a failed call or transaction: the contract's custom error with its
 * arguments (`StaleEpoch(4, 5)`), a revert string, or the node's message; never a stack.
 */
export function explainChainError(err: unknown): string {
  const data = revertData(err);
  if (data !== undefined) {
    try {
      const parsed = errorInterface().parseError(data);
      if (parsed !== null) return `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})`;
    } catch {
      // not one of ours: fall through
    }
    try {
      const reason = Interface.from(["error Error(string)"]).parseError(data);
      if (reason !== null) return `reverted: ${String(reason.args[0])}`;
    } catch {
      // fall through
    }
  }
  const e = err as { shortMessage?: string; reason?: string; message?: string; code?: string };
  if (e?.code === "ECONNREFUSED" || /ECONNREFUSED|fetch failed/.test(e?.message ?? "")) return "the JSON-RPC node does not answer";
  return e?.reason ?? e?.shortMessage ?? (e?.message ?? String(err)).split("\n")[0]!;
}
