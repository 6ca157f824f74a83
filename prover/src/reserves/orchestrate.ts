/**
 * Proving a custodian's reserves period end to end, resumably, and publishing it on-chain.
 *
 * Output folder (`out`):
 *
 *   plan.json             PRIVATE. The period's inputs with every client's salt: written first, so
 *                         that a rerun rebuilds the very same leaves, tree and batch inputs.
 *   period.json           PUBLIC. What auditors need: custodian, period, epoch, weights, reserves, root,
 *                         client and batch counts, and the opening of the final state (per-asset
 *                         totals), which the final proof's first public signal binds.
 *   batch-<i>.json        PUBLIC. The Groth16 proof of batch i with its public signals.
 *   final.json            PUBLIC. The finalize proof.
 *   inclusion/<h>.json    PRIVATE to each client: its leaf data and Merkle path; <h> is its idHash in hex.
 *
 * Every file is written to a temporary name and renamed into place, so a crash never leaves a
 * half-written proof. A rerun with the same inputs reuses plan.json and skips each batch whose file
 * holds the expected public signals; only missing batches are proved.
 *
 * Proving runs in K child processes (`Prover`, one snarkjs instance each; default 2), not worker
 * threads: snarkjs's own thread pool cannot start inside a worker thread. Each child still uses
 * snarkjs's threads for the multi-exponentiations, so K children overlap one batch's (single
 * threaded) witness computation with another's proving.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ContractTransactionResponse } from "ethers";
import type { AssetInfo } from "../assets.js";
import { packProof, proofTuple, type SnarkjsProof } from "../calldata.js";
import { initPoseidon, type SyncPoseidon } from "../poseidon.js";
import { Prover, type CircuitArtifacts, type ProofOutput } from "../prover.js";
import { paths } from "../../../scripts/lib/paths.js";
import { BATCH_SIZE, N_ASSETS, RESERVE_DECIMALS, TREE_DEPTH } from "./constants.js";
import type { ClientBalances } from "./leaf.js";
import type { ReserveWeights } from "./normalize.js";
import { stateTuple } from "./state.js";
import { inclusionProof, inclusionProofToJson, planPeriod, type InclusionProofJson, type PeriodPlan } from "./witness.js";
import { ProgressBar, type ProgressOptions } from "./progress.js";

// ---------------------------------------------------------------------------------------------
// File formats
// ---------------------------------------------------------------------------------------------

export const PLAN_KIND = "plimsoll.reserves.plan";
export const PERIOD_KIND = "plimsoll.reserves.period";
export const INCLUSION_KIND = "plimsoll.reserves.inclusion";
export const FORMAT_VERSION = 1;

/** The two reserves circuits (names of their build artifacts). */
export const BATCH_CIRCUIT = "reserves_batch";
export const FINALIZE_CIRCUIT = "reserves_finalize";

/** The proving artifacts of both circuits. */
export interface ReservesArtifacts {
  batch: CircuitArtifacts;
  finalize: CircuitArtifacts;
}

/** The artifacts as `npm run build` leaves them. */
export function defaultArtifacts(): ReservesArtifacts {
  return {
    batch: { wasmPath: paths.wasm(BATCH_CIRCUIT), zkeyPath: paths.zkey(BATCH_CIRCUIT) },
    finalize: { wasmPath: paths.wasm(FINALIZE_CIRCUIT), zkeyPath: paths.zkey(FINALIZE_CIRCUIT) },
  };
}

/** The period's identity and parameters, shared by plan.json and period.json. */
export interface PeriodHeaderJson {
  /** 0x address of the custodian (the registry's msg.sender for openPeriod). */
  custodian: string;
  periodIndex: number;
  /** The oracle epoch whose prices and maintenance haircuts gave the weights. */
  epoch: string;
  /** Asset slots in use, for display (symbols and token decimals). */
  assets: AssetInfo[];
  weights: { assetWeights: string[]; liabilityWeights: string[] };
  /** Reserves per slot, normalised units (1e-6 token), as published on-chain. */
  reserves: string[];
}

/** plan.json: PRIVATE (salts and balances of every client). */
export interface PlanFileJson extends PeriodHeaderJson {
  kind: typeof PLAN_KIND;
  version: number;
  note: string;
  /** sha256 of the inputs without the salts: a rerun with other inputs is refused. */
  fingerprint: string;
  root: string;
  /** Clients in tree order: [id, salt, assets[16], liabilities[16]] (normalised units, decimal strings). */
  clients: [string, string, string[], string[]][];
}

