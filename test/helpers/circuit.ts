/**
 * A small circuit test harness: compiles a main circom file with the npm
 * `circom2` compiler (WebAssembly, no native binary), caches the build by
 * content hash, and runs the generated witness calculator in-process.
 *
 *   const circuit = await loadCircuit("circuits/main/account_update.circom");
 *   const witness = await circuit.calculateWitness(input);
 *   circuit.readSignal(witness, "main.oldCommitment");
 *   await circuit.expectWitnessFailure(badInput, /Num2Bits/);
 *
 * Build output goes to build/test-circuits/<name>/ (ignored by git). A rebuild
 * happens only when the main file, any file it includes (transitively, project
 * and library), the compiler flags or the compiler package change.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

/** Project root: circom2 must run from here with relative paths (its wasm sandbox sees only the cwd). */
export const PROJECT_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** BN254 scalar field modulus (the prime of every circom witness). */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A value the witness calculator accepts: a field element as bigint, safe integer or decimal string. */
export type SignalValue = bigint | number | string;
/** Circuit input: signal name to value, arrays for array signals (nested for multi-dimensional ones). */
export interface CircuitInput {
  [signal: string]: SignalValue | readonly SignalValue[] | readonly (readonly SignalValue[])[] | CircuitInput;
}

export interface LoadCircuitOptions {
  /** Build folder name under build/test-circuits/. Defaults to the main file's base name. */
  name?: string;
  /** Library folders for `include` resolution (`-l`), relative to the project root. Default `["node_modules"]`. */
  libraries?: readonly string[];
  /** circom simplification level. Default `"--O2"`, the level production builds use. */
  optimization?: "--O0" | "--O1" | "--O2";
}

/** Sizes read from the .r1cs header (what `snarkjs r1cs info` prints). */
export interface R1csInfo {
  constraints: number;
  wires: number;
  publicOutputs: number;
  publicInputs: number;
  privateInputs: number;
  labels: number;
}

export interface TestCircuit {
  /** Build folder name. */
  readonly name: string;
  /** Absolute build folder. */
  readonly dir: string;
  readonly r1csPath: string;
  readonly wasmPath: string;
  readonly symPath: string;
  /** True when this load compiled the circuit, false when the cached build was reused. */
  readonly compiled: boolean;
  /** Wall time of the compilation in ms (0 when cached). */
  readonly compileMs: number;
  /** Header of the .r1cs file. */
  readonly info: R1csInfo;
  /**
   * Computes the full witness (wire values, index 0 is the constant 1).
   * Throws a {@link WitnessError} when a constraint or assert fails, an
   * {@link InputError} when the input is malformed (unknown signal, wrong
   * length, value outside [0, p)).
   */
  calculateWitness(input: CircuitInput): Promise<bigint[]>;
  /** Value of a signal by its full name (`"main.x"`, `"main.c.out[2]"`); throws if the optimiser removed it. */
  readSignal(witness: readonly bigint[], signal: string): bigint;
  /** Public signals as a verifier sees them: outputs, then public inputs. */
  publicSignals(witness: readonly bigint[]): bigint[];
  /**
   * Asserts that witness generation fails on a constraint or assert (not on a
   * malformed input). `expected`, if given, must match the error message (for
   * example the failing template's name). Returns the message.
   */
  expectWitnessFailure(input: CircuitInput, expected?: string | RegExp): Promise<string>;
  /** Checks the witness against every R1CS constraint (A·w × B·w = C·w) of the compiled circuit. */
  checkConstraints(witness: readonly bigint[]): void;
}

/** Witness generation failed inside the circuit: a `===` constraint or an `assert`. */
export class WitnessError extends Error {
  override name = "WitnessError";
}

/** The input does not fit the circuit (unknown or missing signal, wrong length, value not a field element). */
export class InputError extends Error {
  override name = "InputError";
}

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
}

const INCLUDE_RE = /^\s*include\s+"([^"]+)"\s*;/gm;

/** Strips // and /* *\/ comments so that commented-out includes are ignored. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
}

/** Resolves an include like circom does: relative to the including file, then each library folder. */
function resolveInclude(from: string, target: string, libraries: readonly string[]): string {
  const candidates = [resolve(dirname(from), target), ...libraries.map((lib) => resolve(PROJECT_ROOT, lib, target))];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) throw new Error(`${relative(PROJECT_ROOT, from)}: include "${target}" not found`);
  return found;
}

/** Content hash of the main file and every file it includes, transitively (project and library files). */
function sourceHash(mainAbs: string, libraries: readonly string[], flags: readonly string[]): string {
  const hash = createHash("sha256");
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    hash.update(`${relative(PROJECT_ROOT, file)}\0${source}\0`);
    for (const match of stripComments(source).matchAll(INCLUDE_RE)) visit(resolveInclude(file, match[1]!, libraries));
  };
  visit(mainAbs);
  const compilerVersion = (JSON.parse(readFileSync(require.resolve("circom2/package.json"), "utf8")) as { version: string }).version;
  hash.update(`circom2@${compilerVersion}\0${flags.join(" ")}`);
  return hash.digest("hex");
}

