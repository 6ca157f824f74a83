/**
 * A client's check that it is in a custodian's published tree: its inclusion file (leaf data,
 * index, Merkle path) hashes up to the published root, and the leaf holds its id and balances.
 *
 * The root to compare with should come from the registry (`--registry-state`, or `--root` copied
 * from the chain); period.json or the file's own root are only as trustworthy as whoever handed
 * them over, and the report says which one was used.
 */
import {
  checkInclusion,
  formatNormalised,
  idHash,
  INCLUSION_KIND,
  inclusionProofFromJson,
  initPoseidon,
  readJsonFile,
  type InclusionFileJson,
  type InclusionProof,
  type SyncPoseidon,
} from "../../../prover/src/index.js";

/** Where the root an inclusion was checked against came from, most trustworthy first. */
export type RootSource = "registry" | "--root" | "period.json" | "inclusion file";

/** A parsed inclusion file. */
export interface ParsedInclusion {
  file: InclusionFileJson;
  proof: InclusionProof;
}

/** Reads and parses an inclusion file; errors name the file and the field. */
export function readInclusionFile(path: string): ParsedInclusion {
  const json = readJsonFile(path, "inclusion file") as InclusionFileJson;
  if (json === null || typeof json !== "object" || json.kind !== INCLUSION_KIND) throw new TypeError(`${path} is not a reserves inclusion file`);
  try {
    return { file: json, proof: inclusionProofFromJson(json) };
  } catch (err) {
    throw new TypeError(`${path}: ${(err as Error).message}`);
  }
}

/** The result of a client's check. */
export interface InclusionResult {
  valid: boolean;
  /** Why it failed. */
  reason?: string;
  id: string;
  idHash: string;
  index: number;
  clientCount: number;
  custodian: string;
  periodIndex: number;
  epoch: string;
  /** The root the path was checked against, and where it came from. */
  root: string;
  rootSource: RootSource;
  /** The balances the leaf holds, whole tokens (6 decimals), per asset in use. */
  balances: { symbol: string; slot: number; asset: string; liability: string }[];
}

/** Options of `checkClientInclusion`. */
export interface InclusionCheckOptions {
  /** The client's id: must be the file's. */
  id: string;
  /** The root to check against (default: the file's own). */
  root?: bigint;
  rootSource?: RootSource;
  /** The period the root belongs to, when known: must be the file's. */
  custodian?: string;
  periodIndex?: number;
  h?: SyncPoseidon;
}

/** Checks a parsed inclusion file for `opts.id` against `opts.root`. */
export async function checkClientInclusion(parsed: ParsedInclusion, opts: InclusionCheckOptions): Promise<InclusionResult> {
  const h = opts.h ?? (await initPoseidon());
  const { file, proof } = parsed;
  const root = opts.root ?? proof.root;
  let reason: string | undefined;
  if (proof.id !== opts.id) reason = `the file is for id ${JSON.stringify(proof.id)}, not ${JSON.stringify(opts.id)}`;
  else if (proof.idHash !== idHash(opts.id)) reason = "the file's idHash is not sha256(id) >> 8";
  else if (opts.custodian !== undefined && opts.custodian.toLowerCase() !== file.custodian.toLowerCase()) reason = `the file is for custodian ${file.custodian}, not ${opts.custodian}`;
  else if (opts.periodIndex !== undefined && opts.periodIndex !== file.periodIndex) reason = `the file is for period ${file.periodIndex}, not ${opts.periodIndex}`;
  else reason = checkInclusion(h, proof, root);
  const assets = Array.isArray(file.assetInfo) ? file.assetInfo : [];
  return {
    valid: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
    id: proof.id,
    idHash: proof.idHash.toString(16).padStart(62, "0"),
    index: proof.index,
    clientCount: proof.clientCount,
    custodian: file.custodian,
    periodIndex: file.periodIndex,
    epoch: file.epoch,
    root: root.toString(),
    rootSource: opts.rootSource ?? (opts.root === undefined ? "inclusion file" : "--root"),
    balances: assets.map((a) => ({ symbol: a.symbol, slot: a.slot, asset: formatNormalised(proof.assets[a.slot] ?? 0n), liability: formatNormalised(proof.liabilities[a.slot] ?? 0n) })),
  };
}

/** The result as text. */
export function formatInclusion(r: InclusionResult): string {
  const lines = [
    r.valid
      ? `INCLUDED: client ${JSON.stringify(r.id)} is leaf ${r.index} of ${r.clientCount} under root ${r.root}`
      : `NOT SHOWN: client ${JSON.stringify(r.id)}: ${r.reason}`,
    `  custodian ${r.custodian}, period ${r.periodIndex}, oracle epoch ${r.epoch}; root from ${r.rootSource}${r.rootSource === "inclusion file" || r.rootSource === "period.json" ? " (compare it with the registry's)" : ""}`,
    `  balances in the leaf: ${r.balances.map((b) => `${b.symbol} ${b.asset} (debt ${b.liability})`).join(", ") || "(no asset list)"}`,
  ];
  return lines.join("\n");
}