/** period.json: PUBLIC. */
export interface PeriodFileJson extends PeriodHeaderJson {
  kind: typeof PERIOD_KIND;
  version: number;
  periodTag: string;
  batchSize: number;
  treeDepth: number;
  clientCount: number;
  batchCount: number;
  root: string;
  reserveWeightsHash: string;
  packedReserves: string[];
  /**
   * The opening of the final state: stateFinal = Poseidon6(periodTag, count, lastIdHash,
   * Poseidon2(Poseidon16(assetSums), Poseidon16(liabilitySums)), frontierHash, root). An auditor
   * recomputes it, so the per-asset totals it shows are the proven ones.
   */
  finalState: {
    stateFinal: string;
    count: number;
    lastIdHash: string;
    frontierHash: string;
    assetSums: string[];
    liabilitySums: string[];
  };
}

/** batch-<i>.json and final.json. */
export interface ReservesProofFileJson {
  circuit: typeof BATCH_CIRCUIT | typeof FINALIZE_CIRCUIT;
  /** Batch index (absent in final.json). */
  batchIndex?: number;
  proof: SnarkjsProof;
  publicSignals: string[];
  meta?: { witnessMs: number; proveMs: number; worker: number };
}

/** inclusion/<idHash hex>.json: one client's leaf and path, with the period it belongs to. */
export interface InclusionFileJson extends InclusionProofJson {
  kind: typeof INCLUSION_KIND;
  version: number;
  note: string;
  custodian: string;
  periodIndex: number;
  epoch: string;
  /** The asset slots in use (symbols, token decimals), to show the balances in tokens. */
  assetInfo: AssetInfo[];
}

const dec = (x: bigint): string => x.toString();

/** JSON with bigints as decimal strings. */
export function stringify(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_, x) => (typeof x === "bigint" ? x.toString() : x), indent);
}

/** Writes `value` as JSON to `file` atomically (temporary file, then rename). */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(value) + "\n", { mode });
  renameSync(tmp, file);
}

/** Reads a JSON file; errors name the file. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`${what} ${file}: not found or unreadable`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${what} ${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Paths inside an output folder. */
export const periodFiles = {
  plan: (dir: string): string => path.join(dir, "plan.json"),
  period: (dir: string): string => path.join(dir, "period.json"),
  batch: (dir: string, i: number): string => path.join(dir, `batch-${i}.json`),
  final: (dir: string): string => path.join(dir, "final.json"),
  inclusionDir: (dir: string): string => path.join(dir, "inclusion"),
  /** The client's file: its idHash as 62 hex digits. */
  inclusion: (dir: string, idHash: bigint): string => path.join(dir, "inclusion", `${idHash.toString(16).padStart(62, "0")}.json`),
};

/** Batches a period of `clientCount` clients needs. */
export function batchCountOf(clientCount: number): number {
  return Math.ceil(clientCount / BATCH_SIZE);
}

// ---------------------------------------------------------------------------------------------
// Planning (plan.json first, reused on a rerun)
// ---------------------------------------------------------------------------------------------

/** The inputs of a period. */
export interface PeriodInputs {
  /** 0x address of the custodian. */
  custodian: string;
  /** The custodian's period index in the registry (its `periodCount` before `openPeriod`). */
  periodIndex: number;
  /** The oracle epoch of the weights. */
  epoch: bigint;
  /** Clients with balances in normalised units (no salts: they are drawn, or reused from plan.json). */
  clients: readonly ClientBalances[];
  weights: ReserveWeights;
  /** Reserves per slot, normalised units; default: the clients' net balances. */
  reserves?: readonly bigint[];
  /** Asset slots in use (symbols, decimals). */
  assets: readonly AssetInfo[];
}

