/**
 * The auditor's check of a published reserves period, off-chain (snarkjs and the exported
 * verification keys), and optionally against the registry's state, with a report as a table and
 * as JSON.
 *
 * What is checked (each is a line of `AuditReport.checks`):
 *   - period.json is consistent: the period tag, the batch count, the weights hash, the packing
 *     of the reserves, and the opening of the final state (which makes the per-asset totals of the
 *     report proven values, not claims);
 *   - every batch proof verifies and they chain: batch 0 starts at the genesis state of the
 *     period's tag, batch i starts where batch i-1 ended, every batch carries the period's weights
 *     hash and its own index in the tag;
 *   - the final proof verifies, starts from the last batch's state and carries the root, the
 *     client count and the reserves of period.json;
 *   - with a registry state (`readRegistryState`, `--registry-state`): the registry holds the same
 *     epoch, weights hash, root, client count and reserves, every batch is submitted, its last state
 *     is the final state, and the period is marked verified.
 */
import { readFileSync } from "node:fs";
import {
  artifacts,
  BATCH_PUBLIC_SIGNALS,
  BATCH_SIZE,
  batchCountOf,
  FIELD_MODULUS,
  FINALIZE_PUBLIC_SIGNALS,
  formatNormalised,
  genesisState,
  initPoseidon,
  loadSnarkjs,
  MAX_CLIENTS,
  N_ASSETS,
  packProof,
  packReserves,
  packTagCount,
  packTagIndex,
  periodTag,
  readPeriodBundle,
  RESERVE_WEIGHT_LIMIT,
  stateHash,
  SUM_LIMIT,
  sumsHash,
  TREE_DEPTH,
  weightsHash,
  type PeriodBundle,
  type PeriodFileJson,
  type RegistryStateJson,
  type ReservesProofFileJson,
  type SnarkjsProof,
  type SyncPoseidon,
} from "../../../prover/src/index.js";

/** One check of the audit. */
export interface AuditCheck {
  /** What was checked, as a sentence. */
  name: string;
  ok: boolean;
  /** Why it failed (or extra context). */
  detail?: string;
}

/** One asset line of the report, in normalised units (1e-6 token). */
export interface AssetLine {
  symbol: string;
  slot: number;
  /** What the custodian holds for its clients: the sum of the clients' asset balances. */
  clientAssets: bigint;
  /** What the clients owe the custodian: the sum of their liability balances. */
  clientLiabilities: bigint;
  /** The custodian's net liability to its clients: clientAssets - clientLiabilities (may be negative). */
  netLiability: bigint;
  /** The published reserves. */
  reserves: bigint;
  /** reserves - netLiability. */
  surplus: bigint;
  /** reserves / netLiability, or undefined when the net liability is not positive. */
  coverage: number | undefined;
}

/** The audit's result. */
export interface AuditReport {
  /** True when every check passed. */
  valid: boolean;
  custodian: string;
  periodIndex: number;
  epoch: string;
  clientCount: number;
  batchCount: number;
  batchSize: number;
  root: string;
  reserveWeightsHash: string;
  /** True when the per-asset totals come from the opened final state (proven); false: only reserves >= net is proven. */
  totalsProven: boolean;
  assets: AssetLine[];
  checks: AuditCheck[];
  /** Present when a registry state was given. */
  registry?: { address: string; chainId: string; verified: boolean; nextBatch: number; batchCount: number };
  /** Time spent verifying proofs. */
  verifyMs: number;
}

/** Options of `auditPeriod`. */
export interface AuditOptions {
  /** Folder with period.json, batch-<i>.json and final.json. */
  dir: string;
  /** Verification keys (default: reserves_{batch,finalize}.vkey.json under the artifacts root, build/keys/ unless PLIMSOLL_ARTIFACTS moves it). */
  vkeys?: { batch: string; finalize: string };
  /** The registry's view of the period (`readRegistryState`). */
  registryState?: RegistryStateJson;
  /** Called after each proof is verified (done, total). */
  onProgress?: (done: number, total: number) => void;
  h?: SyncPoseidon;
}

