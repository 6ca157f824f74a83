/**
 * Proving a period's batches beyond one machine: a BullMQ queue on Redis.
 *
 *   coordinator (`reserves prove --queue URL`)         workers (`reserves worker --redis URL`, any host)
 *   plans the period as local proving does,            take a job, prove it with the warm `Prover`
 *   enqueues one job per missing proof, collects  <->  (the same child process local proving uses),
 *   the results, checks and writes the same files      return proof + public signals
 *
 * Why BullMQ: it is maintained, it keeps its state in Redis (one server any host can reach, nothing
 * to run beside it), and it retries the job of a worker that died: every active job holds a lock the
 * worker renews every `lockMs / 2` from its event loop, and when the lock lapses (the worker was
 * killed, its host went away) another worker's stalled-job check moves the job back to the wait list
 * and it is proved again. The proof itself runs in a child process, so the event loop that renews
 * the lock never waits for a proof: the lock duration only has to outlast a pause of the worker's
 * event loop and a network hiccup, not a proof (a batch proof takes several seconds). Default 15 s:
 * a killed worker's batch is back in the queue within about 15 + 2 x 5 s.
 *
 * A job's id is its circuit and the sha256 of its circuit input, so enqueuing the same proof twice
 * (a coordinator rerun) finds the job already there, and a result that landed while the coordinator
 * was gone is collected on the rerun. The coordinator removes a job once its file is written; jobs
 * nobody collects expire after a day. Every proof a worker returns is checked here: the public
 * signals must be the plan's, and the proof must verify against this machine's verification key (a
 * worker with another build's keys is caught before its proof is written).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Job, JobsOptions, Queue, QueueEvents } from "bullmq";
import { artifactPaths } from "../artifacts.js";
import { stringify } from "../fs/json.js";
import { Prover, WitnessRejectedError, type CircuitArtifacts } from "../prover.js";
import type { SnarkjsProof } from "../calldata.js";
import { loadSnarkjs } from "../snarkjs.js";
import { BATCH_CIRCUIT, FINALIZE_CIRCUIT } from "./files.js";

/** The default queue name (both sides must use the same). */
export const RESERVES_QUEUE = "plimsoll-reserves";
/** Default lock of an active job, ms: renewed every half of it; lapses 15 s after a worker dies. */
export const DEFAULT_LOCK_MS = 15_000;
/** How many times a job may be recovered from a dead worker before it fails. */
export const MAX_STALLED = 2;
/** Attempts of a job that throws (a prover process that crashed); a rejected witness is not retried. */
export const JOB_ATTEMPTS = 3;
/** Jobs the coordinator keeps in the queue at once (the rest are added as results come back). */
export const DEFAULT_QUEUE_WINDOW = 256;
const DAY_S = 24 * 3600;

// BullMQ and ioredis are loaded on first use: every other command of the CLI starts without them.
const loadBullmq = (): Promise<typeof import("bullmq")> => import("bullmq");
const loadIoredis = async (): Promise<typeof import("ioredis").Redis> => (await import("ioredis")).Redis;

type ReservesCircuit = typeof BATCH_CIRCUIT | typeof FINALIZE_CIRCUIT;

/** What a job carries: the circuit's name, its input (decimal strings) and the public signals the plan expects. */
export interface ProofJobData {
  v: 1;
  circuit: ReservesCircuit;
  which: number | "final";
  input: Record<string, unknown>;
  publicSignals: string[];
}

/** What a worker returns. */
export interface ProofJobResult {
  proof: SnarkjsProof;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
  /** The worker: `<hostname> pid <pid>`. */
  host: string;
  /** Which of its prover processes (0-based). */
  slot: number;
}

const label = (which: number | "final"): string => (which === "final" ? "final proof" : `batch ${which}`);

/** The URL with its password (if any) replaced by `***`, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === "") return url;
    const at = url.lastIndexOf("@");
    const colon = url.indexOf(":", url.indexOf("//") + 2);
    return colon !== -1 && colon < at ? `${url.slice(0, colon + 1)}***${url.slice(at)}` : url;
  } catch {
    return url;
  }
}

/**
 * Checks the form of a Redis URL (`redis://[user:password@]host[:port][/db]` or `rediss://` for TLS).
 * @throws RangeError naming the URL when it is not one.
 */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`${JSON.stringify(url)} is not a URL: expected redis://host:port (or rediss:// for TLS)`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new RangeError(`${redactRedisUrl(url)}: expected a redis:// or rediss:// URL, got ${u.protocol}//`);
  if (u.hostname === "") throw new RangeError(`${redactRedisUrl(url)}: no host`);
  return u;
}

