/**
 * Benchmark of custodian proof of reserves (N = 16 asset slots, the batch size of the build):
 *
 *   1. on an in-process Hardhat network: deploy the registry on the development oracle, prove the
 *      same `--rate-clients` synthetic clients with 1 prover process and then with `--workers`,
 *      publish the period, and record for each run the clients proven per second, the CPU time of
 *      the prover processes per batch (the load-independent figure) and the 1-minute load average
 *      before and after (the machine may be shared); the constraints per client, the batch size,
 *      the prover processes' peak memory, the per-core rate beside Binance's and Summa v2's (both
 *      quoted), an idle-machine ESTIMATE from the CPU time, and the proving time of 10,000, 100,000
 *      and 1,000,000 clients EXTRAPOLATED from the rate run's batches; the gas of openPeriod, each
 *      batch and finalize (also the batch verifier alone);
 *   2. for each size in `--clients` (default 10,000 and 100,000): plan the whole period (tree and
 *      every batch witness input, measured in full), then prove batches until `--budget` seconds
 *      are spent; if not all batches fit, the total is EXTRAPOLATED from the measured per-batch wall
 *      time and clearly labelled so. Memory: this process's peak RSS and each prover process's
 *      peak RSS (Linux /proc);
 *   3. with `--queue`: the rate period's batches again through the BullMQ queue (`reserves prove
 *      --queue`'s code), with 1 and then 2 `plimsoll reserves worker` processes on this machine, and
 *      a redis-server the benchmark starts on 127.0.0.1 (or `--redis URL`): clients per second
 *      through the queue, including Redis, the job round trips and the coordinator's check of
 *      every proof.
 *
 * `--breakdown` prints instead the batch circuit's constraints by template and one proof's phases
 * (scripts/lib/reservesBreakdown.ts). `--help` lists the options. Prints a table and JSON (also
 * written to build/bench-reserves.json).
 */
import { network } from "hardhat";
import type { Signer } from "ethers";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  BATCH_SIZE,
  DEV_REGISTRY,
  formatDuration,
  inclusionProof,
  initPoseidon,
  memoryFigures,
  type MemoryFigures,
  N_ASSETS,
  packProof,
  planPeriod,
  preparePeriod,
  proveBatches,
  Prover,
  publishPeriod,
  readJsonFile,
  readPeriodBundle,
  readRegistryWeights,
  type RegistryContract,
  type ReservesProofFileJson,
  toClientBalances,
} from "../prover/src/index.js";
import { createWorld } from "./lib/world.js";
import { deployReserveRegistry, syntheticClients } from "./lib/reservesDemo.js";
import { readKeyMetadata } from "./lib/metadata.js";
import { powerFor } from "./lib/circuits.js";
import { paths } from "./lib/paths.js";
import { median, table } from "./lib/format.js";
import { printReservesBreakdown } from "./lib/reservesBreakdown.js";
import { measureQueueRates } from "./lib/reservesQueueBench.js";
import { BINANCE, binancePerCore, SUMMA } from "./lib/publishedReserves.js";

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        clients: { type: "string", default: "10000,100000" },
        budget: { type: "string", default: "300" },
        full: { type: "boolean", default: false },
        workers: { type: "string", default: "2" },
        "rate-clients": { type: "string", default: String(10 * BATCH_SIZE) },
        "skip-sizes": { type: "boolean", default: false },
        queue: { type: "boolean", default: false },
        redis: { type: "string" },
        json: { type: "boolean", default: false },
        breakdown: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    console.error(`bench:reserves: ${(e as Error).message} (see --help)`);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(`Usage: npm run bench:reserves [-- options]
       node --import tsx scripts/benchReserves.ts [options]

Measures proof of reserves on this machine (N = ${N_ASSETS} asset slots, ${BATCH_SIZE} clients per batch):
clients proven per second with 1 and with --workers prover processes (with the load average and
the CPU-seconds per batch), on-chain gas (openPeriod, per batch, finalize), and time and memory for
large periods. Uses the keys from 'npm run build' (development keys).

Options:
  --clients <n,n,...>   period sizes to measure (default 10000,100000)
  --budget <seconds>    proving time per size; when the batches do not fit, the total is
                        extrapolated from the measured ones and labelled EXTRAPOLATED (default 300)
  --full                prove every batch of every size (may take hours for 100,000 clients)
  --workers <n>         prover processes of the second rate run and of the sizes (the first rate
                        run always uses 1; default 2)
  --rate-clients <n>    clients of the on-chain period that gives the rate and the gas (default
                        ${10 * BATCH_SIZE}: 10 batches)
  --skip-sizes          only the rate and gas measurement
  --queue               also the rate through the BullMQ queue with 1 and 2 'reserves worker'
                        processes (starts redis-server on 127.0.0.1 unless --redis is given)
  --redis <url>         an existing Redis for --queue (its queues bench-reserves-1/-2 are used)
  --breakdown           only print the batch circuit's constraints by template (each template
                        compiled alone with circom2 --O2) and exit
  --json                print only JSON`);
  process.exit(0);
}
const int = (v: string | undefined, flag: string, min: number): number => {
  if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < min) throw new Error(`--${flag} must be an integer >= ${min}, got ${v}`);
  return Number(v);
};
const workers = int(args.workers, "workers", 1);
const budgetMs = int(args.budget, "budget", 0) * 1000;
const rateClients = int(args["rate-clients"], "rate-clients", BATCH_SIZE);
const sizes = args["skip-sizes"] ? [] : args.clients!.split(",").map((s) => int(s.trim(), "clients", 1));
const log = (s: string): void => {
  if (!args.json) console.error(s);
};
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
/** Clients in batch `i` of a period of `clients`: the last batch may be partial. */
const clientsInBatch = (i: number, clients: number): number => Math.max(0, Math.min(BATCH_SIZE, clients - i * BATCH_SIZE));

