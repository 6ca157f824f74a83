/**
 * The custodian section of `npm run demo`, and the helpers the reserves tests and benchmark share:
 * deploy the reserve registry on a development world, make seeded synthetic clients, prove a
 * period with parallel provers, publish it, audit it and check one client's inclusion.
 *
 *   const w = await createWorld(ethers);
 *   const figures = await runReservesDemo(w, { custodian, submitter });
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract, Signer } from "ethers";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type AssetInfo,
  BATCH_SIZE,
  type ClientRow,
  formatClientsCsv,
  formatDuration,
  formatNormalised,
  idHash,
  N_ASSETS,
  normalizeAmount,
  periodFiles,
  provePeriod,
  publishPeriod,
  readClientFile,
  readPeriodBundle,
  readRegistryState,
  readRegistryWeights,
  type RegistryContract,
  type ReserveWeights,
  seededRandom,
  slotDecimals,
  toClientBalances,
  writeJsonAtomic,
} from "../../prover/src/index.js";
import { auditPeriod, checkClientInclusion, formatAuditReport, formatInclusion, readInclusionFile } from "../../verifier/src/index.js";
import { poseidonArtifact } from "./poseidonContracts.js";
import { pct, price8, table } from "./format.js";

/** The registry and what it was deployed with. */
export interface ReservesDeployment {
  registry: RegistryContract;
  poseidon2: Contract;
  batchVerifier: Contract;
  finalizeVerifier: Contract;
}

/** Deploys the circomlibjs Poseidon(2) hasher, both generated verifiers and the registry on `oracle`. */
export async function deployReserveRegistry(ethers: HardhatEthers, oracle: string, poseidon4: string, deployer?: Signer): Promise<ReservesDeployment> {
  const signer = deployer ?? (await ethers.getSigners())[0]!;
  const art = poseidonArtifact(2);
  const poseidon2 = (await new ethers.ContractFactory(art.abi as never, art.bytecode, signer).deploy()) as unknown as Contract;
  await poseidon2.waitForDeployment();
  const batchVerifier = (await ethers.deployContract("ReservesBatchVerifier", [], signer)) as unknown as Contract;
  const finalizeVerifier = (await ethers.deployContract("ReservesFinalizeVerifier", [], signer)) as unknown as Contract;
  const registry = (await ethers.deployContract(
    "ReserveRegistry",
    [oracle, await poseidon2.getAddress(), poseidon4, await batchVerifier.getAddress(), await finalizeVerifier.getAddress(), BATCH_SIZE],
    signer,
  )) as unknown as RegistryContract;
  return { registry, poseidon2, batchVerifier, finalizeVerifier };
}

/** The seeded PRNG of the synthetic clients (re-exported: the same seed gives the same clients everywhere). */
export { seededRandom } from "../../prover/src/index.js";

/**
 * `count` synthetic clients over the registry's assets (token base units), all above maintenance at
 * `weights` with a wide margin: each holds one to three assets (log-uniform from 0.01 to 10,000 USD
 * worth of whole-token amounts with at most 4 decimals), and about a third also owe one asset worth
 * 10-60% of their haircut collateral.
 * @param prices per slot, 8 decimals (to size the amounts in USD).
 */
export function syntheticClients(count: number, seed: number, assets: readonly AssetInfo[], prices: readonly bigint[], weights: ReserveWeights): ClientRow[] {
  const rand = seededRandom(seed);
  const decimals = slotDecimals(assets);
  const rows: ClientRow[] = [];
  for (let k = 0; k < count; k++) {
    const row: ClientRow = { id: `client-${String(k).padStart(7, "0")}`, assets: new Array<bigint>(N_ASSETS).fill(0n), liabilities: new Array<bigint>(N_ASSETS).fill(0n), where: `client ${k}` };
    const held = assets.filter(() => rand() < 0.6);
    if (held.length === 0) held.push(assets[Math.floor(rand() * assets.length)]!);
    for (const a of held) {
      const usd = 10 ** (-2 + rand() * 6); // 0.01 .. 10,000 USD
      const price = Number(prices[a.slot]!) / 1e8;
      const tokens = Math.max(1e-4, Math.round((usd / price) * 1e4) / 1e4);
      const whole = BigInt(Math.floor(tokens));
      const frac = BigInt(Math.round((tokens - Math.floor(tokens)) * 1e4));
      row.assets[a.slot] = whole * 10n ** BigInt(a.decimals) + (a.decimals >= 4 ? frac * 10n ** BigInt(a.decimals - 4) : 0n);
    }
    if (rand() < 0.35) {
      // Value of the collateral after haircuts, 1e-30 USD, from the normalised balances.
      let collateral = 0n;
      for (const a of assets) collateral += normalizeAmount(row.assets[a.slot]!, decimals[a.slot]!, "down") * weights.assetWeights[a.slot]!;
      const debt = assets[Math.floor(rand() * assets.length)]!;
      const share = BigInt(Math.floor((0.1 + rand() * 0.5) * 1000));
      const normalisedDebt = (collateral * share) / 1000n / weights.liabilityWeights[debt.slot]!;
      // Back to token base units, rounded down (normalisation then rounds it up by at most one unit).
      const d = decimals[debt.slot]!;
      row.liabilities[debt.slot] = d >= 6 ? normalisedDebt * 10n ** BigInt(d - 6) : normalisedDebt / 10n ** BigInt(6 - d);
    }
    rows.push(row);
  }
  return rows;
}

