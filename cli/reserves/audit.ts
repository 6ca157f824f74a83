/** `plimsoll reserves verify` (an auditor's report) and `plimsoll reserves include` (a client's inclusion check). */
import { existsSync } from "node:fs";
import {
  artifacts,
  idHash,
  inclusionFileOf,
  initPoseidon,
  periodFiles,
  planFromFile,
  readStoredPlan,
  stringify,
  writeJsonAtomic,
  type PeriodFileJson,
} from "../../prover/src/index.js";
import { auditPeriod, auditReportJson, checkClientInclusion, formatAuditReport, formatInclusion, readInclusionFile, type RootSource } from "../../verifier/src/index.js";
import { required, UsageError } from "../usage.js";
import { chainRegistryState } from "./chain.js";
import { log, readJson, readRegistryStateFile, type ReservesOptions } from "./options.js";

/** `reserves verify`: the auditor's report of a proved period; 1 when a check fails. */
export async function verify(opts: ReservesOptions): Promise<number> {
  const dir = required(opts.dir, "dir");
  if (!existsSync(periodFiles.period(dir))) throw new UsageError(`--dir ${dir}: no period.json (is it a folder written by 'reserves prove'?)`);
  if (opts.registry && opts["registry-state"] !== undefined) throw new UsageError("give --registry or --registry-state, not both");
  const registryState = opts.registry ? await chainRegistryState(opts, dir) : opts["registry-state"] === undefined ? undefined : readRegistryStateFile(opts["registry-state"]);
  const vkeys = { batch: opts["vkey-batch"] ?? artifacts.vkey("reserves_batch"), finalize: opts["vkey-final"] ?? artifacts.vkey("reserves_finalize") };
  const progress = !opts.json && process.stderr.isTTY;
  const report = await auditPeriod({
    dir,
    vkeys,
    ...(registryState === undefined ? {} : { registryState }),
    onProgress: progress ? (done, total) => process.stderr.write(`\rverifying proofs ${done}/${total}${done === total ? "\n" : ""}`) : undefined,
  });
  console.log(opts.json ? stringify(auditReportJson(report), 2) : formatAuditReport(report));
  return report.valid ? 0 : 1;
}

/** `reserves include`: a client's inclusion check (writing its file from the stored plan when absent); 1 when not shown. */
export async function include(opts: ReservesOptions): Promise<number> {
  const id = required(opts.id, "id");
  if (opts.dir === undefined && opts.file === undefined) throw new UsageError("give --dir <period folder> or --file <inclusion.json>");
  let file = opts.file;
  let period: PeriodFileJson | undefined;
  if (opts.dir !== undefined && existsSync(periodFiles.period(opts.dir))) period = readJson(periodFiles.period(opts.dir), "period file") as PeriodFileJson;
  if (file === undefined) {
    const dir = opts.dir!;
    file = periodFiles.inclusion(dir, idHash(id));
    if (!existsSync(file)) {
      const stored = readStoredPlan(dir);
      if (stored === undefined) throw new UsageError(`no inclusion file for ${JSON.stringify(id)} in ${dir}/inclusion and no plan (run.db) to make one from`);
      const plan = planFromFile(await initPoseidon(), stored, periodFiles.run(dir));
      let inclusion;
      try {
        inclusion = inclusionFileOf(plan, stored, id);
      } catch (err) {
        if (opts.json) console.log(stringify({ valid: false, id, reason: (err as Error).message }, 2));
        else console.log(`NOT SHOWN: client ${JSON.stringify(id)}: ${(err as Error).message}`);
        return 1;
      }
      writeJsonAtomic(file, inclusion, 0o600);
      log(opts, `wrote ${file}`);
    }
  }
  let parsed;
  try {
    parsed = readInclusionFile(file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let root: bigint | undefined;
  let rootSource: RootSource | undefined;
  let custodian: string | undefined;
  let periodIndex: number | undefined;
  if (opts["registry-state"] !== undefined) {
    const r = readRegistryStateFile(opts["registry-state"]);
    root = BigInt(r.root);
    rootSource = "registry";
    custodian = r.custodian;
    periodIndex = r.periodIndex;
    if (!r.verified) log(opts, "note: the registry has not marked this period verified (yet)");
  } else if (opts.root !== undefined) {
    if (!/^[0-9]+$/.test(opts.root)) throw new UsageError("--root must be a decimal integer");
    root = BigInt(opts.root);
    rootSource = "--root";
  } else if (period !== undefined) {
    root = BigInt(period.root);
    rootSource = "period.json";
    custodian = period.custodian;
    periodIndex = period.periodIndex;
  }
  const result = await checkClientInclusion(parsed, {
    id,
    ...(root === undefined ? {} : { root }),
    ...(rootSource === undefined ? {} : { rootSource }),
    ...(custodian === undefined ? {} : { custodian }),
    ...(periodIndex === undefined ? {} : { periodIndex }),
  });
  console.log(opts.json ? stringify({ ...result, file }, 2) : `${formatInclusion(result)}\n  file ${file}`);
  return result.valid ? 0 : 1;
}