if (args.breakdown) {
  await printReservesBreakdown();
  process.exit(0);
}

const work = mkdtempSync(path.join(tmpdir(), "plimsoll-bench-reserves-"));
const h = await initPoseidon();
const batchMeta = readKeyMetadata("reserves_batch");
const finalMeta = readKeyMetadata("reserves_finalize");

// --- 1. Rate and gas on an in-process chain -----------------------------------------------------
log(`reserves_batch: ${batchMeta.constraints.toLocaleString("en-US")} constraints (B = ${BATCH_SIZE}, N = ${N_ASSETS}); reserves_finalize: ${finalMeta.constraints.toLocaleString("en-US")}`);
const { ethers } = await network.create();
const [, custodianSigner, submitterSigner] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer];
const world = await createWorld(ethers);
await world.prover.close();
const dep = await deployReserveRegistry(ethers, await world.d.oracle.getAddress(), await world.d.poseidon4.getAddress());
const { epoch, weights } = await readRegistryWeights(dep.registry);
const prices = new Array<bigint>(N_ASSETS).fill(0n);
for (const a of DEV_REGISTRY) prices[a.slot] = BigInt(await world.d.oracle.price(a.slot));
const custodian = await custodianSigner.getAddress();
const assets = world.d.assets;

const provers = Array.from({ length: workers }, () => new Prover());
const rateDir = path.join(work, "rate");
const rateClientsList = toClientBalances(syntheticClients(rateClients, 1, assets, prices, weights), assets);
const ratePrepared = await preparePeriod(rateDir, { custodian, periodIndex: 0, epoch, clients: rateClientsList, weights, assets }, { h });
// Warm-up: one proof per prover process loads the keys (not counted).
log(`warming up ${workers} prover process(es)...`);
const warmDir = path.join(work, "warm");
mkdirSync(warmDir, { recursive: true });
await proveBatches(ratePrepared.plan, warmDir, { provers, only: ratePrepared.plan.batches.slice(0, workers).map((b) => b.batchIndex), progress: false });
await proveBatches(ratePrepared.plan, warmDir, { provers: provers.slice(0, 1), only: [], final: true, progress: false });