/** Options of `runReservesDemo`. */
export interface ReservesDemoOptions {
  /** Number of synthetic clients (default 1,000). */
  clients?: number;
  /** PRNG seed (default 4). */
  seed?: number;
  /** Prover processes (default 2). */
  workers?: number;
  /** Output folder (default a fresh temporary one). */
  out?: string;
  /** Reserves over the net client balance, per mille (default 1050: 105%). */
  reservesPerMille?: bigint;
  /** Where the narrative goes (default console.log). */
  log?: (line: string) => void;
  /** Progress bar: false for none (default: stderr). */
  progress?: boolean;
}

/** What the demo measured. */
export interface ReservesDemoFigures {
  registry: string;
  out: string;
  clients: number;
  batchSize: number;
  batches: number;
  workers: number;
  epoch: bigint;
  root: bigint;
  planMs: number;
  proveWallMs: number;
  clientsPerSecond: number;
  openGas: bigint;
  batchGas: { min: bigint; median: bigint; max: bigint; total: bigint };
  finalizeGas: bigint;
  publishMs: number;
  auditMs: number;
  auditValid: boolean;
  inclusionValid: boolean;
  inclusionId: string;
}

/** The world the demo needs: a deployed oracle at a closed epoch (scripts/lib/world.ts `World`). */
export interface ReservesWorld {
  ethers: HardhatEthers;
  d: { oracle: Contract; poseidon4: Contract; assets: AssetInfo[] };
}

/**
 * The custodian demo: deploy the registry, prove a period of synthetic clients with parallel
 * provers, publish it (the custodian opens, another account submits the proofs), audit it against
 * the registry, and check one client's inclusion. Prints as it goes; returns the figures.
 */
