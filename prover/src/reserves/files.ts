/**
 * The files of a reserves period, in its output folder:
 *
 *   run.db                PRIVATE. The run state (SQLite, runState.ts): the plan, i.e. the period's
 *                         inputs with every client's salt, written first, so that a rerun rebuilds
 *                         the very same leaves, tree and batch inputs. (plan.json in older releases:
 *                         migrated into run.db on first open and kept as plan.json.bak.)
 *   period.json           PUBLIC. What auditors need: custodian, period, epoch, weights, reserves, root,
 *                         client and batch counts, and the opening of the final state (per-asset
 *                         totals), which the final proof's first public signal binds.
 *   batch-<i>.json        PUBLIC. The Groth16 proof of batch i with its public signals.
 *   final.json            PUBLIC. The finalize proof.
 *   inclusion/<h>.json    PRIVATE to each client: its leaf data and Merkle path; <h> is its idHash in hex.
 *
 * Also the registry-state file (`readRegistryState`, the `--registry-state` of `reserves verify`).
 * Every file is written atomically (prover/src/fs/), so a crash never leaves a half-written proof;
 * run.db is written in one SQLite transaction.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { AssetInfo } from "../assets.js";
import type { SnarkjsProof } from "../calldata.js";
import { readJsonFile } from "../fs/json.js";
import { BATCH_SIZE } from "./constants.js";
import type { InclusionProofJson } from "./inclusion.js";

export const PLAN_KIND = "plimsoll.reserves.plan";
export const PERIOD_KIND = "plimsoll.reserves.period";
export const INCLUSION_KIND = "plimsoll.reserves.inclusion";
export const FORMAT_VERSION = 1;

/** The two reserves circuits (names of their build artifacts). */
export const BATCH_CIRCUIT = "reserves_batch";
export const FINALIZE_CIRCUIT = "reserves_finalize";

/** The period's identity and parameters, shared by the plan (run.db) and period.json. */
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

/** The plan (run.db, or plan.json of older releases), in plan.json's form: PRIVATE (salts and balances of every client). */
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
  /** Timings and which prover made it; `host` (`<hostname> pid <pid>`) when a queue worker did. Not covered by the proof. */
  meta?: { witnessMs: number; proveMs: number; worker: number; host?: string };
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

/** Paths inside an output folder. */
export const periodFiles = {
  /** The run state database (the plan). */
  run: (dir: string): string => path.join(dir, "run.db"),
  /** plan.json of older releases: only read to migrate it into run.db. */
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
