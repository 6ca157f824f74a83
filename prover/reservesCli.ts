/**
 * `plimsoll reserves`: proof of reserves for custodians, auditors and clients.
 *
 *   plimsoll reserves prove   --clients clients.csv --reserves reserves.json --out period/
 *   plimsoll reserves verify  --dir period/ [--registry-state state.json]
 *   plimsoll reserves include --dir period/ --id alice
 *
 * `runReserves(argv)` takes the arguments after `reserves` and returns the exit code: 0 success,
 * 1 a failed check (invalid proof, client not shown) or a failure, 2 bad input. It prints its own
 * errors (`plimsoll reserves: ...`), so a dispatcher only has to call it. Run directly
 * (`node --import tsx prover/reservesCli.ts prove ...`) it behaves as the subcommand.
 *
 * Everything here is off-chain. Publishing on the registry (openPeriod, submitBatch, finalize) and
 * reading it back (the --registry-state file) are library functions, `publishPeriod` and
 * `readRegistryState` in prover/src/reserves/orchestrate.ts, which the demo uses.
 */
import { existsSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { pathToFileURL } from "node:url";
import { isAddress, getAddress } from "ethers";
import { checkRegistry, findAsset, parseUnits, type AssetInfo } from "./src/assets.js";
import { DEV_ASSETS, DEV_REGISTRY } from "./src/devnet.js";
import { initPoseidon } from "./src/poseidon.js";
import { defaultRiskConfig, riskMultiplierOf, targetRatio, annualVolToVariancePerSample } from "./src/oracle/index.js";
import { BATCH_SIZE, MAX_CLIENTS, N_ASSETS } from "./src/reserves/constants.js";
import { idHash } from "./src/reserves/leaf.js";
import { normalizeReserves, reserveWeights, reserveWeightsHash, validateReserveWeights, type ReserveWeights } from "./src/reserves/normalize.js";
import { ClientFileError, readClientFile, slotDecimals, toClientBalances } from "./src/reserves/csv.js";
import {
  batchCountOf,
  inclusionFileOf,
  PlanMismatchError,
  periodFiles,
  planFromFile,
  provePeriod,
  readJsonFile,
  stringify,
  writeJsonAtomic,
  type PeriodFileJson,
  type PlanFileJson,
  type RegistryStateJson,
} from "./src/reserves/orchestrate.js";
import { formatDuration } from "./src/reserves/progress.js";
import { auditPeriod, auditReportJson, formatAuditReport } from "../verifier/src/reserves/report.js";
import { checkClientInclusion, formatInclusion, readInclusionFile, type RootSource } from "../verifier/src/reserves/inclusion.js";
import { paths } from "../scripts/lib/paths.js";

/** A user-facing failure: printed without a stack trace, exit code 2. */
class UsageError extends Error {}

/** The first Hardhat development account: the default custodian, for development only. */
export const DEV_CUSTODIAN = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/** One line per subcommand, for the top-level `plimsoll --help`. */
export const RESERVES_SUMMARY = `  reserves prove    Prove a custodian's reserves period from a CSV/JSON of clients (batches in parallel, resumable)
  reserves verify   Audit a proved period: every proof off-chain, the chain of batches, and a per-asset report
  reserves include  A client checks its own leaf and Merkle path against the published root`;

export const RESERVES_HELP = `plimsoll reserves — proof of reserves for custodians

Usage: plimsoll reserves <prove|verify|include> [options]

${RESERVES_SUMMARY}

Run 'plimsoll reserves <command> --help' for its options. Every command accepts --json.
These commands work off-chain. Publishing a period on the ReserveRegistry (openPeriod, submitBatch,
finalize) and reading it back are library functions (publishPeriod, readRegistryState in
prover/src/reserves/orchestrate.ts); 'npm run demo' runs them. Keys come from 'npm run build'
(development keys, not for production).`;

export const RESERVES_COMMAND_HELP: Record<string, string> = {
  prove: `Usage: plimsoll reserves prove --clients <file> --reserves <spec> --out <dir> [options]

Validates the client file row by row, builds the client tree (Poseidon, depth 20), and proves every
batch of ${BATCH_SIZE} clients plus the final proof, in parallel prover processes, with a progress bar
and ETA on stderr. Resumable: rerun the same command after an interruption and only the missing
batches are proved (plan.json keeps the salts, so the tree is the same). One run at a time
per folder (<out>/.lock).
  --clients   CSV (id,USDC,USDC_debt,WETH,WETH_debt,...: whole tokens) or JSON
              [{ "id", "assets": { "USDC": "1.5" }, "liabilities": { ... } }] (required)
  --reserves  the custodian's reserves per asset, whole tokens: a JSON file { "USDC": "1000", ... },
              inline USDC=1000,WETH=2.5, or "net" for exactly the clients' net balances (required)
  --out       output folder (required): plan.json (PRIVATE), period.json, batch-<i>.json, final.json
              (publish these three kinds), inclusion/<idHash>.json (one PRIVATE file per client)
  --workers   prover processes (default 2; each is a snarkjs instance using every core)
  --custodian the custodian's address, bound into every proof (default ${DEV_CUSTODIAN}, dev account 0)
  --period    the custodian's next period index on the registry (default 0)
  --weights   the epoch's weights: JSON { "epoch", "assetWeights": [16], "liabilityWeights": [16] }
              or { "epoch", "prices": [16 | {SYM: 8-decimal int}], "haircuts": [16 | {SYM: WAD}] }
              (maintenance haircuts); the registry's currentReserveWeights() gives the first form.
              Default: development weights (dev prices, the dev oracle's first-epoch haircuts, epoch 1),
              computed without any RPC — not an oracle reading
  --assets    asset registry JSON [{ "symbol", "slot", "decimals" }] (default: USDC/WETH/WBTC)
  --restart   start over: discard the plan, proofs and inclusion files found in --out
  --skip-inclusion  do not write the per-client inclusion files
  --json      machine-readable summary on stdout (progress stays on stderr when it is a terminal)`,
  verify: `Usage: plimsoll reserves verify --dir <dir> [--registry-state <json>] [--json]

For auditors. Verifies every batch proof and the final proof off-chain (snarkjs, the exported
verification keys), checks that the batches chain from the genesis state with no gap or overlap at
the period's weights, that the final proof carries the published root, client count and reserves,
and opens the final state to the per-asset totals. Prints a per-asset table (client balances and
debts, net owed, reserves, coverage) and the checks. Exit 0 when everything holds, 1 otherwise.
  --dir             folder with period.json, batch-<i>.json, final.json
  --registry-state  the registry's view of the period (JSON written by readRegistryState): also
                    checks epoch, weights hash, root, reserves and the on-chain verified flag
  --vkey-batch, --vkey-final  verification keys (default build/keys/reserves_{batch,finalize}.vkey.json)
  --json            the report as JSON`,
  include: `Usage: plimsoll reserves include --id <client> (--dir <dir> | --file <inclusion.json>) [--root <root>] [--registry-state <json>] [--json]

For clients. Checks that the client's leaf (id hash, salt, balances) and Merkle path hash up to the
root. With --dir it uses <dir>/inclusion/<idHash>.json, writing it first from plan.json when absent.
The root comes from --registry-state (best), --root, <dir>/period.json, or the file itself, in that
order; the output says which. Exit 0 when included, 1 when not.
  --id              the client's id, exactly as the custodian holds it (required)
  --dir             a proved period folder (the custodian's)
  --file            the client's own inclusion file
  --root            the published root (a decimal integer, e.g. read from the registry)
  --registry-state  the registry's view of the period (JSON written by readRegistryState)
  --json            machine-readable output`,
};

const OPTIONS = {
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
} satisfies ParseArgsConfig["options"];

type Options = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

function readJson(path: string, what: string): unknown {
  try {
    return readJsonFile(path, what);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}

function integerOption(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return Number(value);
}

function registry(opts: Options): readonly AssetInfo[] {
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

const uint = (v: unknown, field: string): bigint => {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw new UsageError(`${field} must be a non-negative integer (a decimal string)`);
  return BigInt(v);
};

/** A per-slot vector given as an array of 16 integers or an object { SYMBOL: integer }. */
function slotVector(v: unknown, assets: readonly AssetInfo[], field: string): bigint[] {
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
function weightsOption(opts: Options, assets: readonly AssetInfo[]): { epoch: bigint; weights: ReserveWeights; source: string } {
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
function reservesOption(spec: string, assets: readonly AssetInfo[]): bigint[] | undefined {
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
    for (const [symbol, amount] of entries) {
      const a = findAsset(assets, symbol.trim(), "--reserves");
      base[a.slot] = parseUnits(typeof amount === "string" ? amount.trim() : amount, a.decimals, `--reserves ${a.symbol}`);
    }
    return normalizeReserves(base, slotDecimals(assets));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function log(opts: Options, text: string): void {
  if (!opts.json) console.error(text);
}

async function prove(opts: Options): Promise<number> {
  const assets = registry(opts);
  const clientsPath = required(opts.clients, "clients");
  const out = required(opts.out, "out");
  const reservesSpec = required(opts.reserves, "reserves");
  const workers = integerOption(opts.workers, "workers", 1, 64, 2);
  const periodIndex = integerOption(opts.period, "period", 0, 2 ** 32 - 1, 0);
  const custodianText = opts.custodian ?? DEV_CUSTODIAN;
  if (!isAddress(custodianText)) throw new UsageError(`--custodian must be an Ethereum address, got ${JSON.stringify(custodianText)}`);
  const custodian = getAddress(custodianText);
  const { epoch, weights, source } = weightsOption(opts, assets);
  const reserves = reservesOption(reservesSpec, assets);

  let rows;
  try {
    rows = readClientFile(clientsPath, assets);
  } catch (err) {
    if (err instanceof ClientFileError) throw new UsageError(err.message);
    throw new UsageError((err as Error).message);
  }
  if (rows.length > MAX_CLIENTS) throw new UsageError(`${rows.length} clients: a period holds at most ${MAX_CLIENTS}`);
  const clients = toClientBalances(rows, assets);
  log(opts, `${rows.length.toLocaleString("en-US")} clients read from ${clientsPath}; weights: ${source}, epoch ${epoch}`);
  log(opts, `custodian ${custodian}, period ${periodIndex}: ${batchCountOf(rows.length)} batches of ${BATCH_SIZE} + 1 final proof with ${workers} prover process${workers === 1 ? "" : "es"}`);
  log(opts, `planning: client tree and every batch's witness input (about 1.5 ms per client${rows.length >= 10_000 ? `, ~${Math.ceil((rows.length * 1.5) / 1000)} s here` : ""}), or reusing ${periodFiles.plan(out)}...`);

  let result;
  try {
    result = await provePeriod({
      out,
      inputs: { custodian, periodIndex, epoch, clients, weights, reserves, assets },
      workers,
      restart: opts.restart === true,
      inclusionFiles: opts["skip-inclusion"] !== true,
      progress: opts.json && !process.stderr.isTTY ? false : { label: "proving" },
    });
  } catch (err) {
    if (err instanceof PlanMismatchError) throw new UsageError(err.message);
    const msg = (err as Error).message;
    // planPeriod's validation (a client under maintenance, reserves below the net balance, ...) is bad input.
    if (err instanceof RangeError || err instanceof TypeError) throw new UsageError(msg);
    throw err;
  }
  const provedMs = result.records.filter((r) => r.proved).reduce((s, r) => s + r.witnessMs + r.proveMs, 0);
  const summary = {
    out,
    custodian,
    periodIndex,
    epoch: epoch.toString(),
    clientCount: result.plan.clientCount,
    batchSize: BATCH_SIZE,
    batchCount: result.plan.batches.length,
    provedBatches: result.proved.length,
    skippedBatches: result.skipped.length,
    resumed: result.resumed,
    root: result.plan.root.toString(),
    reserveWeightsHash: reserveWeightsHash(await initPoseidon(), weights.assetWeights, weights.liabilityWeights).toString(),
    reserves: result.plan.final.reserves.map(String),
    workers,
    planMs: Math.round(result.planMs),
    proveWallMs: Math.round(result.wallMs),
    proveCpuMs: Math.round(provedMs),
    clientsPerSecond: result.proved.length === 0 ? null : Number(((result.proved.reduce((s, i) => s + result.plan.batches[i]!.clients, 0) * 1000) / result.wallMs).toFixed(2)),
    inclusionFiles: result.inclusionFiles,
  };
  if (opts.json) console.log(stringify(summary, 2));
  else {
    console.log(`period proved in ${out}: ${summary.clientCount} clients, ${summary.batchCount} batches (${summary.provedBatches} proved now, ${summary.skippedBatches} already there) + final proof`);
    console.log(`  root ${summary.root}`);
    console.log(`  wall time ${formatDuration(result.wallMs)}${summary.clientsPerSecond === null ? "" : `, ${summary.clientsPerSecond} clients/s`}; ${summary.inclusionFiles} inclusion files in ${periodFiles.inclusionDir(out)}`);
    console.log(`  publish: openPeriod(${summary.epoch}, root, ${summary.clientCount}, reserves) from the custodian, then submitBatch x${summary.batchCount} and finalize (publishPeriod)`);
    console.log(`  audit:   plimsoll reserves verify --dir ${out}`);
  }
  return 0;
}

function readRegistryStateFile(path: string): RegistryStateJson {
  const v = readJson(path, "--registry-state") as RegistryStateJson;
  if (v?.kind !== "plimsoll.reserves.registry-state") throw new UsageError(`--registry-state ${path}: not a registry state file (kind plimsoll.reserves.registry-state)`);
  return v;
}

async function verify(opts: Options): Promise<number> {
  const dir = required(opts.dir, "dir");
  if (!existsSync(periodFiles.period(dir))) throw new UsageError(`--dir ${dir}: no period.json (is it a folder written by 'reserves prove'?)`);
  const registryState = opts["registry-state"] === undefined ? undefined : readRegistryStateFile(opts["registry-state"]);
  const vkeys = { batch: opts["vkey-batch"] ?? paths.vkey("reserves_batch"), finalize: opts["vkey-final"] ?? paths.vkey("reserves_finalize") };
  const progress = !opts.json && process.stderr.isTTY;
  const report = await auditPeriod({
    dir,
    vkeys,
    ...(registryState === undefined ? {} : { registryState }),
    onProgress: progress ? (done, total) => process.stderr.write(`\rverifying proofs ${done}/${total}${done === total ? "\n" : ""}`) : undefined,
  });
  console.log(opts.json ? stringify(auditReportJson(report), 2) : formatAuditReport(report));
  return report.valid ? 0 : 1;
}

async function include(opts: Options): Promise<number> {
  const id = required(opts.id, "id");
  if (opts.dir === undefined && opts.file === undefined) throw new UsageError("give --dir <period folder> or --file <inclusion.json>");
  let file = opts.file;
  let period: PeriodFileJson | undefined;
  if (opts.dir !== undefined && existsSync(periodFiles.period(opts.dir))) period = readJson(periodFiles.period(opts.dir), "period file") as PeriodFileJson;
  if (file === undefined) {
    const dir = opts.dir!;
    file = periodFiles.inclusion(dir, idHash(id));
    if (!existsSync(file)) {
      if (!existsSync(periodFiles.plan(dir))) throw new UsageError(`no inclusion file for ${JSON.stringify(id)} in ${dir}/inclusion and no plan.json to make one from`);
      const stored = readJson(periodFiles.plan(dir), "plan") as PlanFileJson;
      const plan = planFromFile(await initPoseidon(), stored, periodFiles.plan(dir));
      let inclusion;
      try {
        inclusion = inclusionFileOf(plan, stored, id);
      } catch (err) {
        if (opts.json) console.log(stringify({ valid: false, id, reason: (err as Error).message }, 2));
        else console.log(`NOT SHOWN: client ${JSON.stringify(id)}: ${(err as Error).message}`);
        return 1;
      }
      writeJsonAtomic(file, inclusion, 0o600);
      log(opts, `wrote ${file}`);
    }
  }
  let parsed;
  try {
    parsed = readInclusionFile(file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let root: bigint | undefined;
  let rootSource: RootSource | undefined;
  let custodian: string | undefined;
  let periodIndex: number | undefined;
  if (opts["registry-state"] !== undefined) {
    const r = readRegistryStateFile(opts["registry-state"]);
    root = BigInt(r.root);
    rootSource = "registry";
    custodian = r.custodian;
    periodIndex = r.periodIndex;
    if (!r.verified) log(opts, "note: the registry has not marked this period verified (yet)");
  } else if (opts.root !== undefined) {
    if (!/^[0-9]+$/.test(opts.root)) throw new UsageError("--root must be a decimal integer");
    root = BigInt(opts.root);
    rootSource = "--root";
  } else if (period !== undefined) {
    root = BigInt(period.root);
    rootSource = "period.json";
    custodian = period.custodian;
    periodIndex = period.periodIndex;
  }
  const result = await checkClientInclusion(parsed, {
    id,
    ...(root === undefined ? {} : { root }),
    ...(rootSource === undefined ? {} : { rootSource }),
    ...(custodian === undefined ? {} : { custodian }),
    ...(periodIndex === undefined ? {} : { periodIndex }),
  });
  console.log(opts.json ? stringify({ ...result, file }, 2) : `${formatInclusion(result)}\n  file ${file}`);
  return result.valid ? 0 : 1;
}

/**
 * Runs `plimsoll reserves <argv...>`: argv is what follows `reserves` (`["prove", "--clients", ...]`).
 * Prints its output and errors; returns the exit code (0 ok, 1 failed check or failure, 2 bad input).
 */
export async function runReserves(argv: string[]): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const opts = parsed.values as Options;
    const command = parsed.positionals[0];
    if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[1])}`);
    if (command === undefined || command === "help") {
      console.log(RESERVES_HELP);
      return 0;
    }
    if (!(command in RESERVES_COMMAND_HELP)) throw new UsageError(`unknown command 'reserves ${command}'. Run 'plimsoll reserves --help'.`);
    if (opts.help) {
      console.log(RESERVES_COMMAND_HELP[command]);
      return 0;
    }
    switch (command) {
      case "prove":
        return await prove(opts);
      case "verify":
        return await verify(opts);
      case "include":
        return await include(opts);
    }
    return 2;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    console.error(`plimsoll reserves: ${msg}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

// Run directly: `node --import tsx prover/reservesCli.ts <command> ...`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runReserves(process.argv.slice(2));
  process.exit(code);
}