/** One timed proving run over the rate period's batches, with the load average around it. */
interface RateRun {
  proverProcesses: number;
  batches: number;
  clients: number;
  wallMs: number;
  clientsPerSecond: number;
  /** CPU time of the prover processes per batch (witness + proof): the load-independent figure. */
  cpuMsPerBatch: number;
  /** Median witness and proof time of one batch, each in one prover process. */
  medianWitnessMs: number;
  medianProveMs: number;
  /** 1-minute load average (os.loadavg) just before and just after the run. */
  loadBefore: number;
  loadAfter: number;
}
const load1 = (): number => Number(loadavg()[0]!.toFixed(2));
const childCpuMs = (): number => memoryFigures().children.reduce((s, c) => s + c.cpuMs, 0);
async function rateRun(k: number, dir: string): Promise<RateRun> {
  log(`proving ${ratePrepared.plan.batches.length} batches (${rateClients} clients) with ${k} prover process(es)...`);
  const loadBefore = load1();
  const cpu0 = childCpuMs();
  const r = await proveBatches(ratePrepared.plan, dir, { provers: provers.slice(0, k), final: false, progress: args.json ? false : { label: `${k} prover${k > 1 ? "s" : ""}` } });
  const cpuMs = childCpuMs() - cpu0;
  const records = r.records.filter((x) => x.proved && x.which !== "final");
  // Clients actually proved (a partial last batch counts its own clients, not BATCH_SIZE).
  const clients = records.reduce((n, x) => n + clientsInBatch(x.which as number, rateClients), 0);
  const run: RateRun = {
    proverProcesses: k,
    batches: records.length,
    clients,
    wallMs: Math.round(r.wallMs),
    clientsPerSecond: Number(((clients * 1000) / r.wallMs).toFixed(2)),
    cpuMsPerBatch: Math.round(cpuMs / records.length),
    medianWitnessMs: Math.round(median(records.map((x) => x.witnessMs))),
    medianProveMs: Math.round(median(records.map((x) => x.proveMs))),
    loadBefore,
    loadAfter: load1(),
  };
  log(`  ${run.clientsPerSecond} clients/s (load average ${run.loadBefore} -> ${run.loadAfter}; ${(run.cpuMsPerBatch / 1000).toFixed(1)} CPU-s per batch)`);
  return run;
}
// The same batches with 1 prover process, then with all of them, in this run.
const rateRuns: RateRun[] = [];
// The last run proves into the prepared folder, whose proofs are published below.
for (const k of [...new Set([1, workers])]) rateRuns.push(await rateRun(k, k === workers ? rateDir : path.join(work, `rate-${k}`)));
const finalRun = await proveBatches(ratePrepared.plan, rateDir, { provers: provers.slice(0, 1), only: [], final: true, progress: false });
const finalRecord = finalRun.records.find((r) => r.which === "final")!;
const best = rateRuns[rateRuns.length - 1]!;
const single = rateRuns[0]!;
const clientsPerSecond = best.clientsPerSecond;
// Per core: the machine's rate over its cores (every prover process runs snarkjs threads on all of them).
const machineCores = cpus().length;
const proverPeakRssMb = memoryFigures().children.map((c) => mb(c.peakRss));

// --- 3. Through the queue (--queue): 1 and 2 worker processes --------------------------------------
const queueRates = args.queue ? await measureQueueRates({ plan: ratePrepared.plan, work, redisUrl: args.redis, clientsOf: (i) => clientsInBatch(i, rateClients), json: args.json, log }) : [];

log("publishing on the in-process chain...");
const published = await publishPeriod(readPeriodBundle(rateDir), {
  registry: dep.registry.connect(custodianSigner) as RegistryContract,
  submitter: dep.registry.connect(submitterSigner) as RegistryContract,
});
const b0 = readJsonFile(path.join(rateDir, "batch-0.json"), "batch") as ReservesProofFileJson;
const p0 = packProof(b0.proof);
const verifierGas = await dep.batchVerifier.verifyProof!.estimateGas(p0.a, p0.b, p0.c, b0.publicSignals.map(BigInt));
const fin = readJsonFile(path.join(rateDir, "final.json"), "final") as ReservesProofFileJson;
const pf = packProof(fin.proof);
const finalVerifierGas = await dep.finalizeVerifier.verifyProof!.estimateGas(pf.a, pf.b, pf.c, fin.publicSignals.map(BigInt));
const batchGas = [...published.batchGas].sort((a, b) => (a < b ? -1 : 1));
// A second period in the same epoch: the weights hash is cached, so the difference is the hashing.
const cachedOpen = await (dep.registry.connect(submitterSigner) as RegistryContract).openPeriod.estimateGas(epoch, ratePrepared.plan.root, rateClients, ratePrepared.plan.final.reserves);