function readVkey(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new Error(`verification key ${file} is missing or not JSON: run \`npm run build\``);
  }
}

const big = (s: unknown): bigint | undefined => (typeof s === "string" && /^[0-9]+$/.test(s) ? BigInt(s) : undefined);
function bigs(v: unknown, n: number): bigint[] | undefined {
  if (!Array.isArray(v) || v.length !== n) return undefined;
  const out = v.map(big);
  return out.every((x): x is bigint => x !== undefined) ? out : undefined;
}

/** Checks a proof file's shape; returns its signals or a reason. */
function proofSignals(file: ReservesProofFileJson, circuit: string, n: number): bigint[] | string {
  if (file === null || typeof file !== "object") return "not a JSON object";
  if (file.circuit !== circuit) return `circuit is ${JSON.stringify(file.circuit)}, expected ${circuit}`;
  try {
    packProof(file.proof as SnarkjsProof);
  } catch (err) {
    return (err as Error).message;
  }
  const signals = bigs(file.publicSignals, n);
  if (signals === undefined) return `publicSignals is not ${n} decimal strings`;
  if (signals.some((s) => s >= FIELD_MODULUS)) return "a public signal is not below the field modulus";
  return signals;
}

/**
 * Audits the period in `opts.dir`. Never throws for a failed check (it is reported); throws only
 * when the folder cannot be read or is malformed beyond checking.
 */
export async function auditPeriod(opts: AuditOptions): Promise<AuditReport> {
  const bundle = readPeriodBundle(opts.dir);
  return auditBundle(bundle, opts);
}

