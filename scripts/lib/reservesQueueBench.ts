/**
 * `npm run bench:reserves -- --queue`: the rate period's batches through the BullMQ queue, with 1 and
 * then 2 `plimsoll reserves worker` processes on this machine and Redis on 127.0.0.1 (a throw-away
 * `redis-server` unless a URL is given).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { proveBatches, ReservesQueue, type PeriodPlan } from "../../prover/src/index.js";
import { paths } from "./paths.js";
import { startRedis, type LocalRedis } from "./redis.js";

export interface QueueRate {
  workerProcesses: number;
  batches: number;
  clients: number;
  wallMs: number;
  clientsPerSecond: number;
}

export async function measureQueueRates(opts: {
  plan: PeriodPlan;
  /** Scratch folder for the proofs. */
  work: string;
  /** A Redis to use; default: one started here. */
  redisUrl?: string;
  /** Clients in batch i. */
  clientsOf: (batchIndex: number) => number;
  json: boolean;
  log: (line: string) => void;
}): Promise<QueueRate[]> {
  const queueRates: QueueRate[] = [];
  let redis: LocalRedis | undefined;
  const url = opts.redisUrl ?? (redis = await startRedis()).url;
  const cli = path.join(paths.root, "cli", "reserves", "index.ts");
  const spawned: ChildProcess[] = [];
  try {
    for (const n of [1, 2]) {
      const name = `bench-reserves-${n}`;
      opts.log(`through the queue: ${n} worker process(es) on ${url} (queue ${name})...`);
      const procs = Array.from({ length: n }, () => spawn(process.execPath, ["--import", "tsx", cli, "worker", "--redis", url, "--queue-name", name], { cwd: paths.root, stdio: ["ignore", "ignore", "pipe"] }));
      spawned.push(...procs);
      await Promise.all(procs.map((c) => new Promise<void>((resolve, reject) => {
        let err = "";
        c.stderr!.on("data", (b: Buffer) => {
          err += b.toString();
          if (err.includes("Ctrl-C stops")) resolve();
        });
        c.once("exit", (code) => reject(new Error(`worker exited (${code}): ${err}`)));
      })));
      const queue = await ReservesQueue.open({ url, name });
      try {
        // Warm-up (not counted): one batch per worker process, so every one has loaded its keys.
        const warm = path.join(opts.work, `queue-warm-${n}`);
        mkdirSync(warm, { recursive: true });
        await proveBatches(opts.plan, warm, { queue, only: opts.plan.batches.slice(0, n).map((b) => b.batchIndex), progress: false });
        const dir = path.join(opts.work, `queue-${n}`);
        mkdirSync(dir, { recursive: true });
        const r = await proveBatches(opts.plan, dir, { queue, final: false, progress: opts.json ? false : { label: `queue ${n}` } });
        const clients = r.proved.reduce((s, i) => s + opts.clientsOf(i), 0);
        queueRates.push({ workerProcesses: n, batches: r.proved.length, clients, wallMs: Math.round(r.wallMs), clientsPerSecond: Number(((clients * 1000) / r.wallMs).toFixed(2)) });
        opts.log(`  ${queueRates[queueRates.length - 1]!.clientsPerSecond} clients/s with ${n} worker process(es)`);
      } finally {
        await queue.close();
        await Promise.all(procs.map((c) => new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.removeAllListeners("exit");
          c.once("exit", () => resolve());
          c.kill("SIGTERM");
        })));
      }
    }
  } finally {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await redis?.stop();
  }
  return queueRates;
}
