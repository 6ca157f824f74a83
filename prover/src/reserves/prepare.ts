/**
 * Planning a period into its output folder: the plan first (run.db, reused on a rerun with the
 * same inputs, so the salts, the tree and every batch are the same), then period.json; and the
 * clients' inclusion files.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { AssetInfo } from "../assets.js";
import { stringify, writeJsonAtomic } from "../fs/json.js";
import { initPoseidon, type SyncPoseidon } from "../poseidon.js";
import { BATCH_SIZE, N_ASSETS, TREE_DEPTH } from "./constants.js";
import {
  FORMAT_VERSION,
  INCLUSION_KIND,
  PERIOD_KIND,
  PLAN_KIND,
  periodFiles,
  type InclusionFileJson,
  type PeriodFileJson,
  type PeriodHeaderJson,
  type PlanFileJson,
} from "./files.js";
import { readStoredPlan, writeStoredPlan } from "./runState.js";
import { stateTuple } from "./state.js";
import type { ClientBalances, ReserveWeights } from "./types.js";
import { inclusionProof, inclusionProofToJson } from "./inclusion.js";
import { planPeriod, type PeriodPlan } from "./witness.js";

const dec = (x: bigint): string => x.toString();

/** The inputs of a period. */
export interface PeriodInputs {
  /** 0x address of the custodian. */
  custodian: string;
  /** The custodian's period index in the registry (its `periodCount` before `openPeriod`). */
  periodIndex: number;
  /** The oracle epoch of the weights. */
  epoch: bigint;
  /** Clients with balances in normalised units (no salts: they are drawn, or reused from the stored plan). */
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

/** Rebuilds a stored plan (`readStoredPlan`: same salts, same tree). */
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
  /** True when a stored plan already existed and was reused (a resume). */
  resumed: boolean;
  planMs: number;
}

/**
 * Plans the period into `out`: reuses the plan in `out/run.db` (or an older release's
 * `out/plan.json`, migrated) when it was made from the same inputs (a resume keeps the salts, hence
 * the tree and every batch), else draws fresh salts and stores the plan in one transaction before
 * anything is proved. Writes period.json.
 * @throws PlanMismatchError when `out` holds the plan of other inputs and `restart` is false.
 */
export async function preparePeriod(out: string, inputs: PeriodInputs, opts: { restart?: boolean; h?: SyncPoseidon } = {}): Promise<PreparedPeriod> {
  const h = opts.h ?? (await initPoseidon());
  const started = performance.now();
  mkdirSync(out, { recursive: true });
  const fp = fingerprint(inputs);
  const planPath = periodFiles.run(out);
  let plan: PeriodPlan | undefined;
  let resumed = false;
  const stored = opts.restart === true ? undefined : readStoredPlan(out);
  if (stored !== undefined) {
    if (stored.fingerprint !== fp) {
      throw new PlanMismatchError(`${out} holds the plan of a different period or client set (the fingerprint in ${planPath} differs): use another --out, or --restart to discard it and its proofs`);
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
    writeStoredPlan(out, file);
  }
  const period = periodFileOf(h, plan, inputs);
  writeJsonAtomic(periodFiles.period(out), period);
  return { plan, inputs, period, resumed, planMs: performance.now() - started };
}

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
