/**
 * Where the build puts things: the artifact locations of the library (prover/src/artifacts.ts:
 * circuits, keys, metadata, Poseidon artifacts, under `PLIMSOLL_ARTIFACTS` or `build/`) plus the
 * build-only ones (phase-1 cache, stamps, scratch folder, lock, generated Solidity verifiers,
 * which Hardhat has to find under `contracts/generated/`, gitignored).
 *
 * All paths are absolute; `rel()` turns one back into the project-relative form used in messages
 * and in circom2 command lines (circom2 runs in a WebAssembly sandbox that only sees relative
 * paths below the directory it is started from). The build root is resolved once, when this
 * module is loaded.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { artifactPaths, PROJECT_ROOT } from "../../prover/src/index.js";

/** The project root (the folder holding package.json). */
export const ROOT: string = PROJECT_ROOT;

const ARTIFACTS = artifactPaths();
const BUILD = ARTIFACTS.root;

/** `account_update` -> `AccountUpdate`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}

export const paths = {
  root: ROOT,
  /** Folder of main circuits the build discovers: one `<name>.circom` per circuit. */
  mainCircuits: path.join(ROOT, "circuits", "main"),
  build: BUILD,
  /** Cached phase-1 files (`pot<power>_dev.ptau`, plus any prepared `.ptau` dropped here). */
  ptauCache: path.join(BUILD, "ptau"),
  keysDir: ARTIFACTS.keysDir,
  poseidonDir: ARTIFACTS.poseidonDir,
  stamps: path.join(BUILD, ".stamps"),
  tmp: path.join(BUILD, "tmp"),
  lock: path.join(BUILD, ".lock"),
  generatedContracts: path.join(ROOT, "contracts", "generated"),

  circuitDir: ARTIFACTS.circuitDir,
  /** The constraint system circom wrote. */
  r1cs: ARTIFACTS.r1cs,
  /** The witness generator (for `snarkjs.groth16.fullProve`). */
  wasm: ARTIFACTS.wasm,
  sym: ARTIFACTS.sym,
  /** The current Groth16 proving key (development contribution, plus any ceremony contributions). */
  zkey: ARTIFACTS.zkey,
  /** The verification key exported from `zkey(name)`. */
  vkey: ARTIFACTS.vkey,
  /** Key metadata: see `KeyMetadata` in metadata.ts. */
  metadata: ARTIFACTS.metadata,
  /** Phase-2 ceremony transcript folder: every intermediate zkey and `transcript.json`. */
  ceremonyDir: ARTIFACTS.ceremonyDir,
  /** Solidity contract name of a circuit's verifier: `account_update` -> `AccountUpdateVerifier`. */
  verifierContract: (name: string): string => `${pascalCase(name)}Verifier`,
  verifierSol: (name: string): string => path.join(ROOT, "contracts", "generated", `${pascalCase(name)}Verifier.sol`),
  /** `{contractName, abi, bytecode}` of the circomlibjs Poseidon hasher for `nInputs` inputs. */
  poseidonArtifact: ARTIFACTS.poseidonArtifact,
} as const;

/** Project-relative form of an absolute path (for messages and circom2 arguments). */
export function rel(p: string): string {
  const r = path.relative(ROOT, p);
  return r === "" ? "." : r;
}

/** A file inside an installed package (`node_modules/<pkg>/...`), bypassing its `exports` map. */
export function packageFile(pkg: string, ...parts: string[]): string {
  return path.join(ROOT, "node_modules", pkg, ...parts);
}

/** An installed package's version. */
export function packageVersion(pkg: string): string {
  return (JSON.parse(readFileSync(packageFile(pkg, "package.json"), "utf8")) as { version: string }).version;
}

/** The script an installed package runs for its command `bin`. */
export function packageBin(pkg: string, bin: string = pkg): string {
  const json = JSON.parse(readFileSync(packageFile(pkg, "package.json"), "utf8")) as { bin?: string | Record<string, string> };
  const entry = typeof json.bin === "string" ? json.bin : json.bin?.[bin];
  if (entry === undefined) throw new Error(`package ${pkg} has no command ${bin}`);
  return packageFile(pkg, entry);
}