/** sha256 over everything that defines the period except the salts. */
export function fingerprint(inputs: PeriodInputs): string {
  const clients = [...inputs.clients]
    .map((c) => [c.id, c.assets.map(dec), c.liabilities.map(dec)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const body = stringify({
    custodian: inputs.custodian.toLowerCase(),
    periodIndex: inputs.periodIndex,
    epoch: inputs.epoch,
    weights: inputs.weights,
    reserves: inputs.reserves ?? "net",
    clients,
  });
  return createHash("sha256").update(body).digest("hex");
}

/** Thrown when an output folder holds another period's plan. */
export class PlanMismatchError extends Error {}

function headerOf(plan: PeriodPlan, inputs: PeriodInputs): PeriodHeaderJson {
  return {
    custodian: inputs.custodian,
    periodIndex: inputs.periodIndex,
    epoch: dec(inputs.epoch),
    assets: inputs.assets.map((a) => ({ symbol: a.symbol, slot: a.slot, decimals: a.decimals })),
    weights: { assetWeights: plan.weights.assetWeights.map(dec), liabilityWeights: plan.weights.liabilityWeights.map(dec) },
    reserves: plan.final.reserves.map(dec),
  };
}

/** The public description of a planned period (period.json). */
export function periodFileOf(h: SyncPoseidon, plan: PeriodPlan, inputs: PeriodInputs): PeriodFileJson {
  const last = plan.batches[plan.batches.length - 1]!.after;
  const tuple = stateTuple(h, last);
  return {
    kind: PERIOD_KIND,
    version: FORMAT_VERSION,
    ...headerOf(plan, inputs),
    periodTag: dec(plan.periodTag),
    batchSize: BATCH_SIZE,
    treeDepth: TREE_DEPTH,
    clientCount: plan.clientCount,
    batchCount: plan.batches.length,
    root: dec(plan.root),
    reserveWeightsHash: dec(plan.reserveWeightsHash),
    packedReserves: plan.final.packedReserves.map(dec),
    finalState: {
      stateFinal: dec(plan.final.stateFinal),
      count: last.count,
      lastIdHash: dec(last.lastIdHash),
      frontierHash: dec(tuple[4]!),
      assetSums: last.assetSums.map(dec),
      liabilitySums: last.liabilitySums.map(dec),
    },
  };
}

function bigintArray(v: unknown, n: number, field: string): bigint[] {
  if (!Array.isArray(v) || v.length !== n) throw new TypeError(`${field} is not an array of ${n} decimal strings`);
  return v.map((x, i) => {
    if (typeof x !== "string" || !/^[0-9]+$/.test(x)) throw new TypeError(`${field}[${i}] is not a decimal string`);
    return BigInt(x);
  });
}

/** Rebuilds the plan stored in plan.json (same salts, same tree). */
export function planFromFile(h: SyncPoseidon, file: PlanFileJson, source = "plan.json"): PeriodPlan {
  if (file?.kind !== PLAN_KIND || file.version !== FORMAT_VERSION) throw new TypeError(`${source} is not a version ${FORMAT_VERSION} reserves plan`);
  if (!Array.isArray(file.clients)) throw new TypeError(`${source}.clients is not an array`);
  const clients: ClientBalances[] = file.clients.map((c, i) => {
    if (!Array.isArray(c) || typeof c[0] !== "string" || typeof c[1] !== "string" || !/^[0-9]+$/.test(c[1])) {
      throw new TypeError(`${source}.clients[${i}] is not [id, salt, assets, liabilities]`);
    }
    return { id: c[0], salt: BigInt(c[1]), assets: bigintArray(c[2], N_ASSETS, `${source}.clients[${i}][2]`), liabilities: bigintArray(c[3], N_ASSETS, `${source}.clients[${i}][3]`) };
  });
  const plan = planPeriod({
    h,
    custodian: file.custodian,
    periodIndex: file.periodIndex,
    clients,
    weights: { assetWeights: bigintArray(file.weights?.assetWeights, N_ASSETS, `${source}.weights.assetWeights`), liabilityWeights: bigintArray(file.weights?.liabilityWeights, N_ASSETS, `${source}.weights.liabilityWeights`) },
    reserves: bigintArray(file.reserves, N_ASSETS, `${source}.reserves`),
  });
  if (dec(plan.root) !== file.root) throw new Error(`${source}: the clients rebuild root ${plan.root}, not the recorded ${file.root} (file edited?)`);
  return plan;
}

/** Result of `preparePeriod`. */
export interface PreparedPeriod {
  plan: PeriodPlan;
  inputs: PeriodInputs;
  period: PeriodFileJson;
  /** True when plan.json already existed and was reused (a resume). */
  resumed: boolean;
  planMs: number;
}

/**
 * Plans the period into `out`: reuses `out/plan.json` when it was made from the same inputs (a
 * resume keeps the salts, hence the tree and every batch), else draws fresh salts and writes it
 * before anything is proved. Writes period.json.
 * @throws PlanMismatchError when `out` holds the plan of other inputs and `restart` is false.
 */
export async function preparePeriod(out: string, inputs: PeriodInputs, opts: { restart?: boolean; h?: SyncPoseidon } = {}): Promise<PreparedPeriod> {
  const h = opts.h ?? (await initPoseidon());
  const started = performance.now();
  mkdirSync(out, { recursive: true });
  const fp = fingerprint(inputs);
  const planPath = periodFiles.plan(out);
  let plan: PeriodPlan | undefined;
  let resumed = false;
  if (existsSync(planPath) && opts.restart !== true) {
    const stored = readJsonFile(planPath, "plan") as PlanFileJson;
    if (stored?.fingerprint !== fp) {
      throw new PlanMismatchError(`${out} holds the plan of a different period or client set (plan.json fingerprint differs): use another --out, or --restart to discard it and its proofs`);
    }
    plan = planFromFile(h, stored, planPath);
    resumed = true;
  }
  if (plan === undefined) {
    plan = planPeriod({ h, custodian: inputs.custodian, periodIndex: inputs.periodIndex, clients: inputs.clients, weights: inputs.weights, reserves: inputs.reserves });
    const file: PlanFileJson = {
      kind: PLAN_KIND,
      version: FORMAT_VERSION,
      note: "PRIVATE: every client's balances and salt. Keep it with the custodian; publish period.json, batch-*.json and final.json.",
      fingerprint: fp,
      ...headerOf(plan, inputs),
      root: dec(plan.root),
      clients: plan.leaves.map((l) => [l.id, dec(l.salt), l.assets.map(dec), l.liabilities.map(dec)]),
    };
    writeJsonAtomic(planPath, file, 0o600);
  }
  const period = periodFileOf(h, plan, inputs);
  writeJsonAtomic(periodFiles.period(out), period);
  return { plan, inputs, period, resumed, planMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Proving
// ---------------------------------------------------------------------------------------------

/** Decimal-string form of a circuit input (bigints, arrays of them). */
export function toCircuitInput(input: object): Record<string, unknown> {
  return JSON.parse(stringify(input)) as Record<string, unknown>;
}

function sameSignals(file: unknown, expected: readonly bigint[]): boolean {
  const f = file as Partial<ReservesProofFileJson> | null;
  if (f === null || typeof f !== "object" || !Array.isArray(f.publicSignals) || f.publicSignals.length !== expected.length) return false;
  if (!f.publicSignals.every((s, i) => s === dec(expected[i]!))) return false;
  try {
    packProof(f.proof as SnarkjsProof);
    return true;
  } catch {
    return false;
  }
}

/** True when `file` exists and holds a well-formed proof with exactly `expected` public signals. */
export function proofFileMatches(file: string, expected: readonly bigint[]): boolean {
  if (!existsSync(file)) return false;
  try {
    return sameSignals(JSON.parse(readFileSync(file, "utf8")), expected);
  } catch {
    return false;
  }
}

/** Memory figures in bytes: this process's peak RSS and each prover child's peak RSS (Linux /proc). */
export interface MemoryFigures {
  mainPeakRss: number;
  mainHeapUsed: number;
  /** Peak RSS (VmHWM) of each live prover child process of this one; empty where /proc is unavailable. */
  children: { pid: number; peakRss: number; rss: number }[];
}

/** Reads this process's peak RSS and its children's from /proc (children: Linux only). */
export function memoryFigures(): MemoryFigures {
  const usage = process.memoryUsage();
  const children: MemoryFigures["children"] = [];
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^[0-9]+$/.test(entry)) continue;
      let status: string;
      try {
        status = readFileSync(`/proc/${entry}/status`, "utf8");
      } catch {
        continue;
      }
      const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
      if (ppid !== String(process.pid)) continue;
      let cmdline = "";
      try {
        cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      } catch {
        continue;
      }
      if (!cmdline.includes("proveWorker")) continue;
      const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
      children.push({ pid: Number(entry), peakRss: kb("VmHWM"), rss: kb("VmRSS") });
    }
  } catch {
    // no /proc: children unknown
  }
  return { mainPeakRss: process.resourceUsage().maxRSS * 1024, mainHeapUsed: usage.heapUsed, children };
}

/** What happened to one proof of the period. */
export interface ProofRecord {
  /** Batch index, or "final". */
  which: number | "final";
  /** False when a valid file was already there (resume). */
  proved: boolean;
  witnessMs: number;
  proveMs: number;
  /** Which prover child made it (0-based). */
  worker: number;
}

/** Options of `proveBatches`. */
export interface ProveBatchesOptions {
  /** Number of prover child processes (default 2). */
  workers?: number;
  artifacts?: ReservesArtifacts;
  /** Progress bar options; `false` writes nothing. */
  progress?: Partial<ProgressOptions> | false;
  /** Only these batch indices (default all), e.g. for a benchmark subset; the final proof is skipped unless `final` is true. */
  only?: readonly number[];
  /** Prove the final proof too (default true unless `only` is given). */
  final?: boolean;
  /** Reuse these provers instead of starting `workers` new ones (they are not closed). */
  provers?: readonly Prover[];
  /** Called after each proof lands (for memory sampling, logs). */
  onProof?: (record: ProofRecord) => void;
  /** `performance.now()` time after which no new proof is started (a benchmark's budget); proofs under way finish. */
  deadline?: number;
}

/** Result of `proveBatches`. */
export interface ProveBatchesResult {
  records: ProofRecord[];
  proved: number[];
  skipped: number[];
  wallMs: number;
  memory: MemoryFigures;
}

/**
 * Proves every batch of `plan` (and the final proof) into `out` with K prover processes, skipping
 * batches whose file already holds the expected public signals.
 * @throws Error naming the batch when its witness is rejected (for example a client under
 *         maintenance that slipped past planning) or a prover fails.
 */
export async function proveBatches(plan: PeriodPlan, out: string, opts: ProveBatchesOptions = {}): Promise<ProveBatchesResult> {
  const artifacts = opts.artifacts ?? defaultArtifacts();
  const workers = opts.provers?.length ?? opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new RangeError(`workers must be an integer in [1, 64], got ${workers}`);
  const indices = opts.only ?? plan.batches.map((b) => b.batchIndex);
  for (const i of indices) if (plan.batches[i] === undefined) throw new RangeError(`batch ${i} is not a batch of this period (0..${plan.batches.length - 1})`);
  const withFinal = opts.final ?? opts.only === undefined;

  type Job = { which: number | "final"; file: string; signals: bigint[]; input: object; artifacts: CircuitArtifacts };
  const jobs: Job[] = indices.map((i) => ({ which: i, file: periodFiles.batch(out, i), signals: plan.batches[i]!.publicSignals, input: plan.batches[i]!.input, artifacts: artifacts.batch }));
  if (withFinal) jobs.push({ which: "final", file: periodFiles.final(out), signals: plan.final.publicSignals, input: plan.final.input, artifacts: artifacts.finalize });

  const records: ProofRecord[] = [];
  const todo: Job[] = [];
  for (const job of jobs) {
    if (proofFileMatches(job.file, job.signals)) records.push({ which: job.which, proved: false, witnessMs: 0, proveMs: 0, worker: -1 });
    else todo.push(job);
  }
  const skipped = records.map((r) => r.which).filter((w): w is number => w !== "final");

  const started = performance.now();
  // The bar counts clients (the final proof adds none): its rate is clients proven per second.
  const clientsOf = (job: Job): number => (job.which === "final" ? 0 : plan.batches[job.which]!.clients);
  const bar = opts.progress === false
    ? undefined
    : new ProgressBar({
        label: "proving",
        unit: "clients",
        total: jobs.reduce((s, j) => s + clientsOf(j), 0),
        done: jobs.reduce((s, j) => s + clientsOf(j), 0) - todo.reduce((s, j) => s + clientsOf(j), 0),
        ...(opts.progress ?? {}),
      });
  const provers = opts.provers ? [...opts.provers] : Array.from({ length: Math.min(workers, Math.max(1, todo.length)) }, () => new Prover());
  let memory = memoryFigures();
  let next = 0;
  let failure: Error | undefined;
  const run = async (k: number): Promise<void> => {
    const prover = provers[k]!;
    while (failure === undefined && next < todo.length && (opts.deadline === undefined || performance.now() < opts.deadline)) {
      const job = todo[next++]!;
      let output: ProofOutput;
      try {
        output = await prover.prove(job.artifacts, toCircuitInput(job.input));
      } catch (err) {
        failure ??= new Error(`${job.which === "final" ? "final proof" : `batch ${job.which}`}: ${(err as Error).message}`);
        return;
      }
      const file: ReservesProofFileJson = {
        circuit: job.which === "final" ? FINALIZE_CIRCUIT : BATCH_CIRCUIT,
        ...(job.which === "final" ? {} : { batchIndex: job.which }),
        proof: output.proof,
        publicSignals: output.publicSignals,
        meta: { witnessMs: Math.round(output.witnessMs), proveMs: Math.round(output.proveMs), worker: k },
      };
      if (!sameSignals(file, job.signals)) {
        failure ??= new Error(`${job.which === "final" ? "final proof" : `batch ${job.which}`}: the prover returned public signals that differ from the plan's (wrong circuit build?)`);
        return;
      }
      writeJsonAtomic(job.file, file);
      const record: ProofRecord = { which: job.which, proved: true, witnessMs: output.witnessMs, proveMs: output.proveMs, worker: k };
      records.push(record);
      memory = mergeMemory(memory, memoryFigures());
      opts.onProof?.(record);
      bar?.tick(clientsOf(job), `last: ${job.which === "final" ? "final proof" : `batch ${job.which}`} ${((output.witnessMs + output.proveMs) / 1000).toFixed(1)}s`);
    }
  };
  try {
    await Promise.all(provers.map((_, k) => run(k)));
  } finally {
    if (opts.provers === undefined) await Promise.all(provers.map((p) => p.close()));
  }
  if (failure !== undefined) {
    bar?.finish("stopped");
    throw failure;
  }
  bar?.finish();
  const proved = records.filter((r) => r.proved && r.which !== "final").map((r) => r.which as number).sort((a, b) => a - b);
  return { records, proved, skipped, wallMs: performance.now() - started, memory };
}

function mergeMemory(a: MemoryFigures, b: MemoryFigures): MemoryFigures {
  const children = new Map(a.children.map((c) => [c.pid, c]));
  for (const c of b.children) {
    const old = children.get(c.pid);
    children.set(c.pid, { pid: c.pid, peakRss: Math.max(c.peakRss, old?.peakRss ?? 0), rss: c.rss });
  }
  return { mainPeakRss: Math.max(a.mainPeakRss, b.mainPeakRss), mainHeapUsed: Math.max(a.mainHeapUsed, b.mainHeapUsed), children: [...children.values()] };
}

// ---------------------------------------------------------------------------------------------
// Inclusion files
// ---------------------------------------------------------------------------------------------

/** The inclusion file of one client. */
export function inclusionFileOf(plan: PeriodPlan, header: Pick<PeriodHeaderJson, "custodian" | "periodIndex" | "epoch" | "assets">, id: string): InclusionFileJson {
  return {
    kind: INCLUSION_KIND,
    version: FORMAT_VERSION,
    note: "PRIVATE to this client: its balances and the salt that hides them. Check it with `plimsoll reserves include`.",
    custodian: header.custodian,
    periodIndex: header.periodIndex,
    epoch: header.epoch,
    assetInfo: header.assets,
    ...inclusionProofToJson(inclusionProof(plan, id)),
  };
}

/** Writes `<out>/inclusion/<idHash>.json` for every client (or those in `ids`); returns how many. */
export function writeInclusionFiles(plan: PeriodPlan, out: string, header: Pick<PeriodHeaderJson, "custodian" | "periodIndex" | "epoch" | "assets">, ids?: readonly string[]): number {
  mkdirSync(periodFiles.inclusionDir(out), { recursive: true });
  const list = ids ?? plan.leaves.map((l) => l.id);
  for (const id of list) {
    const file = inclusionFileOf(plan, header, id);
    writeJsonAtomic(periodFiles.inclusion(out, BigInt(file.idHash)), file, 0o600);
  }
  return list.length;
}

// ---------------------------------------------------------------------------------------------
// Everything
// ---------------------------------------------------------------------------------------------

/** Options of `provePeriod`. */
export interface ProvePeriodOptions extends ProveBatchesOptions {
  /** Output folder. */
  out: string;
  inputs: PeriodInputs;
  /** Discard another period's plan and proofs found in `out`. */
  restart?: boolean;
  /** Write every client's inclusion file (default true). */
  inclusionFiles?: boolean;
}

/** Result of `provePeriod`. */
export interface ProvePeriodResult extends ProveBatchesResult {
  plan: PeriodPlan;
  period: PeriodFileJson;
  resumed: boolean;
  planMs: number;
  inclusionMs: number;
  inclusionFiles: number;
}

/**
 * Takes `<out>/.lock` for this process, so two runs never write one folder at once. A lock left by a
 * process that no longer exists is taken over. Returns the release function.
 * @throws Error naming the other process when it is alive.
 */
export function lockFolder(out: string): () => void {
  mkdirSync(out, { recursive: true });
  const file = path.join(out, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(file, "utf8").trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === "EPERM";
        }
      }
      if (alive) throw new Error(`${out} is in use by another 'reserves prove' (pid ${pid}); wait for it or remove ${file} if it is gone`);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock ${out}`);
}

/** Removes the proofs and inclusion files of a previous plan (for `restart`). plan.json is rewritten by the caller. */
function clearOutputs(out: string): void {
  if (!existsSync(out)) return;
  for (const f of readdirSync(out)) {
    if (/^batch-\d+\.json$/.test(f) || f === "final.json" || f === "period.json") rmSync(path.join(out, f), { force: true });
  }
  rmSync(periodFiles.inclusionDir(out), { recursive: true, force: true });
}

/** Plans (or resumes), proves every batch and the final proof, and writes the inclusion files. */
export async function provePeriod(opts: ProvePeriodOptions): Promise<ProvePeriodResult> {
  const release = lockFolder(opts.out);
  try {
    if (opts.restart === true) clearOutputs(opts.out);
    const prepared = await preparePeriod(opts.out, opts.inputs, { restart: opts.restart });
    const proving = await proveBatches(prepared.plan, opts.out, opts);
    const t0 = performance.now();
    const inclusionFiles = opts.inclusionFiles === false ? 0 : writeInclusionFiles(prepared.plan, opts.out, prepared.period);
    return { ...proving, plan: prepared.plan, period: prepared.period, resumed: prepared.resumed, planMs: prepared.planMs, inclusionMs: performance.now() - t0, inclusionFiles };
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// On-chain: publish, submit, read
// ---------------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Call<R = any> = (...args: any[]) => Promise<R>;
type Send = Call<ContractTransactionResponse>;

/** The slice of `ReserveRegistry` the TypeScript code calls (an ethers v6 Contract). */
export type RegistryContract = import("ethers").Contract & {
  openPeriod: Send & { staticCall: Call<bigint>; estimateGas: Call<bigint> };
  submitBatch: Send;
  finalize: Send;
  periodCount: Call<bigint>;
  period: Call<{ epoch: bigint; clientCount: bigint; batchCount: bigint; nextBatch: bigint; verified: boolean; weightsHash: bigint; root: bigint; lastState: bigint; packedReserves: bigint[] }>;
  reservesOf: Call<bigint[]>;
  isVerified: Call<boolean>;
  latestVerifiedPeriod: Call<[boolean, bigint]>;
  currentReserveWeights: Call<[bigint, bigint[], bigint[], bigint]> & { estimateGas: Call<bigint> };
  reserveWeightsHashOf: Call<bigint>;
  periodTag: Call<bigint>;
  batchCountFor: Call<bigint>;
  BATCH_SIZE: Call<bigint>;
  MAX_CLIENTS: Call<bigint>;
};

/** A parsed, checked publication: period.json, every batch proof and the final proof. */
export interface PeriodBundle {
  period: PeriodFileJson;
  batches: ReservesProofFileJson[];
  final: ReservesProofFileJson;
}

/** Reads period.json, batch-<i>.json and final.json from `dir` (shape checks only; see verifier/src/reserves/report.ts). */
export function readPeriodBundle(dir: string): PeriodBundle {
  const period = readJsonFile(periodFiles.period(dir), "period file") as PeriodFileJson;
  if (period?.kind !== PERIOD_KIND || period.version !== FORMAT_VERSION) throw new TypeError(`${periodFiles.period(dir)} is not a version ${FORMAT_VERSION} reserves period file`);
  const count = period.batchCount;
  if (!Number.isInteger(count) || count < 1) throw new TypeError(`${periodFiles.period(dir)}: batchCount must be a positive integer`);
  const batches: ReservesProofFileJson[] = [];
  for (let i = 0; i < count; i++) {
    const file = periodFiles.batch(dir, i);
    if (!existsSync(file)) throw new Error(`${file} is missing: batch ${i} of ${count} has not been proved (rerun \`reserves prove\` to resume)`);
    batches.push(readJsonFile(file, `batch ${i} proof`) as ReservesProofFileJson);
  }
  if (!existsSync(periodFiles.final(dir))) throw new Error(`${periodFiles.final(dir)} is missing: the final proof has not been made (rerun \`reserves prove\` to resume)`);
  const final = readJsonFile(periodFiles.final(dir), "final proof") as ReservesProofFileJson;
  return { period, batches, final };
}