/** Raised when no Redis answers at the URL. */
export class RedisUnreachableError extends Error {}

/**
 * Connects once, without retries, and PINGs: a URL nobody answers at fails in `timeoutMs` (default
 * 3 s) with a message naming it, instead of the client's endless reconnecting. Also refuses a Redis
 * older than 5 (BullMQ needs streams).
 * @throws RangeError for a malformed URL, RedisUnreachableError when nothing answers.
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  parseRedisUrl(url);
  const Redis = await loadIoredis();
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause = "";
  client.on("error", (err: Error) => {
    cause ||= err.message; // the socket's reason (ECONNREFUSED, ENOTFOUND, ...); connect() only says it closed
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    const info = await client.info("server");
    const version = /redis_version:(\d+)/.exec(info)?.[1];
    if (version !== undefined && Number(version) < 5) throw new RedisUnreachableError(`Redis at ${redactRedisUrl(url)} is version ${version}: BullMQ needs Redis 5 or newer (6.2+ recommended)`);
  } catch (err) {
    if (err instanceof RedisUnreachableError) throw err;
    throw new RedisUnreachableError(`cannot reach Redis at ${redactRedisUrl(url)}: ${cause || (err as Error).message}`);
  } finally {
    client.disconnect();
  }
}

/** BullMQ's connection options for `url` (blocking commands need maxRetriesPerRequest null). */
function connection(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null };
}

/** The job id of a proof: its circuit and the sha256 of its input (BullMQ ids may not contain ':'). */
export function proofJobId(circuit: string, input: Record<string, unknown>): string {
  return `${circuit}-${createHash("sha256").update(stringify(input)).digest("hex").slice(0, 40)}`;
}

const JOB_OPTIONS: JobsOptions = {
  attempts: JOB_ATTEMPTS,
  backoff: { type: "fixed", delay: 2000 },
  removeOnComplete: { age: DAY_S },
  removeOnFail: { age: DAY_S },
};

function checkResult(value: unknown): ProofJobResult {
  const r = value as Partial<ProofJobResult> | null;
  if (r === null || typeof r !== "object" || typeof r.proof !== "object" || !Array.isArray(r.publicSignals) || typeof r.witnessMs !== "number" || typeof r.proveMs !== "number") {
    throw new Error("the worker returned no proof (another version of plimsoll on the worker?)");
  }
  return { proof: r.proof as SnarkjsProof, publicSignals: r.publicSignals.map(String), witnessMs: r.witnessMs, proveMs: r.proveMs, host: String(r.host ?? "?"), slot: Number.isInteger(r.slot) ? r.slot! : -1 };
}

/** Options of `ReservesQueue.open`. */
export interface ReservesQueueOptions {
  /** redis:// URL. */
  url: string;
  /** Queue name (default `RESERVES_QUEUE`). */
  name?: string;
  /** Verification keys the returned proofs are checked against (default the artifacts root's). */
  vkeys?: { batch: string; finalize: string };
  /** Fail-fast timeout of the first connection (default 3000 ms). */
  connectTimeoutMs?: number;
}

/** A proof collected from the queue, checked. */
export interface QueueProofOutput extends ProofJobResult {
  jobId: string;
}

/** The coordinator's side: enqueue a proof, wait for it, check it. */
export class ReservesQueue {
  private constructor(
    readonly url: string,
    readonly name: string,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly vkeys: Record<ReservesCircuit, { path: string; key: unknown }>,
  ) {}

  /**
   * Connects (failing fast, see `checkRedis`) and reads the verification keys.
   * @throws RangeError (bad URL), RedisUnreachableError, Error naming a missing verification key.
   */
  static async open(opts: ReservesQueueOptions): Promise<ReservesQueue> {
    const name = opts.name ?? RESERVES_QUEUE;
    const a = artifactPaths();
    const paths = opts.vkeys ?? { batch: a.vkey(BATCH_CIRCUIT), finalize: a.vkey(FINALIZE_CIRCUIT) };
    const vkeys = {} as Record<ReservesCircuit, { path: string; key: unknown }>;
    for (const [circuit, file] of [[BATCH_CIRCUIT, paths.batch], [FINALIZE_CIRCUIT, paths.finalize]] as const) {
      if (!existsSync(file)) throw new Error(`verification key ${file} does not exist: the coordinator checks every proof a worker returns against it (run \`npm run build\`, or --artifacts DIR)`);
      vkeys[circuit] = { path: file, key: JSON.parse(readFileSync(file, "utf8")) as unknown };
    }
    await checkRedis(opts.url, opts.connectTimeoutMs);
    const { Queue, QueueEvents } = await loadBullmq();
    const queue = new Queue(name, { connection: connection(opts.url) });
    const events = new QueueEvents(name, { connection: connection(opts.url) });
    queue.on("error", () => {
      // ioredis reconnects; a lasting outage shows as no progress
    });
    events.on("error", () => {});
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    events.setMaxListeners(0);
    return new ReservesQueue(opts.url, name, queue, events, vkeys);
  }

