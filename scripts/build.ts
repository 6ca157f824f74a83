/**
 * `npm run build`: circuits -> phase 1 -> phase-2 keys -> Solidity verifiers -> Poseidon hashers
 * -> `hardhat build`. Incremental: each step reruns only when the hash of its inputs changed.
 * See scripts/README.md.
 */
import { compileCircuit, discoverCircuits, type CircuitInfo } from "./lib/circuits.js";
import { buildContracts } from "./lib/contracts.js";
import { buildKeys } from "./lib/keys.js";
import { BuildError, formatMs, header, isVerbose, now, setVerbose, since } from "./lib/log.js";
import { paths, rel } from "./lib/paths.js";
import { buildPoseidonArtifacts } from "./lib/poseidonArtifacts.js";
import { keyingPower, keyingPowers, PTAU_ENV, resolvePtau, type PtauChoice } from "./lib/ptau.js";
import { terminateCurves } from "./lib/snarkjs.js";
import { acquireLock, cleanStaleTmp, releaseLock, releaseOnSignal } from "./lib/stamps.js";
import { buildVerifier, removeStaleVerifiers } from "./lib/verifiers.js";
import { UsageError } from "../cli/usage.js";

const USAGE = `Usage: npm run build [-- options]
       node --import tsx scripts/build.ts [options]

Builds every main circuit in circuits/main/*.circom, then its Groth16 keys and Solidity verifier,
the Poseidon hasher artifacts, and compiles the contracts. Only steps whose inputs changed rerun.

Steps and outputs:
  1 circuits   circom2 --r1cs --wasm --sym --O2 -l node_modules -> build/circuits/<name>/
  2 phase 1    the powers-of-tau file: ${PTAU_ENV}, else build/ptau/ cache, else generate one;
               every circuit of power <= 16 is keyed on a power-16 file, a larger one
               (reserves_batch, power 17) on the smallest file that fits it
  3 keys       build/keys/<name>.zkey, <name>.vkey.json, <name>.json (development keys)
  4 verifiers  contracts/generated/<Name>Verifier.sol
  5 poseidon   build/poseidon/PoseidonT4.json, PoseidonT5.json
  6 contracts  hardhat build

Options:
  --force            ignore the stamps and rerun every step (a cached phase-1 file is reused;
                     delete build/ptau/ to regenerate it)
  --verbose          show compiler output and snarkjs progress
  -h, --help         show this help

Environment:
  ${PTAU_ENV}=<file|dir>
                     prepared BN254 phase-1 file to use, or a folder of them (the smallest that
                     fits is used); relative to the project root. It must be of the power the
                     largest circuit needs or more. Unset: the smallest fitting file in
                     build/ptau/, else the file the current keys were built from, else the
                     public Hermez ceremony file of that power downloaded from its published
                     URL and checked against its published BLAKE2b-512, else (offline, or a
                     wrong hash) a development file generated there (one contributor: not for
                     production; power 16 took 24 min and power 17 69 min on this 2-core
                     machine, see circuits/README.md).
  PLIMSOLL_PTAU_MIRROR=<url>
                     base URL serving the Hermez file names instead of the Hermez bucket
                     (the published hash is still required).
  PLIMSOLL_PTAU_DOWNLOAD=0
                     never download: go straight to a development file.

Exit status: 0 on success, 1 on a build error, 2 on a usage error.`;

interface Options {
  force: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Options | "help" {
  const options: Options = { force: false, verbose: false };
  for (const arg of argv) {
    if (arg === "-h" || arg === "--help") return "help";
    else if (arg === "--force") options.force = true;
    else if (arg === "--verbose") options.verbose = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  return options;
}

const STEPS = 6;

async function build(options: Options): Promise<void> {
  const start = now();
  console.log(`Plimsoll build${options.force ? " (--force)" : ""}: development keys, not for production`);

  header(1, STEPS, `circuits (${rel(paths.mainCircuits)})`);
  const circuits: CircuitInfo[] = [];
  for (const c of discoverCircuits()) circuits.push(await compileCircuit(c, options.force));

  // Each circuit is keyed on keyingPower(its power): the others stay on their power-16 file when
  // reserves_batch needs 17 (scripts/lib/ptau.ts).
  const powers = keyingPowers(circuits.map((c) => c.power));
  header(2, STEPS, `phase 1: powers of tau (circuits keyed on power ${[...powers].reverse().join(" and ")})`);
  const ptaus = new Map<number, PtauChoice>();
  for (const p of powers) ptaus.set(p, await resolvePtau(p));
  const ptau = ptaus.get(powers[0]!)!;

  header(3, STEPS, "phase 2: Groth16 keys");
  for (const c of circuits) await buildKeys(c, ptaus.get(keyingPower(c.power))!, options.force);

  header(4, STEPS, "Solidity verifiers");
  for (const c of circuits) await buildVerifier(c.name, options.force);
  removeStaleVerifiers(circuits.map((c) => c.name));

  header(5, STEPS, "Poseidon hashers");
  await buildPoseidonArtifacts(options.force);

  header(6, STEPS, "contracts");
  await buildContracts(options.force);

  console.log(`build done in ${formatMs(since(start))} (phase 1: ${ptau.kind}, ${rel(ptau.path)})`);
}

async function main(): Promise<number> {
  let options: Options | "help";
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  setVerbose(options.verbose);

  releaseOnSignal();

  try {
    await acquireLock((pid) => console.log(`waiting for another build or ceremony in this tree (pid ${pid}) to finish...`));
    cleanStaleTmp();
    await build(options);
    return 0;
  } catch (err) {
    if (err instanceof BuildError || !isVerbose()) console.error(`\nbuild failed: ${(err as Error).message}`);
    else console.error(`\nbuild failed:`, err);
    if (!(err instanceof BuildError) && !isVerbose()) console.error("(run with --verbose for the stack trace)");
    return 1;
  } finally {
    releaseLock();
    await terminateCurves();
  }
}

process.exit(await main());
