/**
 * The keeper state as older releases wrote it (`keeper-state.json`, version 1), for the migration
 * tests: what `writeKeeperState` wrote before the state moved to SQLite.
 */
import type { KeeperState } from "../../prover/src/keeper/index.js";

/** The version-1 JSON document of `s`. */
export function legacyKeeperStateJson(s: KeeperState): string {
  const doc = {
    version: 1,
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
  return `${JSON.stringify(doc, null, 2)}\n`;
}