  /**
   * Enqueues one proof (or finds it already queued, running or done), waits for its result and
   * checks it: the plan's public signals, and a proof that verifies against this machine's key.
   * @throws Error naming the proof when its job failed (the worker's message) or the result is wrong.
   */
  async prove(which: number | "final", input: Record<string, unknown>, signals: readonly bigint[]): Promise<QueueProofOutput> {
    const circuit: ReservesCircuit = which === "final" ? FINALIZE_CIRCUIT : BATCH_CIRCUIT;
    const jobId = proofJobId(circuit, input);
    const expected = signals.map((s) => s.toString());
    const data: ProofJobData = { v: 1, circuit, which, input, publicSignals: expected };
    const existing = await this.queue.getJob(jobId);
    if (existing !== undefined && (await existing.isFailed())) await existing.remove(); // a rerun tries a failed proof again
    const job = await this.queue.add(label(which), data, { ...JOB_OPTIONS, jobId });
    let result: ProofJobResult;
    try {
      result = checkResult(await job.waitUntilFinished(this.events));
    } catch (err) {
      throw new Error(`${(err as Error).message} (job ${jobId} on queue ${this.name})`);
    }
    // Checked or not, the job is done with: a wrong result is not collected again by a rerun.
    const drop = async (): Promise<void> => {
      try {
        await this.queue.remove(jobId);
      } catch {
        // expires on its own
      }
    };
    if (result.publicSignals.length !== expected.length || result.publicSignals.some((s, i) => s !== expected[i])) {
      await drop();
      throw new Error(`the proof from ${result.host} has public signals that differ from the plan's (another circuit build on that worker?)`);
    }
    const snarkjs = await loadSnarkjs();
    const vkey = this.vkeys[circuit];
    if (!(await snarkjs.groth16.verify(vkey.key as never, result.publicSignals, result.proof as never))) {
      await drop();
      throw new Error(`the proof from ${result.host} does not verify against ${vkey.path} (that worker's keys are not this machine's)`);
    }
    await drop();
    return { ...result, jobId };
  }

  /** Workers connected to the queue now. */
  workerCount(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /** Jobs waiting, active, completed (not yet collected), failed. */
  async counts(): Promise<{ wait: number; active: number; completed: number; failed: number; delayed: number }> {
    const c = await this.queue.getJobCounts("wait", "active", "completed", "failed", "delayed");
    return { wait: c.wait ?? 0, active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0, delayed: c.delayed ?? 0 };
  }

  /** Closes both connections. Jobs stay in the queue (workers finish them; a rerun collects them). */
  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}

/** Options of `startReservesWorker`. */
export interface ReservesWorkerOptions {
  url: string;
  /** Queue name (default `RESERVES_QUEUE`). */
  name?: string;
  /** Prover child processes, i.e. proofs at once (default 1). */
  provers?: number;
  /** Proving artifacts (default the artifacts root's, see `defaultArtifacts`). */
  artifacts?: { batch: CircuitArtifacts; finalize: CircuitArtifacts };
  /** Lock of an active job (default `DEFAULT_LOCK_MS`); the stalled-job check runs every third of it. */
  lockMs?: number;
  /** One line per event (proved, failed, connection trouble). */
  log?: (line: string) => void;
  /** Fail-fast timeout of the first connection (default 3000 ms). */
  connectTimeoutMs?: number;
}

/** A running worker. */
export interface ReservesWorker {
  /** `<hostname> pid <pid>`. */
  readonly host: string;
  /** Proofs made so far. */
  readonly proved: number;
  /** Stops taking jobs; waits for the proofs under way (`force`: abandons them, they go back to the queue once their lock lapses). */
  close(force?: boolean): Promise<void>;
}

/**
 * Starts a worker: takes reserves proving jobs from the queue and proves them with warm `Prover`
 * child processes, as local proving does.
 * @throws RangeError (bad URL or option), RedisUnreachableError, Error naming a missing artifact.
 */
export async function startReservesWorker(opts: ReservesWorkerOptions): Promise<ReservesWorker> {
  const name = opts.name ?? RESERVES_QUEUE;
  const n = opts.provers ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`provers must be an integer in [1, 64], got ${n}`);
  const lockMs = opts.lockMs ?? DEFAULT_LOCK_MS;
  if (!Number.isInteger(lockMs) || lockMs < 1000) throw new RangeError(`lockMs must be an integer >= 1000, got ${lockMs}`);
  const a = artifactPaths();
  const artifacts: Record<ReservesCircuit, CircuitArtifacts> = opts.artifacts === undefined
    ? { [BATCH_CIRCUIT]: a.circuit(BATCH_CIRCUIT), [FINALIZE_CIRCUIT]: a.circuit(FINALIZE_CIRCUIT) }
    : { [BATCH_CIRCUIT]: opts.artifacts.batch, [FINALIZE_CIRCUIT]: opts.artifacts.finalize };
  for (const c of Object.values(artifacts)) {
    for (const [field, file] of Object.entries(c)) if (!existsSync(file)) throw new Error(`${field} ${file} does not exist: run \`npm run build\` (or give --artifacts DIR) on this host first`);
  }
  await checkRedis(opts.url, opts.connectTimeoutMs);
  const { UnrecoverableError, Worker } = await loadBullmq();
  const log = opts.log ?? ((): void => {});
  const host = `${hostname()} pid ${process.pid}`;
  const provers = Array.from({ length: n }, () => new Prover());
  const idle = provers.map((_, k) => k);
  let proved = 0;

