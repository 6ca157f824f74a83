/**
 * Step 1: discover the main circuits and compile each with circom2 (circom 2 in WebAssembly).
 *
 * circom2 only sees paths below the folder it runs from, so it runs from the project root with
 * relative paths and `-l node_modules`. A circuit is recompiled when its source, any file it
 * includes (transitively, project and library alike), the compiler version or the flags change.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BuildError, formatInt, formatMs, isVerbose, item, detail, now, since } from "./log.js";
import { packageBin, packageVersion, paths, rel } from "./paths.js";
import { loadSnarkjs } from "./snarkjs.js";
import { dropStamp, freshStamp, keyOf, moveIntoPlace, sha256, tmpPath, writeStamp } from "./stamps.js";

/** Flags every main circuit is compiled with (`--O2`: linear constraints are removed). */
export const CIRCOM_FLAGS = ["--r1cs", "--wasm", "--sym", "--O2"] as const;
/** Include folders given to circom (`-l`), relative to the project root. */
export const CIRCOM_LIBS = ["node_modules"] as const;

export interface CircuitInfo {
  /** Main file basename without `.circom`: `account_update`. */
  name: string;
  /** Project-relative main file. */
  source: string;
  /** Hash of the sources, compiler and flags that produced the r1cs (the compile step's key). */
  sourceHash: string;
  constraints: number;
  /** Public signals: public inputs plus outputs. */
  nPublic: number;
  wires: number;
  /** Smallest phase-1 power this circuit fits: 2^power > constraints + public signals. */
  power: number;
}

/** The main circuits: one `circuits/main/<name>.circom` each, sorted by name. */
export function discoverCircuits(dir: string = paths.mainCircuits): { name: string; source: string }[] {
  if (!existsSync(dir)) throw new BuildError(`no main circuit folder ${rel(dir)}: put one <name>.circom per main circuit there`);
  const found = readdirSync(dir)
    .filter((f) => f.endsWith(".circom"))
    .sort()
    .map((f) => ({ name: f.slice(0, -".circom".length), source: path.join(dir, f) }));
  for (const c of found) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(c.name)) {
      throw new BuildError(`main circuit ${rel(c.source)}: name must be letters, digits and underscores (it names the Solidity verifier)`);
    }
  }
  if (found.length === 0) throw new BuildError(`no main circuits (*.circom) in ${rel(dir)}`);
  return found;
}

/** The compiler, as `circom2@<npm package version>` (the package pins one circom release). */
function compilerIdentity(): string {
  return `circom2@${packageVersion("circom2")}`;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

/**
 * Every file the main file includes, transitively, resolved the way circom does: relative to the
 * including file first, then under each `-l` folder. Returns `[project-relative path, sha256]`.
 */
export function sourceFiles(main: string): [string, string][] {
  const seen = new Map<string, string>();
  const visit = (file: string, from?: string): void => {
    if (seen.has(file)) return;
    if (!existsSync(file)) throw new BuildError(`${from ? rel(from) : "build"}: included file ${rel(file)} not found`);
    const text = readFileSync(file, "utf8");
    seen.set(file, sha256(text));
    for (const m of stripComments(text).matchAll(/include\s+"([^"]+)"\s*;/g)) {
      const spec = m[1]!;
      const candidates = [path.resolve(path.dirname(file), spec), ...CIRCOM_LIBS.map((l) => path.resolve(paths.root, l, spec))];
      const target = candidates.find((c) => existsSync(c));
      if (!target) throw new BuildError(`${rel(file)}: include "${spec}" not found next to it nor under ${CIRCOM_LIBS.join(", ")}`);
      visit(target, file);
    }
  };
  visit(path.resolve(main));
  return [...seen.entries()].map(([f, h]) => [rel(f), h] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Smallest power p with 2^p > n (snarkjs' rule for the Groth16 domain: constraints + public signals). */
export function powerFor(constraints: number, nPublic: number): number {
  const n = constraints + nPublic;
  return Math.max(1, Math.floor(Math.log2(n)) + 1);
}

function runCircom(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = packageBin("circom2");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: paths.root, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Compile one main circuit into `build/circuits/<name>/` unless it is up to date. */
export async function compileCircuit(circuit: { name: string; source: string }, force: boolean): Promise<CircuitInfo> {
  const { name, source } = circuit;
  const files = sourceFiles(source);
  const sourceHash = keyOf({ compiler: compilerIdentity(), flags: CIRCOM_FLAGS, libs: CIRCOM_LIBS, main: rel(source), files });
  const step = `compile.${name}`;
  const outputs = [paths.r1cs(name), paths.wasm(name), paths.sym(name)];

  const fresh = force ? undefined : freshStamp<CircuitInfo>(step, sourceHash);
  if (fresh) {
    item(name, `up to date: ${formatInt(fresh.constraints)} constraints, ${fresh.nPublic} public, needs ptau power ${fresh.power}`);
    return fresh;
  }

  dropStamp(step);
  const start = now();
  const out = tmpPath(`circuit-${name}`);
  mkdirSync(out, { recursive: true });
  const args = [rel(source), ...CIRCOM_FLAGS, ...CIRCOM_LIBS.flatMap((l) => ["-l", l]), "-o", rel(out)];
  if (isVerbose()) detail(`circom2 ${args.join(" ")}`);
  const res = await runCircom(args);
  const output = (res.stdout + res.stderr).replace(ANSI, "").trim();
  if (res.code !== 0) {
    throw new BuildError(`circom2 failed on ${rel(source)} (exit ${res.code}):\n${output}`);
  }
  if (isVerbose()) detail(output);
  else {
    const warnings = output.split("\n").filter((l) => /^warning/i.test(l));
    if (warnings.length > 0) detail(`circom2: ${warnings.length} warning(s), e.g. ${warnings[0]} (--verbose shows all)`);
  }
  moveIntoPlace(out, paths.circuitDir(name));
  for (const o of outputs) if (!existsSync(o)) throw new BuildError(`circom2 did not write ${rel(o)}`);

  const snarkjs = await loadSnarkjs();
  const r1cs = (await snarkjs.r1cs.info(paths.r1cs(name))) as { nConstraints: number; nPubInputs: number; nOutputs: number; nVars: number };
  const nPublic = r1cs.nPubInputs + r1cs.nOutputs;
  const info: CircuitInfo = {
    name,
    source: rel(source),
    sourceHash,
    constraints: r1cs.nConstraints,
    nPublic,
    wires: r1cs.nVars,
    power: powerFor(r1cs.nConstraints, nPublic),
  };
  writeStamp(step, sourceHash, outputs, info);
  item(name, `compiled in ${formatMs(since(start))}: ${formatInt(info.constraints)} constraints, ${nPublic} public, ${formatInt(info.wires)} wires, needs ptau power ${info.power}`);
  return info;
}