export async function runReservesDemo(world: ReservesWorld, signers: { custodian: Signer; submitter: Signer }, opts: ReservesDemoOptions = {}): Promise<ReservesDemoFigures> {
  const log = opts.log ?? ((line: string): void => console.log(line));
  const n = opts.clients ?? 1000;
  const workers = opts.workers ?? 2;
  const out = opts.out ?? mkdtempSync(path.join(tmpdir(), "plimsoll-reserves-"));
  mkdirSync(out, { recursive: true });
  const { ethers, d } = world;
  const assets = d.assets;

  log("\n[R1] Deploy the reserve registry (no admin; each custodian writes only its own periods), its verifiers and a Poseidon(2) hasher");
  const dep = await deployReserveRegistry(ethers, await d.oracle.getAddress(), await d.poseidon4.getAddress());
  const registryAddress = await dep.registry.getAddress();
  log(`    registry ${registryAddress}, ${BATCH_SIZE} clients per batch proof`);

  log("\n[R2] Read the epoch's reserve weights from the registry (oracle price and maintenance haircut of each asset)");
  const { epoch, weights, reserveWeightsHash } = await readRegistryWeights(dep.registry);
  const prices: bigint[] = new Array<bigint>(N_ASSETS).fill(0n);
  const rows: string[][] = [];
  for (const a of assets) {
    prices[a.slot] = BigInt(await d.oracle.price!(a.slot));
    const [, hMM] = (await d.oracle.haircuts!(a.slot)) as [bigint, bigint];
    rows.push([a.symbol, price8(prices[a.slot]!), pct(hMM), weights.assetWeights[a.slot]!.toString(), weights.liabilityWeights[a.slot]!.toString()]);
  }
  log(table(["asset", "price", "maint. haircut", "asset weight wA", "liability weight wL"], rows).replace(/^/gm, "    "));
  log(`    epoch ${epoch}, reserveWeightsHash ${reserveWeightsHash}`);

  log(`\n[R3] A custodian with ${n.toLocaleString("en-US")} synthetic clients (seeded) writes its books as CSV; the CLI's parser validates them row by row`);
  const generated = syntheticClients(n, opts.seed ?? 4, assets, prices, weights);
  const csvPath = path.join(out, "clients.csv");
  writeFileSync(csvPath, formatClientsCsv(generated, assets));
  const parsed = readClientFile(csvPath, assets);
  const clients = toClientBalances(parsed, assets);
  const net = new Array<bigint>(N_ASSETS).fill(0n);
  for (const c of clients) for (let i = 0; i < N_ASSETS; i++) net[i] = net[i]! + c.assets[i]! - c.liabilities[i]!;
  const perMille = opts.reservesPerMille ?? 1050n;
  const reserves = net.map((x) => (x > 0n ? (x * perMille + 999n) / 1000n : 0n));
  log(`    ${csvPath} (${parsed.length} rows); reserves at ${Number(perMille) / 10}% of the net client balances: ${assets.map((a) => `${formatNormalised(reserves[a.slot]!)} ${a.symbol}`).join(", ")}`);

  const custodian = await signers.custodian.getAddress();
  const periodIndex = Number(await dep.registry.periodCount(custodian));
  log(`\n[R4] Prove period ${periodIndex}: ${Math.ceil(n / BATCH_SIZE)} batch proofs + 1 final proof with ${workers} prover processes (resumable into ${out})`);
  const proved = await provePeriod({
    out,
    inputs: { custodian, periodIndex, epoch, clients, weights, reserves, assets },
    workers,
    progress: opts.progress === false ? false : { label: "    proving" },
  });
  const clientsPerSecond = (proved.proved.reduce((s, i) => s + proved.plan.batches[i]!.clients, 0) * 1000) / proved.wallMs;
  log(`    planned (tree, witness inputs) in ${formatDuration(proved.planMs)}; proved in ${formatDuration(proved.wallMs)} (batches and final proof): ${clientsPerSecond.toFixed(2)} clients/s; ${proved.inclusionFiles} inclusion files`);

  log("\n[R5] Publish: the custodian opens the period (root, epoch, reserves); another account submits every batch and the final proof");
  const t0 = performance.now();
  const published = await publishPeriod(readPeriodBundle(out), {
    registry: dep.registry.connect(signers.custodian) as RegistryContract,
    submitter: dep.registry.connect(signers.submitter) as RegistryContract,
  });
  const publishMs = performance.now() - t0;
  const sorted = [...published.batchGas].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const batchGas = { min: sorted[0]!, median: sorted[sorted.length >> 1]!, max: sorted[sorted.length - 1]!, total: sorted.reduce((s, g) => s + g, 0n) };
  log(`    openPeriod ${published.openGas!.toLocaleString("en-US")} gas (derives the weights from the oracle and hashes them once for the epoch)`);
  log(`    submitBatch x${published.batchGas.length}: ${batchGas.median.toLocaleString("en-US")} gas median (${batchGas.min.toLocaleString("en-US")}-${batchGas.max.toLocaleString("en-US")}); finalize ${published.finalizeGas!.toLocaleString("en-US")} gas`);
  log(`    registry: period ${periodIndex} verified = ${await dep.registry.isVerified(custodian, periodIndex)}`);

  log("\n[R6] The auditor verifies every proof off-chain and compares with the registry");
  const state = await readRegistryState(dep.registry, custodian, periodIndex);
  writeJsonAtomic(path.join(out, "registry-state.json"), state);
  const t1 = performance.now();
  const report = await auditPeriod({ dir: out, registryState: state });
  const auditMs = performance.now() - t1;
  log(formatAuditReport(report, { checks: "failed" }).replace(/^/gm, "    "));

  const inclusionId = generated[Math.floor(n / 3)]!.id;
  log(`\n[R7] Client ${JSON.stringify(inclusionId)} checks its leaf and path against the registry's root`);
  const inclusion = await checkClientInclusion(readInclusionFile(periodFiles.inclusion(out, idHash(inclusionId))), {
    id: inclusionId,
    root: BigInt(state.root),
    rootSource: "registry",
    custodian,
    periodIndex,
  });
  log(formatInclusion(inclusion).replace(/^/gm, "    "));

  log("\nReserves summary");
  log(table(["step", "figure"], [
    ["clients / batches", `${n.toLocaleString("en-US")} / ${proved.plan.batches.length} of ${BATCH_SIZE}`],
    ["proving (wall)", `${formatDuration(proved.wallMs)} with ${workers} provers, ${clientsPerSecond.toFixed(2)} clients/s`],
    ["openPeriod gas", published.openGas!.toLocaleString("en-US")],
    ["submitBatch gas (median)", batchGas.median.toLocaleString("en-US")],
    ["finalize gas", published.finalizeGas!.toLocaleString("en-US")],
    ["audit (all proofs off-chain)", `${formatDuration(auditMs)}, ${report.valid ? "valid" : "INVALID"}`],
  ]).replace(/^/gm, "    "));

  return {
    registry: registryAddress,
    out,
    clients: n,
    batchSize: BATCH_SIZE,
    batches: proved.plan.batches.length,
    workers,
    epoch,
    root: proved.plan.root,
    planMs: proved.planMs,
    proveWallMs: proved.wallMs,
    clientsPerSecond,
    openGas: published.openGas!,
    batchGas,
    finalizeGas: published.finalizeGas!,
    publishMs,
    auditMs,
    auditValid: report.valid,
    inclusionValid: inclusion.valid,
    inclusionId,
  };
}