const finalProofMs = Math.round(finalRecord.witnessMs + finalRecord.proveMs);
const rate = {
  batchSize: BATCH_SIZE,
  assets: N_ASSETS,
  batchConstraints: batchMeta.constraints,
  finalizeConstraints: finalMeta.constraints,
  /** Batch circuit constraints per client (the finalize proof, once per period, not included). */
  constraintsPerClient: Math.round(batchMeta.constraints / BATCH_SIZE),
  /** Smallest phase-1 power the batch circuit fits (constraints + public inputs). */
  batchPhase1Power: powerFor(batchMeta.constraints, batchMeta.nPublic),
  workers,
  cpus: machineCores,
  clients: rateClients,
  runs: rateRuns,
  clientsPerSecond,
  /** The machine's rate over its cores (every prover process runs snarkjs threads on all cores). */
  clientsPerSecondPerCore: Number((clientsPerSecond / machineCores).toFixed(3)),
  /** Clients per CPU-second of the prover processes: a per-core rate that the other jobs on the machine barely move. */
  clientsPerCpuSecond: Number(((BATCH_SIZE * 1000) / single.cpuMsPerBatch).toFixed(3)),
  singleProcessBatchMs: single.medianWitnessMs + single.medianProveMs,
  /** An ESTIMATE, not a measurement: the cores, otherwise idle and fully used, at the measured CPU time per batch. */
  idleEstimateClientsPerSecond: Number(((machineCores * BATCH_SIZE * 1000) / single.cpuMsPerBatch).toFixed(2)),
  proverPeakRssMb,
  finalProofMs,
  binance: { ...BINANCE, usersPerSecondPerCore: Number(binancePerCore.toFixed(3)) },
  summa: SUMMA,
};
const gas = {
  openPeriodFirstInEpoch: Number(published.openGas),
  openPeriodCachedWeightsEstimate: Number(cachedOpen),
  submitBatch: { min: Number(batchGas[0]), median: Number(batchGas[batchGas.length >> 1]), max: Number(batchGas[batchGas.length - 1]) },
  finalize: Number(published.finalizeGas),
  batchVerifierAloneTx: Number(verifierGas),
  finalizeVerifierAloneTx: Number(finalVerifierGas),
  perClient: Number((Number(batchGas[batchGas.length >> 1]) / BATCH_SIZE).toFixed(0)),
};
log(`rate: ${rate.clientsPerSecond} clients/s with ${workers} prover processes (${rate.clientsPerSecondPerCore}/s per core of ${machineCores}; Binance ${rate.binance.usersPerSecondPerCore}, Summa v2 ~${SUMMA.usersPerSecondPerCore}, both quoted)`);

// --- Projections: EXTRAPOLATED from the rate run (the --clients sizes below measure planning and memory) ---
const PROJECTED = [10_000, 100_000, 1_000_000];
const projections = PROJECTED.map((n) => {
  const batches = Math.ceil(n / BATCH_SIZE);
  return {
    clients: n,
    batches,
    /** Proving alone: batches x the measured wall time per batch with `workers` provers, + the final proof. */
    provingMs: Math.round((best.wallMs / best.batches) * batches + finalProofMs),
    /** The same with 1 prover process. */
    provingMsOneProver: Math.round((single.wallMs / single.batches) * batches + finalProofMs),
    extrapolatedFromBatches: best.batches,
    loadAverage: best.loadAfter,
  };
});

