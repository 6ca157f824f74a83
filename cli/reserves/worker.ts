/**
 * `plimsoll reserves worker --redis URL`: a proving worker for `reserves prove --queue URL`, on any
 * host that has the build's keys. Runs until SIGINT or SIGTERM: the first finishes the proofs under
 * way and exits 0; a second exits at once (130), and the abandoned proofs go back to the queue when
 * their lock lapses, like a killed worker's.
 */
import {
  DEFAULT_LOCK_MS,
  parseRedisUrl,
  RESERVES_QUEUE,
  redactRedisUrl,
  startReservesWorker,
} from "../../prover/src/index.js";
import { required, UsageError } from "../usage.js";
import { integerOption, log, type ReservesOptions } from "./options.js";

/** Checks --queue-name (BullMQ refuses ':' in a queue name). */
export function queueName(opts: ReservesOptions): string {
  const name = opts["queue-name"] ?? RESERVES_QUEUE;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) throw new UsageError(`--queue-name must be 1 to 100 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  return name;
}

/** Checks the form of a --redis / --queue URL (bad input, exit 2). */
export function redisUrlOption(value: string | undefined, flag: string): string {
  const url = required(value, flag);
  try {
    parseRedisUrl(url);
  } catch (err) {
    throw new UsageError(`--${flag} ${(err as Error).message}`);
  }
  return url;
}

/** `reserves worker`: takes proving jobs from the queue until stopped. */
export async function worker(opts: ReservesOptions): Promise<number> {
  const url = redisUrlOption(opts.redis, "redis");
  const name = queueName(opts);
  const provers = integerOption(opts.provers, "provers", 1, 64, 1);
  const lockSeconds = integerOption(opts["lock-seconds"], "lock-seconds", 2, 3600, DEFAULT_LOCK_MS / 1000);
  const line = (text: string): void => {
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  };
  let w;
  try {
    w = await startReservesWorker({ url, name, provers, lockMs: lockSeconds * 1000, log: line });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError((err as Error).message);
    throw err; // Redis unreachable, or a missing artifact (as for local proving): exit 1
  }
  log(opts, `worker ${w.host}: queue ${name} at ${redactRedisUrl(url)}, ${provers} prover process${provers === 1 ? "" : "es"}, lock ${lockSeconds} s; Ctrl-C stops after the proofs under way`);
  if (opts.json) console.log(JSON.stringify({ event: "ready", host: w.host, queue: name, provers, lockSeconds }));
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        line(`${signal} again: stopping now; the proofs under way go back to the queue when their lock lapses`);
        process.exit(130);
      }
      stopping = true;
      line(`${signal}: finishing the proofs under way, then stopping (${signal} again to stop now)`);
      void w.close().then(() => resolve(0), () => resolve(1));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  const summary = { event: "stopped", host: w.host, proved: w.proved, uptimeMs: Math.round(performance.now() - started) };
  if (opts.json) console.log(JSON.stringify(summary));
  else line(`worker stopped: ${w.proved} proof${w.proved === 1 ? "" : "s"} made`);
  return code;
}
