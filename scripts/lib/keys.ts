/**
 * Step 3: phase 2 (Groth16 keys) per circuit. The proving key gets one development contribution
 * with random entropy; the verification key is exported from it. Rebuilt when the r1cs or the
 * phase-1 file changes. `scripts/ceremony.ts` adds further contributions to the same zkey.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import type { CircuitInfo } from "./circuits.js";
import { BuildError, formatMs, item, now, since, snarkjsLogger } from "./log.js";
import { DEVELOPMENT_NOTE, readKeyMetadata, writeKeyMetadata, type KeyMetadata } from "./metadata.js";
import { packageVersion, paths, rel } from "./paths.js";
import type { PtauChoice } from "./ptau.js";
import { loadSnarkjs } from "./snarkjs.js";
import { dropStamp, freshStamp, hashFile, keyOf, moveIntoPlace, tmpPath, writeAtomic, writeStamp } from "./stamps.js";

/** Name of the contribution every build-made proving key carries. */
export const DEV_CONTRIBUTION = "plimsoll development contribution — NOT FOR PRODUCTION";

/** Make `build/keys/<name>.{zkey,vkey.json,json}` unless they are up to date. */
export async function buildKeys(circuit: CircuitInfo, ptau: PtauChoice, force: boolean): Promise<void> {
  const { name } = circuit;
  const step = `keys.${name}`;
  const key = keyOf({
    r1cs: await hashFile(paths.r1cs(name)),
    ptau: ptau.sha256,
    snarkjs: packageVersion("snarkjs"),
    contribution: DEV_CONTRIBUTION,
  });
  const outputs = [paths.zkey(name), paths.vkey(name), paths.metadata(name)];

  if (!force && freshStamp(step, key) !== undefined) {
    const meta = readKeyMetadata(name);
    // Same r1cs from an edited source (a comment, say): the keys stand; record the new source.
    if (meta.sourceHash !== circuit.sourceHash) writeKeyMetadata({ ...meta, sourceHash: circuit.sourceHash });
    const n = meta.contributions.length;
    item(name, `up to date: ${rel(paths.zkey(name))} (${n} contribution${n === 1 ? "" : "s"})`);
    return;
  }

  dropStamp(step);
  const start = now();
  const snarkjs = await loadSnarkjs();
  const logger = snarkjsLogger({ quietInfo: true });
  const z0 = tmpPath(`${name}_0000.zkey`);
  const z1 = tmpPath(`${name}.zkey`);

  await snarkjs.zKey.newZKey(paths.r1cs(name), ptau.path, z0, logger);
  if (logger.errors.length > 0) throw new BuildError(`snarkjs could not set up ${name}: ${logger.errors.join("; ")}`);
  const tSetup = since(start);

  await snarkjs.zKey.contribute(z0, z1, DEV_CONTRIBUTION, randomBytes(32).toString("hex"), logger);
  if (logger.errors.length > 0) throw new BuildError(`snarkjs could not contribute to ${name}: ${logger.errors.join("; ")}`);
  rmSync(z0, { force: true });

  const vkey = (await snarkjs.zKey.exportVerificationKey(z1, logger)) as { nPublic: number };
  if (vkey.nPublic !== circuit.nPublic) {
    throw new BuildError(`${name}: verification key has ${vkey.nPublic} public signals, r1cs has ${circuit.nPublic}`);
  }
  const meta: KeyMetadata = {
    circuit: name,
    constraints: circuit.constraints,
    nPublic: circuit.nPublic,
    ptau: { path: rel(ptau.path), power: ptau.power, kind: ptau.kind, sha256: ptau.sha256 },
    development: true,
    note: DEVELOPMENT_NOTE,
    sourceHash: circuit.sourceHash,
    contributions: [DEV_CONTRIBUTION],
  };

  // A transcript of a ceremony on the previous keys describes keys that no longer exist.
  rmSync(paths.ceremonyDir(name), { recursive: true, force: true });
  moveIntoPlace(z1, paths.zkey(name));
  writeAtomic(paths.vkey(name), JSON.stringify(vkey, null, 1) + "\n");
  writeKeyMetadata(meta);
  writeStamp(step, key, outputs, null);
  item(name, `keys in ${formatMs(since(start))} (setup ${formatMs(tSetup)}, 1 development contribution): ${rel(paths.zkey(name))}`);
}