/** Reads the header section (type 1) of a .r1cs file. */
function readR1csInfo(r1cs: Buffer): R1csInfo {
  const header = r1csSections(r1cs).get(1);
  if (header === undefined) throw new Error("r1cs: no header section");
  const n8 = r1cs.readUInt32LE(header);
  let pos = header + 4 + n8;
  const u32 = (): number => {
    const v = r1cs.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const wires = u32();
  const publicOutputs = u32();
  const publicInputs = u32();
  const privateInputs = u32();
  const labels = Number(r1cs.readBigUInt64LE(pos));
  pos += 8;
  const constraints = u32();
  return { constraints, wires, publicOutputs, publicInputs, privateInputs, labels };
}

/** Offsets of the sections of a .r1cs file (iden3 binary format: "r1cs", version, then typed sections). */
function r1csSections(r1cs: Buffer): Map<number, number> {
  if (r1cs.toString("ascii", 0, 4) !== "r1cs") throw new Error("not an r1cs file");
  const count = r1cs.readUInt32LE(8);
  const sections = new Map<number, number>();
  let pos = 12;
  for (let i = 0; i < count; i++) {
    const type = r1cs.readUInt32LE(pos);
    const size = Number(r1cs.readBigUInt64LE(pos + 4));
    sections.set(type, pos + 12);
    pos += 12 + size;
  }
  return sections;
}

/** Little-endian unsigned integer of `n8` bytes. */
function readLE(buf: Buffer, pos: number, n8: number): bigint {
  let v = 0n;
  for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i]!);
  return v;
}

/** Checks a witness against all constraints of a .r1cs file; throws naming the first failing constraint. */
function checkR1cs(r1cs: Buffer, witness: readonly bigint[]): void {
  const sections = r1csSections(r1cs);
  const header = sections.get(1)!;
  const n8 = r1cs.readUInt32LE(header);
  const info = readR1csInfo(r1cs);
  if (witness.length !== info.wires) throw new Error(`witness has ${witness.length} wires, the r1cs ${info.wires}`);
  let pos = sections.get(2)!;
  const lc = (): bigint => {
    const terms = r1cs.readUInt32LE(pos);
    pos += 4;
    let acc = 0n;
    for (let t = 0; t < terms; t++) {
      const wire = r1cs.readUInt32LE(pos);
      const coeff = readLE(r1cs, pos + 4, n8);
      pos += 4 + n8;
      acc += coeff * witness[wire]!;
    }
    return acc % P;
  };
  for (let c = 0; c < info.constraints; c++) {
    const a = lc();
    const b = lc();
    const cc = lc();
    if ((a * b - cc) % P !== 0n) throw new Error(`r1cs constraint ${c} is not satisfied`);
  }
}

/** Flattens and validates an input: every value must be an integer in [0, p). */
function normaliseInput(input: CircuitInput, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const toField = (value: unknown, name: string): bigint => {
    let v: bigint;
    if (typeof value === "bigint") v = value;
    else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
    else if (typeof value === "string" && /^[0-9]+$/.test(value)) v = BigInt(value);
    else throw new InputError(`input ${name} is not an integer: ${String(value)}`);
    if (v < 0n || v >= P) throw new InputError(`input ${name} = ${v} is not a field element (outside [0, p))`);
    return v;
  };
  const mapArray = (value: readonly unknown[], name: string): unknown[] =>
    value.map((v, i) => (Array.isArray(v) ? mapArray(v, `${name}[${i}]`) : toField(v, `${name}[${i}]`)));
  for (const [key, value] of Object.entries(input)) {
    const name = prefix + key;
    if (Array.isArray(value)) out[key] = mapArray(value, name);
    else if (typeof value === "object" && value !== null) out[key] = normaliseInput(value as CircuitInput, `${name}.`);
    else out[key] = toField(value, name);
  }
  return out;
}

/** Reads the .sym file: full signal name to witness index (-1 when the optimiser removed the signal). */
function readSym(symPath: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of readFileSync(symPath, "utf8").split("\n")) {
    if (line === "") continue;
    const [, wire, , ...name] = line.split(",");
    map.set(name.join(","), Number(wire));
  }
  return map;
}

/**
 * Compiles (unless the cached build is current) and loads a main circuit.
 * @param main path of the main .circom file, relative to the project root.
 */
