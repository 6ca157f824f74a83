/** What one keeper tick did, and what it concluded about each account. */
import type { Seizure } from "../liquidation/witness.js";

/** What the daemon concluded about one account at one evaluation. */
export type HealthDecision = "healthy" | "insolvent" | "no-position" | "stale" | "no-opening";

/** What one tick did. */
export interface TickReport {
  /** The blocks scanned (inclusive), or undefined when no new block was there. */
  scanned?: { fromBlock: number; toBlock: number };
  notes: { decrypted: number; invalid: number; foreign: number };
  /** The oracle epoch accounts were evaluated at, when any was. */
  epoch?: bigint;
  decisions: Array<{ account: string; decision: HealthDecision; value?: bigint; requirement?: bigint }>;
  liquidations: Array<{ account: string; txHash: string; gasUsed: bigint; proveMs: number; payment: bigint; loss: bigint; seizures: Seizure[]; mode: "full" | "partial"; closeBps: number; bonusBps: number }>;
  forceClosed: Array<{ account: string; txHash: string; gasUsed: bigint }>;
  /** Insolvent accounts flagged (the Dutch auction's clock started) and left to wait for the bonus the keeper asks. */
  flagged: Array<{ account: string; txHash: string; gasUsed: bigint }>;
  waiting: Array<{ account: string; factor: number; minBonusBps: number }>;
  /** Frozen accounts whose debt was seized after the deadline. */
  seized: Array<{ account: string; txHash: string; gasUsed: bigint; payment: bigint; seizures: Seizure[] }>;
  /** What this tick's liquidations and seizures credited the liquidator, claimed (`claim`), per slot. */
  claimed: Array<{ asset: number; amount: bigint; txHash: string; gasUsed: bigint }>;
  /** `account` is the liquidator's own address for a failed claim. */
  failures: Array<{ account: string; action: "liquidate" | "forceClose" | "flag" | "seize" | "claim"; reason: string }>;
}

/** A report of a tick that has done nothing yet. */
export function emptyReport(): TickReport {
  return { notes: { decrypted: 0, invalid: 0, foreign: 0 }, decisions: [], liquidations: [], forceClosed: [], flagged: [], waiting: [], seized: [], claimed: [], failures: [] };
}
