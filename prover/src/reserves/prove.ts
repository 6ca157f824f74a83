/**
 * Proving a period's batches and its final proof, resumably: a batch whose file already holds the
 * expected public signals is skipped; only missing batches are proved.
 *
 * Proving runs in K child processes (`Prover`, one snarkjs instance each; default 2), not worker
 * threads: snarkjs's own thread pool cannot start inside a worker thread. Each child still uses
 * snarkjs's threads for the multi-exponentiations, so K children overlap one batch's (single
 * threaded) witness computation with another's proving.
 *
 * With `queue` (a `ReservesQueue`, queue.ts) the same jobs go to `reserves worker` processes on any
 * host through BullMQ instead; what comes back is checked and written by the same code, so the
 * files have the same form either way (see "Beyond one machine" in README.md).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { artifactPaths } from "../artifacts.js";
import { packProof, type SnarkjsProof } from "../calldata.js";
import { stringify, writeJsonAtomic } from "../fs/json.js";
import { Prover, type CircuitArtifacts, type ProofOutput } from "../prover.js";
import { BATCH_CIRCUIT, FINALIZE_CIRCUIT, periodFiles, type PeriodFileJson, type ReservesProofFileJson } from "./files.js";
import { lockFolder } from "./lock.js";
import { memoryFigures, mergeMemory, type MemoryFigures } from "./memory.js";
import { preparePeriod, writeInclusionFiles, type PeriodInputs } from "./prepare.js";
import { ProgressBar, type ProgressOptions } from "./progress.js";
import { DEFAULT_QUEUE_WINDOW, redactRedisUrl, type ReservesQueue } from "./queue.js";
import type { PeriodPlan } from "./witness.js";

/** The proving artifacts of both circuits. */
export interface ReservesArtifacts {
  batch: CircuitArtifacts;
  finalize: CircuitArtifacts;
}

/** The artifacts as `npm run build` leaves them, under the artifacts root (`root`, else `$PLIMSOLL_ARTIFACTS`, else build/). */
export function defaultArtifacts(root?: string): ReservesArtifacts {
  const a = artifactPaths(root);
  return { batch: a.circuit(BATCH_CIRCUIT), finalize: a.circuit(FINALIZE_CIRCUIT) };
}

const dec = (x: bigint): string => x.toString();

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

/** What happened to one proof of the period. */
export interface ProofRecord {
  /** Batch index, or "final". */
  which: number | "final";
  /** False when a valid file was already there (resume). */
  proved: boolean;
  witnessMs: number;
  proveMs: number;
  /** Which prover child made it (0-based; with a queue, the worker's prover process). */
  worker: number;
  /** With a queue: the worker that made it (`<hostname> pid <pid>`). */
  host?: string;
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
  /** Prove through this queue (`reserves worker` processes) instead of local prover processes; `workers` and `provers` are then unused. */
  queue?: ReservesQueue;
  /** With `queue`: proofs enqueued at once at most (default 256); more are added as results land. */
  queueWindow?: number;
  /** With `queue`: a line for the user when nothing lands for a while and no worker is connected. */
  onNotice?: (line: string) => void;
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
  const window = opts.queueWindow ?? DEFAULT_QUEUE_WINDOW;
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`queueWindow must be a positive integer, got ${window}`);
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
  const queue = opts.queue;
  const provers = queue !== undefined ? [] : opts.provers ? [...opts.provers] : Array.from({ length: Math.min(workers, Math.max(1, todo.length)) }, () => new Prover());
  let memory = memoryFigures();
  let next = 0;
  let failure: Error | undefined;
  const name = (job: Job): string => (job.which === "final" ? "final proof" : `batch ${job.which}`);
  /** Checks a proof against the plan and writes its file: the one path for local and queued proofs. */
  const land = (job: Job, output: ProofOutput, worker: number, host?: string): boolean => {
    const file: ReservesProofFileJson = {
      circuit: job.which === "final" ? FINALIZE_CIRCUIT : BATCH_CIRCUIT,
      ...(job.which === "final" ? {} : { batchIndex: job.which }),
      proof: output.proof,
      publicSignals: output.publicSignals,
      meta: { witnessMs: Math.round(output.witnessMs), proveMs: Math.round(output.proveMs), worker, ...(host === undefined ? {} : { host }) },
    };
    if (!sameSignals(file, job.signals)) {
      failure ??= new Error(`${name(job)}: the prover returned public signals that differ from the plan's (wrong circuit build?)`);
      return false;
    }
    writeJsonAtomic(job.file, file);
    const record: ProofRecord = { which: job.which, proved: true, witnessMs: output.witnessMs, proveMs: output.proveMs, worker, ...(host === undefined ? {} : { host }) };
    records.push(record);
    memory = mergeMemory(memory, memoryFigures());
    opts.onProof?.(record);
    bar?.tick(clientsOf(job), `last: ${name(job)} ${((output.witnessMs + output.proveMs) / 1000).toFixed(1)}s${host === undefined ? "" : ` on ${host}`}`);
    return true;
  };
  const more = (): boolean => failure === undefined && next < todo.length && (opts.deadline === undefined || performance.now() < opts.deadline);
  const run = async (k: number): Promise<void> => {
    const prover = provers[k]!;
    while (more()) {
      const job = todo[next++]!;
      let output: ProofOutput;
      try {
        output = await prover.prove(job.artifacts, toCircuitInput(job.input));
      } catch (err) {
        failure ??= new Error(`${name(job)}: ${(err as Error).message}`);
        return;
      }
      if (!land(job, output, k)) return;
    }
  };
  /** One of `window` slots: enqueue the next proof, wait for it, land it. */
  const runQueued = async (q: ReservesQueue): Promise<void> => {
    while (more()) {
      const job = todo[next++]!;
      let out;
      try {
        out = await q.prove(job.which, toCircuitInput(job.input), job.signals);
      } catch (err) {
        failure ??= new Error(`${name(job)}: ${(err as Error).message}`);
        return;
      }
      if (!land(job, out, out.slot, out.host)) return;
    }
  };
  let watch: NodeJS.Timeout | undefined;
  if (queue !== undefined && opts.onNotice !== undefined && todo.length > 0) {
    // Nothing landed for 15 s and nobody is listening: say so once per quiet spell (workers may come later).
    let landed = records.length;
    let told = false;
    watch = setInterval(() => {
      if (records.length !== landed) {
        landed = records.length;
        told = false;
        return;
      }
      if (told) return;
      void queue.workerCount().then((n) => {
        if (n === 0 && records.length === landed && !told) {
          told = true;
          opts.onNotice?.(`no worker is connected to queue ${queue.name} at ${redactRedisUrl(queue.url)}: start one on any host with 'plimsoll reserves worker --redis ${redactRedisUrl(queue.url)}'; the jobs wait in Redis`);
        }
      }, () => {});
    }, 15_000);
    watch.unref();
  }
  try {
    if (queue !== undefined) await Promise.all(Array.from({ length: Math.min(window, Math.max(1, todo.length)) }, () => runQueued(queue)));
    else await Promise.all(provers.map((_, k) => run(k)));
  } finally {
    if (watch !== undefined) clearInterval(watch);
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