export async function loadCircuit(main: string, options: LoadCircuitOptions = {}): Promise<TestCircuit> {
  if (main.startsWith("/") || main.includes("..")) throw new Error(`main must be a path inside the project, relative to its root: ${main}`);
  const mainAbs = resolve(PROJECT_ROOT, main);
  if (!existsSync(mainAbs)) throw new Error(`main circuit ${main} not found`);
  const name = options.name ?? main.split("/").pop()!.replace(/\.circom$/, "");
  const libraries = options.libraries ?? ["node_modules"];
  const flags = ["--r1cs", "--wasm", "--sym", options.optimization ?? "--O2"];

  const dirRel = join("build", "test-circuits", name);
  const dir = resolve(PROJECT_ROOT, dirRel);
  const r1csPath = join(dir, `${name}.r1cs`);
  const symPath = join(dir, `${name}.sym`);
  const jsDir = join(dir, `${name}_js`);
  const wasmPath = join(jsDir, `${name}.wasm`);
  const stampPath = join(dir, ".source-hash");

  const hash = sourceHash(mainAbs, libraries, flags);
  const current =
    existsSync(stampPath) &&
    readFileSync(stampPath, "utf8") === hash &&
    [r1csPath, symPath, wasmPath, join(jsDir, "witness_calculator.js")].every((f) => existsSync(f));

  let compileMs = 0;
  if (!current) {
    // Compile into a private folder, then swap it in, so a concurrent run never loads half a build.
    const tmpRel = `${dirRel}.tmp-${process.pid}`;
    const tmp = resolve(PROJECT_ROOT, tmpRel);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const start = performance.now();
    const args = [require.resolve("circom2/cli.js"), main.split(sep).join("/"), ...flags, ...libraries.flatMap((l) => ["-l", l]), "-o", tmpRel];
    try {
      await execFileAsync(process.execPath, args, { cwd: PROJECT_ROOT, maxBuffer: 64 << 20 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`circom2 failed on ${main}:\n${e.stderr ?? ""}${e.stdout ?? ""}`.trimEnd());
    }
    compileMs = performance.now() - start;
    // The project is ESM ("type": "module"); the generated witness calculator is CommonJS.
    writeFileSync(join(tmp, "package.json"), '{ "type": "commonjs" }\n');
    writeFileSync(join(tmp, ".source-hash"), hash);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }

  const info = readR1csInfo(readFileSync(r1csPath));
  const sym = readSym(symPath);
  const builder = require(join(jsDir, "witness_calculator.js")) as (code: Buffer, options?: object) => Promise<WitnessCalculator>;
  const wasm = readFileSync(wasmPath);
  let calculator = await builder(wasm);
  let r1cs: Buffer | undefined;

  const calculateWitness = async (input: CircuitInput): Promise<bigint[]> => {
    const normalised = normaliseInput(input);
    try {
      return await calculator.calculateWitness(normalised, true);
    } catch (err) {
      // The generated calculator accumulates error text across calls and may
      // be left mid-computation: start from a fresh instance after a failure.
      calculator = await builder(wasm);
      const message = err instanceof Error ? err.message : String(err);
      if (/Assert Failed/.test(message)) throw new WitnessError(message.trim());
      throw new InputError(message.trim());
    }
  };

  return {
    name,
    dir,
    r1csPath,
    wasmPath,
    symPath,
    compiled: !current,
    compileMs,
    info,
    calculateWitness,
    readSignal(witness, signal) {
      const index = sym.get(signal);
      if (index === undefined) throw new Error(`${name}: no signal named ${signal}`);
      if (index < 0) throw new Error(`${name}: signal ${signal} was removed by the optimiser`);
      return witness[index]!;
    },
    publicSignals(witness) {
      return witness.slice(1, 1 + info.publicOutputs + info.publicInputs);
    },
    async expectWitnessFailure(input, expected) {
      try {
        await calculateWitness(input);
      } catch (err) {
        if (!(err instanceof WitnessError)) throw err;
        const ok = expected === undefined || (typeof expected === "string" ? err.message.includes(expected) : expected.test(err.message));
        if (!ok) throw new Error(`witness generation failed, but not as expected (${String(expected)}):\n${err.message}`);
        return err.message;
      }
      throw new Error(`${name}: expected witness generation to fail, but it succeeded`);
    },
    checkConstraints(witness) {
      r1cs ??= readFileSync(r1csPath);
      checkR1cs(r1cs, witness);
    },
  };
}

/**
 * Which constraint must reject an input: returns a matcher for the witness calculator's error
 * trace ("<Template>_<n> line: <line>") at the line of `snippet` inside `template`'s body in
 * `sourceFile` (project-relative). Throws when the snippet is not on exactly one line of the body,
 * so a test cannot silently point at the wrong constraint after an edit.
 */
export function constraintLine(sourceFile: string, template: string): (snippet: string) => RegExp {
  const source = readFileSync(join(PROJECT_ROOT, sourceFile), "utf8").split("\n");
  const start = source.findIndex((line) => line.startsWith(`template ${template}(`));
  if (start < 0) throw new Error(`no template ${template} in ${sourceFile}`);
  const next = source.findIndex((line, i) => i > start && line.startsWith("template "));
  const end = next < 0 ? source.length : next;
  return (snippet) => {
    const lines = source.flatMap((text, i) => (i > start && i < end && text.includes(snippet) ? [i + 1] : []));
    if (lines.length !== 1) throw new Error(`"${snippet}" occurs ${lines.length} times in ${template} (${sourceFile})`);
    return new RegExp(`${template}_\\d+ line: ${lines[0]}(\\n|$)`);
  };
}