/** Audits an already-read bundle (see `auditPeriod`). */
export async function auditBundle(bundle: PeriodBundle, opts: Omit<AuditOptions, "dir">): Promise<AuditReport> {
  const h = opts.h ?? (await initPoseidon());
  const { period } = bundle;
  const checks: AuditCheck[] = [];
  const check = (name: string, ok: boolean, detail?: string): boolean => {
    checks.push(detail === undefined ? { name, ok } : { name, ok, detail });
    return ok;
  };

  // --- period.json ------------------------------------------------------------------------------
  const p = parsePeriod(period);
  const tag = periodTag(p.custodian, p.periodIndex);
  check("the period tag is (custodian << 32) | periodIndex", tag === p.periodTag, `${p.periodTag} vs ${tag}`);
  check(`the batch size is the circuit's (${BATCH_SIZE}) and the tree depth ${TREE_DEPTH}`, period.batchSize === BATCH_SIZE && period.treeDepth === TREE_DEPTH);
  check(`the client count is in [1, ${MAX_CLIENTS}]`, p.clientCount >= 1 && p.clientCount <= MAX_CLIENTS);
  check("the batch count is ceil(clientCount / batchSize)", period.batchCount === batchCountOf(p.clientCount), `${period.batchCount} batches for ${p.clientCount} clients`);
  const weightsOk = [...p.assetWeights, ...p.liabilityWeights].every((w) => w < RESERVE_WEIGHT_LIMIT);
  const rwh = weightsOk ? h([weightsHash(h, p.assetWeights), weightsHash(h, p.liabilityWeights)]) : -1n;
  check("the reserve weights hash is Poseidon2(weightsHash(wA), weightsHash(wL))", rwh === p.reserveWeightsHash);
  const reservesOk = p.reserves.every((r) => r < SUM_LIMIT);
  check("the packed reserves are the packing of the reserves", reservesOk && packReserves(p.reserves).every((x, i) => x === p.packedReserves[i]));
  const fs = p.finalState;
  const opened = h([tag, BigInt(fs.count), fs.lastIdHash, sumsHash(h, fs.assetSums, fs.liabilitySums), fs.frontierHash, p.root]);
  const totalsProven = check("the final state opens to the per-asset totals, the client count and the root", opened === fs.stateFinal && fs.count === p.clientCount);

  // --- proofs -------------------------------------------------------------------------------------
  const vkeys = opts.vkeys ?? { batch: artifacts.vkey("reserves_batch"), finalize: artifacts.vkey("reserves_finalize") };
  const snarkjs = await loadSnarkjs();
  const batchVkey = readVkey(vkeys.batch);
  const finalVkey = readVkey(vkeys.finalize);
  const total = bundle.batches.length + 1;
  const started = performance.now();
  let state = stateHash(h, genesisState(h, tag));
  let chained = true;
  let allValid = true;
  for (let i = 0; i < bundle.batches.length; i++) {
    const file = bundle.batches[i]!;
    const sig = proofSignals(file, "reserves_batch", BATCH_PUBLIC_SIGNALS);
    if (typeof sig === "string") {
      check(`batch ${i} is a well-formed proof`, false, sig);
      chained = allValid = false;
      continue;
    }
    const [stateIn, stateOut, w, tagIndex] = sig as [bigint, bigint, bigint, bigint];
    const problems: string[] = [];
    if (stateIn !== state) problems.push(i === 0 ? "does not start at the genesis state of the period's tag" : `does not start where batch ${i - 1} ended`);
    if (w !== p.reserveWeightsHash) problems.push("carries another weights hash");
    if (tagIndex !== packTagIndex(tag, i)) problems.push("carries another period tag or batch index");
    if (problems.length > 0) {
      chained = false;
      check(`batch ${i} belongs at position ${i} of this period`, false, problems.join("; "));
    }
    const valid = await snarkjs.groth16.verify(batchVkey, file.publicSignals, file.proof);
    if (!valid) {
      allValid = false;
      check(`batch ${i}'s Groth16 proof verifies`, false);
    }
    state = stateOut;
    opts.onProgress?.(i + 1, total);
  }
  check(`all ${bundle.batches.length} batch proofs verify`, allValid);
  check("the batches chain from the genesis state with no gap and no overlap, at the period's weights", chained);

  const fsig = proofSignals(bundle.final, "reserves_finalize", FINALIZE_PUBLIC_SIGNALS);
  if (typeof fsig === "string") check("the final proof is well-formed", false, fsig);
  else {
    const [stateFinal, root, tagCount, ...packed] = fsig;
    check("the final proof starts from the last batch's state", stateFinal === state);
    check("the final proof's state is the opened final state", stateFinal === fs.stateFinal);
    check("the final proof carries the published root", root === p.root);
    check("the final proof carries the period tag and the client count", tagCount === packTagCount(tag, p.clientCount));
    check("the final proof carries the published reserves", packed.every((x, i) => x === p.packedReserves[i]));
    check("the final proof verifies (net client balances <= reserves, per asset)", await snarkjs.groth16.verify(finalVkey, bundle.final.publicSignals, bundle.final.proof));
  }
  opts.onProgress?.(total, total);
  const verifyMs = performance.now() - started;

  // --- registry -----------------------------------------------------------------------------------
  let registry: AuditReport["registry"];
  const r = opts.registryState;
  if (r !== undefined) {
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    check("the registry state is this custodian's period", same(r.custodian, p.custodian) && r.periodIndex === p.periodIndex, `${r.custodian} period ${r.periodIndex}`);
    check("the registry records the same oracle epoch", r.epoch === period.epoch, `registry ${r.epoch}, files ${period.epoch}`);
    check("the registry's weights hash (derived on-chain from the oracle) is the proofs'", r.weightsHash === period.reserveWeightsHash);
    check("the registry holds the same root", r.root === period.root);
    check("the registry holds the same client count", r.clientCount === p.clientCount);
    check("the registry holds the same reserves", r.reserves.length === N_ASSETS && r.reserves.every((x, i) => x === period.reserves[i]));
    check("every batch is verified on-chain", r.nextBatch === r.batchCount && r.batchCount === period.batchCount, `${r.nextBatch} of ${r.batchCount}`);
    check("the registry's last state is the final state", r.lastState === period.finalState.stateFinal);
    check("the registry marks the period verified", r.verified);
    registry = { address: r.registry, chainId: r.chainId, verified: r.verified, nextBatch: r.nextBatch, batchCount: r.batchCount };
  }

  // --- per asset ----------------------------------------------------------------------------------
  const assets: AssetLine[] = [];
  const bySlot = new Map(period.assets.map((a) => [a.slot, a]));
  for (let i = 0; i < N_ASSETS; i++) {
    const a = bySlot.get(i);
    const clientAssets = fs.assetSums[i]!;
    const clientLiabilities = fs.liabilitySums[i]!;
    const reserves = p.reserves[i]!;
    if (a === undefined && clientAssets === 0n && clientLiabilities === 0n && reserves === 0n) continue;
    const netLiability = clientAssets - clientLiabilities;
    assets.push({
      symbol: a?.symbol ?? `slot ${i}`,
      slot: i,
      clientAssets,
      clientLiabilities,
      netLiability,
      reserves,
      surplus: reserves - netLiability,
      coverage: netLiability > 0n ? Number((reserves * 1_000_000n) / netLiability) / 1_000_000 : undefined,
    });
  }

  return {
    valid: checks.every((c) => c.ok),
    custodian: p.custodian,
    periodIndex: p.periodIndex,
    epoch: period.epoch,
    clientCount: p.clientCount,
    batchCount: period.batchCount,
    batchSize: period.batchSize,
    root: period.root,
    reserveWeightsHash: period.reserveWeightsHash,
    totalsProven,
    assets,
    checks,
    ...(registry === undefined ? {} : { registry }),
    verifyMs,
  };
}

