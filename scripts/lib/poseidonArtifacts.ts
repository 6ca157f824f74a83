/**
 * Step 5: Poseidon hasher artifacts (`build/poseidon/PoseidonT<n+1>.json`: contractName, abi,
 * bytecode) from circomlibjs' generator, for the input counts the contracts use on-chain.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatMs, item, now, since } from "./log.js";
import { packageVersion, paths, rel } from "./paths.js";
import { dropStamp, freshStamp, keyOf, sha256, writeAtomic, writeStamp } from "./stamps.js";

/** Input counts of the hashers written: 3 (PoseidonT4) and 4 (PoseidonT5). */
export const POSEIDON_INPUTS = [3, 4] as const;

export async function buildPoseidonArtifacts(force: boolean): Promise<void> {
  const generator = path.join(path.dirname(fileURLToPath(import.meta.url)), "poseidonContracts.ts");
  const circomlibjs = packageVersion("circomlibjs");
  const key = keyOf({ circomlibjs, generator: sha256(readFileSync(generator)), inputs: POSEIDON_INPUTS });
  const outputs = POSEIDON_INPUTS.map((n) => paths.poseidonArtifact(n));

  if (!force && freshStamp("poseidon", key) !== undefined) {
    item("poseidon", `up to date: ${outputs.map(rel).join(", ")}`);
    return;
  }
  dropStamp("poseidon");
  const start = now();
  const { poseidonArtifact } = await import("./poseidonContracts.js");
  for (const n of POSEIDON_INPUTS) writeAtomic(paths.poseidonArtifact(n), JSON.stringify(poseidonArtifact(n), null, 2) + "\n");
  writeStamp("poseidon", key, outputs, null);
  item("poseidon", `wrote ${outputs.map(rel).join(", ")} in ${formatMs(since(start))}`);
}
