/**
 * Where the proving artifacts live: each circuit's witness generator (wasm), its Groth16 proving
 * key (zkey), verification key and key metadata, and the Poseidon hasher artifacts.
 *
 * The artifacts root is, first that applies: the `root` option of `artifactPaths(root)`, the
 * `PLIMSOLL_ARTIFACTS` environment variable (a folder; relative to the working directory), or the
 * project's `build/` folder, where `npm run build` writes. An installed package therefore finds
 * its keys through `PLIMSOLL_ARTIFACTS`. The root is read when a path is asked for, not when this
 * module is loaded. Every path is absolute.
 *
 * Layout under the root (what `npm run build` writes; scripts/lib/paths.ts adds the build-only
 * folders):
 *
 *   circuits/<name>/<name>.r1cs, <name>.sym, <name>_js/<name>.wasm
 *   keys/<name>.zkey, <name>.vkey.json, <name>.json (metadata), ceremony/<name>/
 *   poseidon/PoseidonT<n+1>.json
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CircuitArtifacts } from "./prover.js";

/** The environment variable that moves the artifacts root. */
export const ARTIFACTS_ENV = "PLIMSOLL_ARTIFACTS";

/** The project root: the nearest folder above this module holding package.json (also from a compiled dist/). */
export const PROJECT_ROOT: string = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(here, "..", "..");
  }
})();

/** The default artifacts root: the project's `build/` folder. */
export const DEFAULT_ARTIFACTS_ROOT: string = path.join(PROJECT_ROOT, "build");

/** The artifacts root: `root` if given, else `$PLIMSOLL_ARTIFACTS`, else the project's build/. */
export function artifactsRoot(root?: string): string {
  const chosen = root ?? process.env[ARTIFACTS_ENV];
  return chosen === undefined || chosen === "" ? DEFAULT_ARTIFACTS_ROOT : path.resolve(chosen);
}

/** The paths of every artifact under one root. */
export interface ArtifactPaths {
  /** The artifacts root itself. */
  readonly root: string;
  /** `keys/`: proving and verification keys, metadata, ceremony transcripts. */
  readonly keysDir: string;
  /** `poseidon/`: the Poseidon hasher artifacts. */
  readonly poseidonDir: string;
  /** `circuits/<name>/`: circom's output for one main circuit. */
  circuitDir(name: string): string;
  /** The constraint system circom wrote. */
  r1cs(name: string): string;
  /** The witness generator. */
  wasm(name: string): string;
  /** circom's symbol file. */
  sym(name: string): string;
  /** The current Groth16 proving key (development contribution, plus any ceremony contributions). */
  zkey(name: string): string;
  /** The verification key exported from `zkey(name)`. */
  vkey(name: string): string;
  /** Key metadata (`KeyMetadata` of scripts/lib/metadata.ts). */
  metadata(name: string): string;
  /** Phase-2 ceremony transcript folder: every intermediate zkey and `transcript.json`. */
  ceremonyDir(name: string): string;
  /** `{contractName, abi, bytecode}` of the circomlibjs Poseidon hasher for `nInputs` inputs. */
  poseidonArtifact(nInputs: number): string;
  /** A circuit's wasm and proving key, as `Prover.prove` takes them. */
  circuit(name: string): CircuitArtifacts;
}

/** The artifact paths under `root` (default `artifactsRoot()`, resolved now). */
export function artifactPaths(root?: string): ArtifactPaths {
  const base = artifactsRoot(root);
  const circuitDir = (name: string): string => path.join(base, "circuits", name);
  const keys = path.join(base, "keys");
  const wasm = (name: string): string => path.join(circuitDir(name), `${name}_js`, `${name}.wasm`);
  const zkey = (name: string): string => path.join(keys, `${name}.zkey`);
  return {
    root: base,
    keysDir: keys,
    poseidonDir: path.join(base, "poseidon"),
    circuitDir,
    r1cs: (name) => path.join(circuitDir(name), `${name}.r1cs`),
    wasm,
    sym: (name) => path.join(circuitDir(name), `${name}.sym`),
    zkey,
    vkey: (name) => path.join(keys, `${name}.vkey.json`),
    metadata: (name) => path.join(keys, `${name}.json`),
    ceremonyDir: (name) => path.join(keys, "ceremony", name),
    poseidonArtifact: (nInputs) => path.join(base, "poseidon", `PoseidonT${nInputs + 1}.json`),
    circuit: (name) => ({ wasmPath: wasm(name), zkeyPath: zkey(name) }),
  };
}

/**
 * The artifacts under the current root (`$PLIMSOLL_ARTIFACTS` or build/), resolved at each call:
 * `artifacts.zkey("account_update")`.
 */
export const artifacts: ArtifactPaths = {
  get root() {
    return artifactsRoot();
  },
  get keysDir() {
    return artifactPaths().keysDir;
  },
  get poseidonDir() {
    return artifactPaths().poseidonDir;
  },
  circuitDir: (name) => artifactPaths().circuitDir(name),
  r1cs: (name) => artifactPaths().r1cs(name),
  wasm: (name) => artifactPaths().wasm(name),
  sym: (name) => artifactPaths().sym(name),
  zkey: (name) => artifactPaths().zkey(name),
  vkey: (name) => artifactPaths().vkey(name),
  metadata: (name) => artifactPaths().metadata(name),
  ceremonyDir: (name) => artifactPaths().ceremonyDir(name),
  poseidonArtifact: (nInputs) => artifactPaths().poseidonArtifact(nInputs),
  circuit: (name) => artifactPaths().circuit(name),
};