/** period.json with its numbers parsed; errors name the field. */
function parsePeriod(period: PeriodFileJson): {
  custodian: string;
  periodIndex: number;
  periodTag: bigint;
  clientCount: number;
  root: bigint;
  reserveWeightsHash: bigint;
  assetWeights: bigint[];
  liabilityWeights: bigint[];
  reserves: bigint[];
  packedReserves: bigint[];
  finalState: { stateFinal: bigint; count: number; lastIdHash: bigint; frontierHash: bigint; assetSums: bigint[]; liabilitySums: bigint[] };
} {
  const need = <T>(v: T | undefined, field: string): T => {
    if (v === undefined) throw new TypeError(`period.json: ${field} is missing or malformed`);
    return v;
  };
  if (typeof period.custodian !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(period.custodian)) throw new TypeError("period.json: custodian is not an address");
  if (!Number.isSafeInteger(period.periodIndex) || period.periodIndex < 0) throw new TypeError("period.json: periodIndex is not a non-negative integer");
  if (!Number.isSafeInteger(period.clientCount)) throw new TypeError("period.json: clientCount is not an integer");
  if (!Array.isArray(period.assets)) throw new TypeError("period.json: assets is not an array");
  const fs = period.finalState;
  if (fs === null || typeof fs !== "object" || !Number.isSafeInteger(fs.count)) throw new TypeError("period.json: finalState is missing or malformed");
  return {
    custodian: period.custodian,
    periodIndex: period.periodIndex,
    periodTag: need(big(period.periodTag), "periodTag"),
    clientCount: period.clientCount,
    root: need(big(period.root), "root"),
    reserveWeightsHash: need(big(period.reserveWeightsHash), "reserveWeightsHash"),
    assetWeights: need(bigs(period.weights?.assetWeights, N_ASSETS), "weights.assetWeights"),
    liabilityWeights: need(bigs(period.weights?.liabilityWeights, N_ASSETS), "weights.liabilityWeights"),
    reserves: need(bigs(period.reserves, N_ASSETS), "reserves"),
    packedReserves: need(bigs(period.packedReserves, Math.ceil(N_ASSETS / 3)), "packedReserves"),
    finalState: {
      stateFinal: need(big(fs.stateFinal), "finalState.stateFinal"),
      count: fs.count,
      lastIdHash: need(big(fs.lastIdHash), "finalState.lastIdHash"),
      frontierHash: need(big(fs.frontierHash), "finalState.frontierHash"),
      assetSums: need(bigs(fs.assetSums, N_ASSETS), "finalState.assetSums"),
      liabilitySums: need(bigs(fs.liabilitySums, N_ASSETS), "finalState.liabilitySums"),
    },
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Coverage as text: "123.45%" or "n/a". */
export function formatCoverage(c: number | undefined): string {
  return c === undefined ? "n/a (no net liability)" : `${(c * 100).toFixed(2)}%`;
}

/** The report as text: header, per-asset table, checks (every one, or only the failed ones). */
export function formatAuditReport(r: AuditReport, opts: { checks?: "all" | "failed" } = {}): string {
  const lines: string[] = [];
  lines.push(`${r.valid ? "VALID" : "INVALID"} proof of reserves: custodian ${r.custodian}, period ${r.periodIndex}`);
  lines.push(`  oracle epoch ${r.epoch}; ${r.clientCount.toLocaleString("en-US")} clients in ${r.batchCount.toLocaleString("en-US")} batches of ${r.batchSize}; root ${r.root}`);
  if (r.registry !== undefined) lines.push(`  registry ${r.registry.address} (chain ${r.registry.chainId}): ${r.registry.verified ? "period verified on-chain" : `NOT verified on-chain (${r.registry.nextBatch}/${r.registry.batchCount} batches)`}`);
  else lines.push("  registry: not checked (give --registry-state to compare with the chain)");
  lines.push("");
  lines.push(`Per asset, whole tokens${r.totalsProven ? " (totals proven: the opened final state)" : " (totals NOT proven: only reserves >= net liability is)"}:`);
  lines.push(
    table(
      ["asset", "client balances", "client debts", "net owed to clients", "reserves", "surplus", "coverage"],
      r.assets.map((a) => [a.symbol, formatNormalised(a.clientAssets), formatNormalised(a.clientLiabilities), formatNormalised(a.netLiability), formatNormalised(a.reserves), formatNormalised(a.surplus), formatCoverage(a.coverage)]),
      new Set([1, 2, 3, 4, 5, 6]),
    ),
  );
  lines.push(`Amounts are normalised to 6 decimals per token: client balances rounded down, debts up, so each client moves an asset's net by less than 2 units of 1e-6 token (at most ${(2 * r.clientCount).toLocaleString("en-US")} units here).`);
  lines.push("");
  lines.push(`Checks (${r.checks.filter((c) => c.ok).length}/${r.checks.length} passed, proofs verified in ${(r.verifyMs / 1000).toFixed(1)} s):`);
  for (const c of r.checks) {
    if (c.ok && opts.checks === "failed") continue;
    lines.push(`  [${c.ok ? "ok" : "FAIL"}] ${c.name}${!c.ok && c.detail ? `: ${c.detail}` : ""}`);
  }
  return lines.join("\n");
}

/** The report as plain JSON (bigints as decimal strings, coverage as a number or null). */
export function auditReportJson(r: AuditReport): Record<string, unknown> {
  return {
    valid: r.valid,
    custodian: r.custodian,
    periodIndex: r.periodIndex,
    epoch: r.epoch,
    clientCount: r.clientCount,
    batchCount: r.batchCount,
    batchSize: r.batchSize,
    root: r.root,
    reserveWeightsHash: r.reserveWeightsHash,
    totalsProven: r.totalsProven,
    units: "normalised: 1e-6 token",
    assets: r.assets.map((a) => ({
      symbol: a.symbol,
      slot: a.slot,
      clientAssets: a.clientAssets.toString(),
      clientLiabilities: a.clientLiabilities.toString(),
      netLiability: a.netLiability.toString(),
      reserves: a.reserves.toString(),
      surplus: a.surplus.toString(),
      coverage: a.coverage ?? null,
      covered: a.surplus >= 0n,
    })),
    registry: r.registry ?? null,
    checks: r.checks,
    verifyMs: Math.round(r.verifyMs),
  };
}
