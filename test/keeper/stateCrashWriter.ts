/**
 * Child process of state.test.ts's crash test: saves a keeper state database at `argv[2]` over
 * and over, generation after generation (every one of ACCOUNTS accounts rewritten, about 3 MB per
 * transaction, more than SQLite's page cache, so uncommitted pages reach the WAL), printing
 * `committed <g>` on stdout after each commit, until it is killed. With `argv[3]` = g it stops
 * inside generation g's transaction, after every row is written, and prints `mid <g>`. Does
 * nothing when loaded as a module (the test runner loads every file under test/).
 */
import { writeSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { getAddress } from "ethers";
import { KeeperStateStore, type KeeperState } from "../../prover/src/keeper/state.js";

/** Accounts in every generation. */
export const ACCOUNTS = 2000;

/** The state of generation `g`: lastBlock g, every account's commitment and note block derived from g. */
export function generation(g: number): KeeperState {
  const accounts = new Map<string, KeeperState["accounts"] extends Map<string, infer A> ? A : never>();
  if (g > 0) {
    for (let i = 0; i < ACCOUNTS; i++) {
      const address = getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`);
      accounts.set(address, { commitment: 10n ** 70n + BigInt(g), opening: { amounts: Array.from({ length: 16 }, (_, j) => 10n ** 75n + BigInt(g * 100 + j)), blinding: BigInt(g) }, keeperId: 1n, lastNoteBlock: g });
    }
  }
  return { chainId: 31337n, engine: "0x5FbDB2315678afecb367f032d93F642f64180aa3", keeperId: 1n, lastBlock: g, lastEpochEvaluated: BigInt(g), accounts };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = process.argv[2]!;
  const pauseAt = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const store = KeeperStateStore.open(path);
  const start = (store.load()?.lastBlock ?? 0) + 1;
  writeSync(1, `started ${start}\n`);
  for (let g = start; ; g++) {
    store.save(generation(g), {
      beforeCommit: () => {
        if (g !== pauseAt) return;
        writeSync(1, `mid ${g}\n`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // until killed
      },
    });
    writeSync(1, `committed ${g}\n`);
  }
}
