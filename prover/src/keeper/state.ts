/**
 * The keeper daemon's persistent state, `<stateDir>/keeper-state.json` (mode 0600: it holds
 * openings): the last block processed, the last epoch evaluated, and every watched account's
 * commitment and opening. Written atomically after every scanned range and every tick.
 */
import { readFileSync } from "node:fs";
import { getAddress, isAddress } from "ethers";
import { N_ASSETS } from "../constants.js";
import { writeFileAtomic } from "../fs/atomic.js";

/** Version of keeper-state.json. */
export const KEEPER_STATE_VERSION = 1;
/** File name of the state inside the state folder. */
export const KEEPER_STATE_FILE = "keeper-state.json";

/** What the keeper knows of one account that names it. */
export interface WatchedAccount {
  /** The commitment of the last note (or liquidation remainder) seen. */
  commitment: bigint;
  /** Its opening; null when the note did not decrypt (the account is still watched for its lease). */
  opening: { amounts: bigint[]; blinding: bigint } | null;
  /** The keeper the account named in that note (this keeper). */
  keeperId: bigint;
  /** Block of that note. */
  lastNoteBlock: number;
}

/** The daemon's persistent state. */
export interface KeeperState {
  chainId: bigint;
  engine: string;
  keeperId: bigint;
  /** Last block fully processed; undefined before the first tick of a first start. */
  lastBlock: number | undefined;
  /** Last oracle epoch at which every watched account was evaluated (0: none). */
  lastEpochEvaluated: bigint;
  /** Watched accounts by checksummed address. */
  accounts: Map<string, WatchedAccount>;
}

interface StateFile {
  version: number;
  chainId: string;
  engine: string;
  keeperId: string;
  lastBlock: number | null;
  lastEpochEvaluated: string;
  accounts: Record<string, { commitment: string; opening: { amounts: string[]; blinding: string } | null; keeperId: string; lastNoteBlock: number }>;
}

/** Writes the state to `path` atomically. */
export function writeKeeperState(path: string, s: KeeperState): void {
  const doc: StateFile = {
    version: KEEPER_STATE_VERSION,
    chainId: s.chainId.toString(),
    engine: s.engine,
    keeperId: s.keeperId.toString(),
    lastBlock: s.lastBlock ?? null,
    lastEpochEvaluated: s.lastEpochEvaluated.toString(),
    accounts: Object.fromEntries(
      [...s.accounts].map(([address, a]) => [
        address,
        {
          commitment: a.commitment.toString(),
          opening: a.opening === null ? null : { amounts: a.opening.amounts.map(String), blinding: a.opening.blinding.toString() },
          keeperId: a.keeperId.toString(),
          lastNoteBlock: a.lastNoteBlock,
        },
      ]),
    ),
  };
  writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, mkdir: false });
}

/** Reads a state file written by `writeKeeperState`; errors name the file and the field. */
export function readKeeperState(path: string): KeeperState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not a readable JSON file (${(err as Error).message})`);
  }
  const fail = (field: string, why: string): never => {
    throw new Error(`${path}: ${field} ${why}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("the document", "is not a JSON object");
  const doc = raw as Partial<StateFile>;
  if (doc.version !== KEEPER_STATE_VERSION) fail("version", `is ${JSON.stringify(doc.version)}, expected ${KEEPER_STATE_VERSION}`);
  const uint = (v: unknown, field: string): bigint => (typeof v === "string" && /^[0-9]+$/.test(v) ? BigInt(v) : fail(field, "is not a non-negative decimal integer string"));
  const block = (v: unknown, field: string): number => (Number.isSafeInteger(v) && (v as number) >= -1 ? (v as number) : fail(field, "is not a block number"));
  if (typeof doc.engine !== "string" || !isAddress(doc.engine)) fail("engine", "is not an address");
  const accounts = new Map<string, WatchedAccount>();
  if (typeof doc.accounts !== "object" || doc.accounts === null || Array.isArray(doc.accounts)) fail("accounts", "is not an object");
  for (const [address, a] of Object.entries(doc.accounts!)) {
    const where = `accounts.${address}`;
    if (!isAddress(address)) fail(where, "is not keyed by an address");
    if (typeof a !== "object" || a === null) fail(where, "is not an object");
    let opening: WatchedAccount["opening"] = null;
    if (a.opening !== null) {
      if (typeof a.opening !== "object" || !Array.isArray(a.opening.amounts) || a.opening.amounts.length !== N_ASSETS) fail(`${where}.opening.amounts`, `is not an array of ${N_ASSETS} amounts`);
      opening = { amounts: a.opening.amounts.map((x, i) => uint(x, `${where}.opening.amounts[${i}]`)), blinding: uint(a.opening.blinding, `${where}.opening.blinding`) };
    }
    accounts.set(getAddress(address), { commitment: uint(a.commitment, `${where}.commitment`), opening, keeperId: uint(a.keeperId, `${where}.keeperId`), lastNoteBlock: block(a.lastNoteBlock, `${where}.lastNoteBlock`) });
  }
  return {
    chainId: uint(doc.chainId, "chainId"),
    engine: getAddress(doc.engine!),
    keeperId: uint(doc.keeperId, "keeperId"),
    lastBlock: doc.lastBlock === null ? undefined : block(doc.lastBlock, "lastBlock"),
    lastEpochEvaluated: uint(doc.lastEpochEvaluated, "lastEpochEvaluated"),
    accounts,
  };
}
