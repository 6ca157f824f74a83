/**
 * Child process of wallet.test.ts's crash test: saves the wallet store at `argv[2]` over and over
 * (each save a bigger file, generation after generation) until it is killed. Does nothing when
 * loaded as a module (the test runner loads every file under test/).
 */
import { pathToFileURL } from "node:url";
import { readWalletFile, writeWalletFile } from "../../prover/src/notes/store.js";

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = process.argv[2]!;
  let generation = readWalletFile(path).generation;
  for (let i = 0; ; i++) {
    const doc = readWalletFile(path);
    const queued: [number, string][] = Array.from({ length: 2000 + (i % 7) * 500 }, (_, j) => [j, `${10n ** 70n + BigInt(i * 100000 + j)}`]);
    const { generation: _g, ...rest } = doc;
    generation = writeWalletFile(path, { ...rest, queued, lastBlock: i }, generation);
    if (i === 0) process.send?.("started");
  }
}
