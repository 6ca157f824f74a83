/**
 * Child process of store.test.ts's crash test: for two sub-accounts of one owner in the store at
 * `argv[2]`, records pending then confirmed openings over and over (blinding = generation, commitment =
 * generation + 1000, slot 0 = 1 for the first account and 2 for the second) until it is killed. Does
 * nothing when loaded as a module (the test runner loads every file under test/).
 */
import { pathToFileURL } from "node:url";
import { N_ASSETS } from "../../prover/src/constants.js";
import { OpeningStore, type AccountKey } from "../../prover/src/store.js";

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const store = new OpeningStore(process.argv[2]!);
  const keys: AccountKey[] = JSON.parse(process.argv[3]!).map((k: { chainId: string; engine: string; owner: string }) => ({ ...k, chainId: BigInt(k.chainId) }));
  const opening = (key: AccountKey, tag: bigint, g: bigint) => ({ owner: BigInt(key.owner), amounts: Array.from({ length: N_ASSETS }, (_, i) => (i === 0 ? tag : g * BigInt(i))), blinding: g });
  for (let g = BigInt(process.argv[4]!); ; g += 2n) {
    for (const [i, key] of keys.entries()) {
      const tag = BigInt(i + 1);
      store.savePending(key, opening(key, tag, g), g + 1000n, opening(key, tag, g + 1n), g + 1001n, "deposit");
      store.save(key, opening(key, tag, g + 1n), g + 1001n);
    }
    if (g === BigInt(process.argv[4]!)) process.send?.("started");
  }
}