/** The period as the registry holds it (the `--registry-state` file of `reserves verify`). */
export interface RegistryStateJson {
  kind: "plimsoll.reserves.registry-state";
  registry: string;
  chainId: string;
  custodian: string;
  periodIndex: number;
  epoch: string;
  clientCount: number;
  batchCount: number;
  nextBatch: number;
  verified: boolean;
  weightsHash: string;
  root: string;
  lastState: string;
  reserves: string[];
}

/** Reads one period from the registry. */
export async function readRegistryState(registry: RegistryContract, custodian: string, periodIndex: number): Promise<RegistryStateJson> {
  const p = await registry.period(custodian, periodIndex);
  const reserves = await registry.reservesOf(custodian, periodIndex);
  const network = await registry.runner?.provider?.getNetwork();
  return {
    kind: "plimsoll.reserves.registry-state",
    registry: await registry.getAddress(),
    chainId: dec(network?.chainId ?? 0n),
    custodian,
    periodIndex,
    epoch: dec(p.epoch),
    clientCount: Number(p.clientCount),
    batchCount: Number(p.batchCount),
    nextBatch: Number(p.nextBatch),
    verified: p.verified,
    weightsHash: dec(p.weightsHash),
    root: dec(p.root),
    lastState: dec(p.lastState),
    reserves: [...reserves].map(dec),
  };
}