// --- 2. Sizes -----------------------------------------------------------------------------------
interface SizeResult {
  clients: number;
  batches: number;
  planMs: number;
  /** Memory after planning (the whole period's witness inputs in memory). */
  planHeapMb: number;
  provedBatches: number;
  provedWallMs: number;
  /** Full-period time: measured when every batch was proved, else extrapolated. */
  totalMs: number;
  extrapolated: boolean;
  inclusionMsPerClient: number;
  mainPeakRssMb: number;
  proverPeakRssMb: number[];
  /** 1-minute load average after the proving. */
  loadAverage: number;
}
const sizeResults: SizeResult[] = [];
for (const n of sizes) {
  log(`\n${n.toLocaleString("en-US")} clients: generating and planning (tree + every batch input)...`);
  const clients = toClientBalances(syntheticClients(n, 2, assets, prices, weights), assets);
  const dir = path.join(work, `n${n}`);
  const t0 = performance.now();
  const plan = planPeriod({ h, custodian, periodIndex: 1, clients, weights });
  const planMs = performance.now() - t0;
  const planHeap = process.memoryUsage().heapUsed;
  const sample = Math.min(n, 1000);
  const t1 = performance.now();
  for (let k = 0; k < sample; k++) inclusionProof(plan, plan.leaves[k]!.id);
  const inclusionMsPerClient = (performance.now() - t1) / sample;
  log(`  planned in ${formatDuration(planMs)}; heap ${mb(planHeap)} MB; proving within ${args.full ? "no budget" : `${budgetMs / 1000} s`}...`);
  mkdirSync(dir, { recursive: true });
  const total = plan.batches.length;
  const t2 = performance.now();
  const run = await proveBatches(plan, dir, {
    provers,
    only: plan.batches.map((b) => b.batchIndex),
    ...(args.full ? {} : { deadline: t2 + budgetMs }),
    progress: args.json ? false : { label: `  ${n}` },
  });
  const proved = run.proved.length;
  const memory: MemoryFigures = run.memory;
  const provedWallMs = performance.now() - t2;
  const extrapolated = proved < total;
  const totalMs = planMs + (provedWallMs / proved) * total + rate.finalProofMs + inclusionMsPerClient * n;
  sizeResults.push({
    clients: n,
    batches: total,
    planMs: Math.round(planMs),
    planHeapMb: mb(planHeap),
    provedBatches: proved,
    provedWallMs: Math.round(provedWallMs),
    totalMs: Math.round(totalMs),
    extrapolated,
    inclusionMsPerClient: Number(inclusionMsPerClient.toFixed(3)),
    mainPeakRssMb: mb(memoryFigures().mainPeakRss),
    proverPeakRssMb: memory.children.map((c) => mb(c.peakRss)),
    loadAverage: load1(),
  });
  log(`  ${extrapolated ? `EXTRAPOLATED from ${proved}/${total} batches` : "measured"}: ${formatDuration(totalMs)} in all`);
  rmSync(dir, { recursive: true, force: true });
}
await Promise.all(provers.map((p) => p.close()));

