/**
 * Where the build puts things. Every build output lives under `build/`, except the generated
 * Solidity verifiers, which Hardhat has to find under `contracts/generated/` (gitignored).
 *
 * All paths are absolute; `rel()` turns one back into the project-relative form used in messages
 * and in circom2 command lines (circom2 runs in a WebAssembly sandbox that only sees relative
 * paths below the directory it is started from).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (the folder holding package.json). */
export const ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const BUILD = path.join(ROOT, "build");

/** `build/circuits/<name>/`: circom's output for one main circuit. */
function circuitDir(name: string): string {
  return path.join(BUILD, "circuits", name);
}

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
  keysDir: path.join(BUILD, "keys"),
  poseidonDir: path.join(BUILD, "poseidon"),
  stamps: path.join(BUILD, ".stamps"),
  tmp: path.join(BUILD, "tmp"),
  lock: path.join(BUILD, ".lock"),
  generatedContracts: path.join(ROOT, "contracts", "generated"),

  circuitDir,
  /** The constraint system circom wrote. */
  r1cs: (name: string): string => path.join(circuitDir(name), `${name}.r1cs`),
  /** The witness generator (for `snarkjs.groth16.fullProve`). */
  wasm: (name: string): string => path.join(circuitDir(name), `${name}_js`, `${name}.wasm`),
  sym: (name: string): string => path.join(circuitDir(name), `${name}.sym`),
  /** The current Groth16 proving key (development contribution, plus any ceremony contributions). */
  zkey: (name: string): string => path.join(BUILD, "keys", `${name}.zkey`),
  /** The verification key exported from `zkey(name)`. */
  vkey: (name: string): string => path.join(BUILD, "keys", `${name}.vkey.json`),
  /** Key metadata: see `KeyMetadata` in metadata.ts. */
  metadata: (name: string): string => path.join(BUILD, "keys", `${name}.json`),
  /** Phase-2 ceremony transcript folder: every intermediate zkey and `transcript.json`. */
  ceremonyDir: (name: string): string => path.join(BUILD, "keys", "ceremony", name),
  /** Solidity contract name of a circuit's verifier: `account_update` -> `AccountUpdateVerifier`. */
  verifierContract: (name: string): string => `${pascalCase(name)}Verifier`,
  verifierSol: (name: string): string => path.join(ROOT, "contracts", "generated", `${pascalCase(name)}Verifier.sol`),
  /** `{contractName, abi, bytecode}` of the circomlibjs Poseidon hasher for `nInputs` inputs. */
  poseidonArtifact: (nInputs: number): string => path.join(BUILD, "poseidon", `PoseidonT${nInputs + 1}.json`),
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