  const processor = async (job: Job<ProofJobData, ProofJobResult>): Promise<ProofJobResult> => {
    const d = job.data;
    if (d?.v !== 1 || (d.circuit !== BATCH_CIRCUIT && d.circuit !== FINALIZE_CIRCUIT) || d.input === null || typeof d.input !== "object" || !Array.isArray(d.publicSignals)) {
      throw new UnrecoverableError(`${host}: job ${job.id} is not a reserves proof job (version 1)`);
    }
    const slot = idle.shift();
    if (slot === undefined) throw new Error(`${host}: no idle prover (concurrency above the prover count)`);
    const what = label(d.which);
    const retry = job.attemptsStarted > 1 || job.stalledCounter > 0 ? ` (attempt ${job.attemptsStarted}${job.stalledCounter > 0 ? `, after ${job.stalledCounter} lost worker${job.stalledCounter === 1 ? "" : "s"}` : ""})` : "";
    log(`${what}: proving${retry}`);
    try {
      let out;
      try {
        out = await provers[slot]!.prove(artifacts[d.circuit], d.input);
      } catch (err) {
        if (err instanceof WitnessRejectedError) throw new UnrecoverableError(`${host}: ${err.message}`);
        throw new Error(`${host}: ${(err as Error).message}`);
      }
      if (out.publicSignals.length !== d.publicSignals.length || out.publicSignals.some((s, i) => s !== d.publicSignals[i])) {
        throw new UnrecoverableError(`${host}: the proof's public signals differ from the plan's (this host's ${d.circuit} build differs from the coordinator's?)`);
      }
      proved++;
      log(`${what}: proved in ${((out.witnessMs + out.proveMs) / 1000).toFixed(1)} s (witness ${(out.witnessMs / 1000).toFixed(1)} s)`);
      return { proof: out.proof, publicSignals: out.publicSignals, witnessMs: out.witnessMs, proveMs: out.proveMs, host, slot };
    } finally {
      idle.push(slot);
    }
  };

  const worker = new Worker<ProofJobData, ProofJobResult>(name, processor, {
    connection: connection(opts.url),
    concurrency: n,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.floor(lockMs / 3)),
    maxStalledCount: MAX_STALLED,
    name: `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, "_"), // a Redis client name: no spaces
    autorun: false,
  });
  let lastError = "";
  worker.on("error", (err) => {
    if (err.message !== lastError) log(`queue error: ${err.message} (retrying)`);
    lastError = err.message;
  });
  worker.on("failed", (job, err) => {
    if (job !== undefined) log(`${typeof job.data?.which === "number" || job.data?.which === "final" ? label(job.data.which) : `job ${job.id}`}: failed: ${err.message}`);
  });
  void worker.run().catch((err: Error) => log(`worker stopped: ${err.message}`));
  await worker.waitUntilReady();
  return {
    host,
    get proved() {
      return proved;
    },
    async close(force = false) {
      await worker.close(force);
      await Promise.all(provers.map((p) => p.close()));
    },
  };
}