/** The weights a period opened now would record, as `reserves prove --weights` takes them. */
export async function readRegistryWeights(registry: RegistryContract): Promise<{ epoch: bigint; weights: ReserveWeights; reserveWeightsHash: bigint }> {
  const [epoch, wA, wL, hash] = await registry.currentReserveWeights();
  return { epoch, weights: { assetWeights: [...wA], liabilityWeights: [...wL] }, reserveWeightsHash: hash };
}

/** Gas of each publication step. */
export interface PublishReport {
  periodIndex: number;
  openGas: bigint | undefined;
  batchGas: bigint[];
  finalizeGas: bigint | undefined;
  /** Batches that were already on-chain (a resumed publication). */
  alreadySubmitted: number;
}

/** Options of `publishPeriod`. */
export interface PublishOptions {
  /** The registry connected to the custodian's signer (openPeriod is keyed by msg.sender). */
  registry: RegistryContract;
  /** The registry connected to whoever submits the proofs (default: `registry`). Anyone may. */
  submitter?: RegistryContract;
  /** Called after each step. */
  onStep?: (step: string, gas: bigint) => void;
}

/**
 * Opens the period on the registry (unless already open with the same root), submits every batch
 * not yet verified, in order, and the final proof. Resumable: it picks up at the period's
 * `nextBatch`.
 * @throws Error when the registry's next period index for the custodian is not the bundle's, or an
 *         open period holds another root.
 */
