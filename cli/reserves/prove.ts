/** `plimsoll reserves prove`: prove a custodian's period from a file of clients, in parallel, resumably. */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import {
  BATCH_SIZE,
  batchCountOf,
  ClientFileError,
  formatDuration,
  formatNormalised,
  usd,
  type AssetInfo,
  initPoseidon,
  MAX_CLIENTS,
  periodFiles,
  PlanMismatchError,
  provePeriod,
  readClientFile,
  redactRedisUrl,
  ReservesQueue,
  reserveWeightsHash,
  stringify,
  toClientBalances,
} from "../../prover/src/index.js";
import { required, UsageError } from "../usage.js";
import { chainWeights } from "./chain.js";
import { DEV_CUSTODIAN, integerOption, log, registry, reservesOption, weightsOption, type ReservesOptions } from "./options.js";
import { queueName, redisUrlOption } from "./worker.js";

/**
 * The planner's messages name slots and normalised or 1e-30 USD units; the user's file names assets
 * by symbol in tokens: rewrite the two messages that carry amounts.
 */
function inTokens(msg: string, assets: readonly AssetInfo[]): string {
  const symbol = (i: string): string => assets.find((a) => a.slot === Number(i))?.symbol ?? `slot ${i}`;
  const below = /^reserves\[(\d+)\] = (\d+) is below the clients' net balance (-?\d+) \(assets (\d+) - liabilities (\d+)\)$/.exec(msg);
  if (below !== null) {
    const [, i, r, net, a, l] = below as unknown as [string, string, string, string, string, string];
    const s = symbol(i);
    return `--reserves ${s} = ${formatNormalised(BigInt(r))} ${s} is below the clients' net balance ${formatNormalised(BigInt(net))} ${s} (client assets ${formatNormalised(BigInt(a))} - liabilities ${formatNormalised(BigInt(l))})`;
  }
  const under = /^(.*) is under maintenance: collateral (\d+) < requirement (\d+) \(1e-30 USD\)$/.exec(msg);
  if (under !== null) return `${under[1]} is under maintenance: collateral ${usd(BigInt(under[2]!))} at maintenance haircuts < requirement ${usd(BigInt(under[3]!))}`;
  return msg;
}

/** `reserves prove`: plans (or resumes) and proves the period into --out; prints a summary. */
export async function prove(opts: ReservesOptions): Promise<number> {
  const assets = registry(opts);
  const clientsPath = required(opts.clients, "clients");
  const out = required(opts.out, "out");
  const reservesSpec = required(opts.reserves, "reserves");
  const queueUrl = opts.queue === undefined ? undefined : redisUrlOption(opts.queue, "queue");
  if (queueUrl !== undefined && opts.workers !== undefined) throw new UsageError("--workers sets local prover processes; with --queue the proofs are made by 'plimsoll reserves worker' processes (their --provers)");
  const name = queueName(opts);
  const workers = integerOption(opts.workers, "workers", 1, 64, 2);
  const periodIndex = integerOption(opts.period, "period", 0, 2 ** 32 - 1, 0);
  const custodianText = opts.custodian ?? DEV_CUSTODIAN;
  if (!isAddress(custodianText)) throw new UsageError(`--custodian must be an Ethereum address, got ${JSON.stringify(custodianText)}`);
  const custodian = getAddress(custodianText);
  const { epoch, weights, source } = opts.weights === "chain" ? await chainWeights(opts) : weightsOption(opts, assets);
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
  const how = queueUrl === undefined ? `with ${workers} prover process${workers === 1 ? "" : "es"}` : `through queue ${name} at ${redactRedisUrl(queueUrl)} ('plimsoll reserves worker' processes)`;
  log(opts, `custodian ${custodian}, period ${periodIndex}: ${batchCountOf(rows.length)} batches of ${BATCH_SIZE} + 1 final proof ${how}`);
  // Fail fast on the queue (a URL nobody answers at) before planning, which may take minutes.
  const queue = queueUrl === undefined ? undefined : await ReservesQueue.open({ url: queueUrl, name });
  log(opts, `planning: client tree and every batch's witness input (about 1.5 ms per client${rows.length >= 10_000 ? `, ~${Math.ceil((rows.length * 1.5) / 1000)} s here` : ""}), or reusing the plan in ${periodFiles.run(out)}...`);

  // A failed or interrupted run must leave neither a stale lock nor an empty folder it created.
  const existed = existsSync(out);
  const cleanUp = (): void => {
    const lock = path.join(out, ".lock");
    try {
      if (existsSync(lock) && readFileSync(lock, "utf8").trim().split(/\s/)[0] === String(process.pid)) rmSync(lock, { force: true });
    } catch {
      // the lock is someone else's, or already gone
    }
    try {
      if (!existed && existsSync(out) && readdirSync(out).length === 0) rmSync(out, { recursive: true, force: true });
    } catch {
      // leave it
    }
  };
  const resumeHint = `resume with the same command (${["plimsoll reserves prove", ...process.argv.slice(process.argv.indexOf("prove") + 1)].join(" ")}): the proved batches in ${out} are kept and only the missing ones are proved`;
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    const queued = queue === undefined ? "" : "; the queued proofs stay in Redis: workers finish them and the rerun collects them";
    process.stderr.write(`\nplimsoll reserves: interrupted (${signal}); ${resumeHint}${queued}\n`);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let result;
  try {
    result = await provePeriod({
      out,
      inputs: { custodian, periodIndex, epoch, clients, weights, reserves, assets },
      workers,
      ...(queue === undefined ? {} : { queue, onNotice: (text: string) => process.stderr.write(`plimsoll reserves: ${text}\n`) }),
      restart: opts.restart === true,
      inclusionFiles: opts["skip-inclusion"] !== true,
      progress: opts.json && !process.stderr.isTTY ? false : { label: "proving" },
    });
  } catch (err) {
    cleanUp();
    if (err instanceof PlanMismatchError) throw new UsageError(err.message);
    const msg = (err as Error).message;
    // planPeriod's validation (a client under maintenance, reserves below the net balance, ...) is bad input.
    if (err instanceof RangeError || err instanceof TypeError) throw new UsageError(inTokens(msg, assets));
    throw new Error(`${msg}; ${resumeHint}`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    cleanUp();
    await queue?.close();
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
    workers: queue === undefined ? workers : new Set(result.records.filter((r) => r.proved).map((r) => r.host)).size,
    ...(queue === undefined ? {} : { queue: { url: redactRedisUrl(queue.url), name: queue.name } }),
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
    console.log(`  publish: plimsoll reserves publish --dir ${out}  (openPeriod(${summary.epoch}, root, ${summary.clientCount}, reserves) from the custodian, submitBatch x${summary.batchCount}, finalize)`);
    console.log(`  audit:   plimsoll reserves verify --dir ${out}`);
  }
  return 0;
}