const queueResult = args.queue ? { rates: queueRates, note: "the rate period's batches through the BullMQ queue on one machine: each worker process is a 'plimsoll reserves worker' with one prover process; wall time includes Redis, job round trips and the coordinator's verification of every proof" } : null;
const result = {
  machine: { cpus: cpus().length, node: process.version },
  rate,
  gas,
  projections,
  queue: queueResult,
  sizes: sizeResults,
  note: "projections are EXTRAPOLATED from the rate run's batches (wall time per batch x batches + the final proof; proving only, planning not included); sizes marked extrapolated: planning and memory measured on the full period, proving time = measured wall time per batch x batches + final proof + inclusion paths. Wall-time figures were measured on a machine shared with other jobs: each carries the 1-minute load average",
};
if (!args.json) {
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  console.log(`\nProving rate (B = ${BATCH_SIZE} clients per batch, N = ${N_ASSETS} assets, ${rate.cpus} cores; the same ${rateRuns[0]!.batches} batches in each run)`);
  console.log(table(["prover processes", "clients/s", "per core", "wall", "CPU-s per batch", "load average (before -> after)"], rateRuns.map((r) => [
    String(r.proverProcesses),
    String(r.clientsPerSecond),
    (r.clientsPerSecond / machineCores).toFixed(2),
    formatDuration(r.wallMs),
    (r.cpuMsPerBatch / 1000).toFixed(1),
    `${r.loadBefore} -> ${r.loadAfter}`,
  ])));
  console.log(table(["measure", "value"], [
    ["batch size (clients per batch proof)", String(BATCH_SIZE)],
    ["constraints per client (batch circuit / batch size)", `${rate.constraintsPerClient.toLocaleString("en-US")} (${rate.batchConstraints.toLocaleString("en-US")} / ${BATCH_SIZE}; phase-1 power ${rate.batchPhase1Power})`],
    ["constraints of the final proof (once per period)", rate.finalizeConstraints.toLocaleString("en-US")],
    [`one batch in one prover process, median wall time (load average ${single.loadAfter})`, `${secs(rate.singleProcessBatchMs)} (witness ${rate.runs[0]!.medianWitnessMs} ms, prove ${rate.runs[0]!.medianProveMs} ms)`],
    ["one batch, CPU time of its prover process (load-independent)", secs(single.cpuMsPerBatch)],
    ["clients per prover CPU-second (load-independent per-core rate)", String(rate.clientsPerCpuSecond)],
    [`ESTIMATE for ${machineCores} otherwise idle cores (cores x clients per CPU-second, if fully used)`, `${rate.idleEstimateClientsPerSecond} clients/s`],
    ["prover memory (peak RSS per prover process)", rate.proverPeakRssMb.map((m) => `${m} MB`).join(" + ")],
    ["final proof", `${finalProofMs} ms`],
    [`per core here (${workers} provers, ${machineCores} cores, load average ${best.loadAfter})`, String(rate.clientsPerSecondPerCore)],
    [`Binance per core: ${BINANCE.usersPerBatch} users / ${BINANCE.seconds} s / ${BINANCE.cores} cores, ${BINANCE.label}`, String(rate.binance.usersPerSecondPerCore)],
    [`Summa v2 per core, ${SUMMA.label}`, `~${SUMMA.usersPerSecondPerCore}`],
  ]));
  console.log(`\nProjected proving time (EXTRAPOLATED from ${best.batches} batches of the rate run, load average ${best.loadAfter}; planning and inclusion files not included)`);
  console.log(table(["clients", "batches", `${workers} prover processes`, "1 prover process", ""], projections.map((p) => [
    p.clients.toLocaleString("en-US"),
    p.batches.toLocaleString("en-US"),
    formatDuration(p.provingMs),
    formatDuration(p.provingMsOneProver),
    `EXTRAPOLATED from ${p.extrapolatedFromBatches} batches`,
  ])));
  if (queueRates.length > 0) {
    console.log(`\nThrough the queue (BullMQ on Redis; ${best.batches} batches, ${best.clients} clients; local proving above: ${rate.clientsPerSecond} clients/s with ${workers} prover processes)`);
    console.log(table(["worker processes", "clients/s", "wall"], queueRates.map((q) => [String(q.workerProcesses), String(q.clientsPerSecond), formatDuration(q.wallMs)])));
  }
  console.log("\nOn-chain gas (transactions with real proofs)");
  console.log(table(["step", "gas"], [
    ["openPeriod (first in an epoch: weights from the oracle, hashed)", gas.openPeriodFirstInEpoch.toLocaleString("en-US")],
    ["openPeriod (weights hash cached, estimate)", gas.openPeriodCachedWeightsEstimate.toLocaleString("en-US")],
    [`submitBatch (median of ${batchGas.length})`, gas.submitBatch.median.toLocaleString("en-US")],
    ["  per client", gas.perClient.toLocaleString("en-US")],
    ["finalize", gas.finalize.toLocaleString("en-US")],
    ["batch verifier alone (tx estimate)", gas.batchVerifierAloneTx.toLocaleString("en-US")],
    ["finalize verifier alone (tx estimate)", gas.finalizeVerifierAloneTx.toLocaleString("en-US")],
  ]));
  if (sizeResults.length > 0) {
    console.log("\nLarge periods");
    console.log(table(["clients", "batches", "plan", "proving", "total", "main peak RSS", "prover peak RSS", "load average", ""], sizeResults.map((s) => [
      s.clients.toLocaleString("en-US"),
      s.batches.toLocaleString("en-US"),
      formatDuration(s.planMs),
      `${s.provedBatches}/${s.batches} in ${formatDuration(s.provedWallMs)}`,
      formatDuration(s.totalMs),
      `${s.mainPeakRssMb} MB`,
      s.proverPeakRssMb.map((m) => `${m} MB`).join(" + "),
      String(s.loadAverage),
      s.extrapolated ? "EXTRAPOLATED" : "measured",
    ])));
  }
  console.log("\nJSON");
}
console.log(JSON.stringify(result, null, 2));
writeFileSync(path.join(paths.build, "bench-reserves.json"), JSON.stringify(result, null, 2));
rmSync(work, { recursive: true, force: true });
process.exit(0);