export async function publishPeriod(bundle: PeriodBundle, opts: PublishOptions): Promise<PublishReport> {
  const { period } = bundle;
  const registry = opts.registry;
  const submitter = opts.submitter ?? registry;
  const custodian = period.custodian;
  const signerAddress = await (registry.runner as { getAddress?: () => Promise<string> } | null)?.getAddress?.();
  const count = Number(await registry.periodCount(custodian));
  const report: PublishReport = { periodIndex: period.periodIndex, openGas: undefined, batchGas: [], finalizeGas: undefined, alreadySubmitted: 0 };
  let nextBatch = 0;
  if (count === period.periodIndex) {
    if (signerAddress === undefined || signerAddress.toLowerCase() !== custodian.toLowerCase()) {
      throw new Error(`the period is the custodian ${custodian}'s: openPeriod must be sent by it, not ${signerAddress ?? "an unknown signer"}`);
    }
    const reserves = period.reserves.map((r) => BigInt(r));
    const tx = await registry.openPeriod(BigInt(period.epoch), BigInt(period.root), period.clientCount, reserves);
    const receipt = await tx.wait();
    report.openGas = receipt!.gasUsed;
    opts.onStep?.("openPeriod", receipt!.gasUsed);
  } else if (count > period.periodIndex) {
    const p = await registry.period(custodian, period.periodIndex);
    if (dec(p.root) !== period.root) throw new Error(`the registry's period ${period.periodIndex} of ${custodian} holds root ${p.root}, not this bundle's ${period.root}`);
    if (p.verified) return { ...report, alreadySubmitted: Number(p.batchCount) };
    nextBatch = Number(p.nextBatch);
    report.alreadySubmitted = nextBatch;
  } else {
    throw new Error(`the registry's next period of ${custodian} is ${count}, but the proofs are for period ${period.periodIndex}: prove again with --period ${count}`);
  }
  for (let i = nextBatch; i < bundle.batches.length; i++) {
    const b = bundle.batches[i]!;
    const [stateIn, stateOut] = b.publicSignals.map((s) => BigInt(s));
    const tx = await submitter.submitBatch(custodian, period.periodIndex, i, stateIn, stateOut, proofTuple(packProof(b.proof)));
    const receipt = await tx.wait();
    report.batchGas.push(receipt!.gasUsed);
    opts.onStep?.(`submitBatch ${i}`, receipt!.gasUsed);
  }
  const tx = await submitter.finalize(custodian, period.periodIndex, proofTuple(packProof(bundle.final.proof)));
  const receipt = await tx.wait();
  report.finalizeGas = receipt!.gasUsed;
  opts.onStep?.("finalize", receipt!.gasUsed);
  return report;
}

/** Normalised units (1e-6 token) -> a decimal string of whole tokens. */
export function formatNormalised(units: bigint): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(RESERVE_DECIMALS);
  const frac = (abs % scale).toString().padStart(RESERVE_DECIMALS, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${abs / scale}${frac ? `.${frac}` : ""}`;
}
