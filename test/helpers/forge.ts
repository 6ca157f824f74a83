/**
 * Forged witnesses: what a cheating prover can do that the honest witness generator never does.
 *
 * The witness calculator of a circuit computes every signal honestly (`<--` hints included) and
 * asserts each `===` as it goes, so "the generator refuses a bad input" says nothing about a
 * prover who writes the witness itself. This helper starts from an honest witness, lets a test
 * overwrite any signal by name (intermediate ones included: a selector's output, a ciphertext
 * element, a range check's input), re-solves every other signal from the R1CS constraints, and
 * checks the full witness against the R1CS directly (A·w × B·w = C·w over the BN254 field),
 * returning every constraint that fails, named by its component, template and source line.
 *
 *   const fc = await loadForgeCircuit("circuits/main/insolvency.circom");
 *   const honest = await fc.witness(input);
 *   const forged = fc.forge(honest).setArray("main.slotA.out", oneHot(16, 5)).recompute({ free: ["main.remainderCommitment"] });
 *   expect(forged.failures().map((f) => f.where)).to.deep.equal([...]);
 *
 * Builds: `loadForgeCircuit` compiles with `--O0` (no simplification) into
 * build/test-circuits/<name>_O0/ (content-hash cache, like the harness's). At --O0 every
 * signal keeps its own wire and every source constraint (linear ones included) is its own R1CS
 * constraint, so a failing constraint maps back to one statement of one template. --O2 (the
 * production level) only substitutes linear constraints away; it does not change which
 * assignments of the remaining wires satisfy the system, so a forgery rejected at --O0 has no
 * --O2 counterpart either.
 *
 * Re-solving (`recompute`): every wire that is not pinned (set or kept by the test) and not a
 * main input (unless the test frees it, e.g. a public commitment a cheating prover chooses) is
 * cleared and solved again by propagation: a constraint with one unknown that enters linearly
 * determines it, a linear constraint over unknown boolean wires with power-of-two coefficients
 * determines them as a binary decomposition (Num2Bits), and when nothing is determined the
 * lowest unknown wire keeps its honest value (a `<--` hint such as IsZero's inverse) and is
 * listed in `guessed`. A constraint may only determine a signal it could have assigned: one of
 * its own component's outputs or intermediates, or an input of a direct subcomponent; an
 * equality `x === y` against one of the component's inputs is a check, never an assignment of x
 * (a copy of a main input is told apart by its source line: `x <== y` assigns x).
 * So a forged value flows forward, as the witness calculator would compute it, and the
 * constraint that catches it is the one that fails, not one upstream of it.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { type CircuitInput, InputError, PROJECT_ROOT, WitnessError } from "./circuit.js";

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);

/** BN254 scalar field modulus. */
export const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const mod = (x: bigint): bigint => {
  const r = x % P;
  return r < 0n ? r + P : r;
};

/** Inverse modulo P (of a nonzero element). */
export function inverse(x: bigint): bigint {
  let [a, b, u, v] = [mod(x), P, 1n, 0n];
  if (a === 0n) throw new Error("inverse of 0");
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  return mod(v);
}

// ---------------------------------------------------------------------------
// R1CS file (iden3 binary format).

/** A linear combination: sum coeffs[k] * w[wires[k]]. */
export interface LinearCombination {
  wires: number[];
  coeffs: bigint[];
}

export interface Constraint {
  a: LinearCombination;
  b: LinearCombination;
  c: LinearCombination;
}

export interface R1cs {
  wires: number;
  publicOutputs: number;
  publicInputs: number;
  privateInputs: number;
  constraints: Constraint[];
}

export function readR1cs(path: string): R1cs {
  const buf = readFileSync(path);
  if (buf.toString("ascii", 0, 4) !== "r1cs") throw new Error(`${path}: not an r1cs file`);
  const count = buf.readUInt32LE(8);
  const sections = new Map<number, number>();
  let pos = 12;
  for (let i = 0; i < count; i++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    sections.set(type, pos + 12);
    pos += 12 + size;
  }
  const header = sections.get(1);
  const body = sections.get(2);
  if (header === undefined || body === undefined) throw new Error(`${path}: missing header or constraint section`);
  const n8 = buf.readUInt32LE(header);
  let h = header + 4 + n8;
  const wires = buf.readUInt32LE(h);
  const publicOutputs = buf.readUInt32LE(h + 4);
  const publicInputs = buf.readUInt32LE(h + 8);
  const privateInputs = buf.readUInt32LE(h + 12);
  const nConstraints = buf.readUInt32LE(h + 24);
  h = body;
  const readLc = (): LinearCombination => {
    const terms = buf.readUInt32LE(h);
    h += 4;
    const lc: LinearCombination = { wires: new Array<number>(terms), coeffs: new Array<bigint>(terms) };
    for (let t = 0; t < terms; t++) {
      lc.wires[t] = buf.readUInt32LE(h);
      let v = 0n;
      for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[h + 4 + i]!);
      lc.coeffs[t] = v;
      h += 4 + n8;
    }
    return lc;
  };
  const constraints: Constraint[] = [];
  for (let c = 0; c < nConstraints; c++) constraints.push({ a: readLc(), b: readLc(), c: readLc() });
  return { wires, publicOutputs, publicInputs, privateInputs, constraints };
}

const evalLc = (lc: LinearCombination, w: readonly bigint[]): bigint => {
  let acc = 0n;
  for (let k = 0; k < lc.wires.length; k++) acc += lc.coeffs[k]! * w[lc.wires[k]!]!;
  return acc % P;
};

// ---------------------------------------------------------------------------
// Source index: which template a component path instantiates, and where.

interface TemplateInfo {
  name: string;
  /** Project-relative file. */
  file: string;
  /** 1-based lines of the `template` line and of its closing brace. */
  start: number;
  end: number;
  inputs: Set<string>;
  /** Signals assigned with `<--` (hints the constraints only check). */
  hints: Set<string>;
  /** Inputs of subcomponents assigned with `<--` here (`update.extra[i] <-- 0`, a mutant's weakened copy): component local name to signals. */
  childHints: Map<string, Set<string>>;
  /** Signals (any kind) and components declared in the body. */
  signals: Set<string>;
  components: Map<string, string>;
  vars: Set<string>;
  /** Comment-stripped source lines of the whole file (index 0 = line 1). */
  code: string[];
  /** Original source lines of the whole file. */
  text: string[];
}

/** Replaces comments by spaces, keeping line breaks (so line numbers stay). */
function blankComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " "))
    .replace(/\/\/.*$/gm, (m) => " ".repeat(m.length));
}

const INCLUDE = /^\s*include\s+"([^"]+)"\s*;/gm;

class SourceIndex {
  readonly templates = new Map<string, TemplateInfo>();
  mainTemplate: string | undefined;

  constructor(mainFile: string, libraries: readonly string[] = ["node_modules"]) {
    const seen = new Set<string>();
    const visit = (abs: string): void => {
      if (seen.has(abs)) return;
      seen.add(abs);
      const text = readFileSync(abs, "utf8");
      const code = blankComments(text);
      this.parseTemplates(relative(PROJECT_ROOT, abs), text.split("\n"), code.split("\n"));
      for (const m of code.matchAll(INCLUDE)) {
        const target = m[1]!;
        const found = [resolve(dirname(abs), target), ...libraries.map((l) => resolve(PROJECT_ROOT, l, target))].find((c) => existsSync(c));
        if (found !== undefined) visit(found);
      }
    };
    const mainAbs = resolve(PROJECT_ROOT, mainFile);
    visit(mainAbs);
    const mainCode = blankComments(readFileSync(mainAbs, "utf8"));
    this.mainTemplate = /component\s+main\b[^=]*=\s*(\w+)\s*\(/.exec(mainCode)?.[1];
  }

  private parseTemplates(file: string, text: string[], code: string[]): void {
    for (let i = 0; i < code.length; i++) {
      const m = /^\s*template\s+(?:parallel\s+)?(\w+)\s*\(/.exec(code[i]!);
      if (m === null) continue;
      // The body: from the first "{" to its matching "}".
      let depth = 0;
      let opened = false;
      let end = i;
      for (let j = i; j < code.length; j++) {
        for (const ch of code[j]!) {
          if (ch === "{") {
            depth++;
            opened = true;
          } else if (ch === "}") depth--;
        }
        if (opened && depth <= 0) {
          end = j;
          break;
        }
      }
      const info: TemplateInfo = {
        name: m[1]!,
        file,
        start: i + 1,
        end: end + 1,
        inputs: new Set(),
        hints: new Set(),
        childHints: new Map(),
        signals: new Set(),
        components: new Map(),
        vars: new Set(),
        code,
        text,
      };
      const body = code.slice(i + 1, end).join("\n");
      for (const s of body.matchAll(/\bsignal\s+(input\s+|output\s+)?(?:\{[^}]*\}\s*)?(\w+)((?:\s*\[[^\]]*\])*(?:\s*,\s*\w+(?:\s*\[[^\]]*\])*)*)/g)) {
        const names = [s[2]!, ...[...(s[3] ?? "").matchAll(/,\s*(\w+)/g)].map((x) => x[1]!)];
        for (const n of names) {
          info.signals.add(n);
          if (s[1]?.trim() === "input") info.inputs.add(n);
        }
      }
      for (const c of body.matchAll(/\bcomponent\s+(\w+)(?:\s*\[[^\]]*\])*\s*(?:=\s*(\w+)\s*\()?/g)) {
        info.signals.add(c[1]!);
        if (c[2] !== undefined) info.components.set(c[1]!, c[2]);
      }
      for (const c of body.matchAll(/(?:^|[;{\s])(\w+)(?:\s*\[[^\]]*\])*\s*=\s*(\w+)\s*\(/g)) {
        if (info.signals.has(c[1]!) && !info.components.has(c[1]!) && /^[A-Z]/.test(c[2]!)) info.components.set(c[1]!, c[2]!);
      }
      // Variables that can hold a signal expression (loop counters cannot).
      const counters = new Set([...body.matchAll(/\bfor\s*\(\s*var\s+(\w+)/g)].map((v) => v[1]!));
      for (const v of body.matchAll(/\bvar\s+(\w+)/g)) if (!counters.has(v[1]!)) info.vars.add(v[1]!);
      for (const hnt of body.matchAll(/(?:^|[;{\s])(?:signal\s+)?(\w+)(?:\s*\[[^\]]*\])*\s*<--/g)) info.hints.add(hnt[1]!);
      for (const hnt of body.matchAll(/(?:^|[;{\s])(\w+)(?:\s*\[[^\]]*\])*\.(\w+)(?:\s*\[[^\]]*\])*\s*<--/g)) {
        if (!info.childHints.has(hnt[1]!)) info.childHints.set(hnt[1]!, new Set());
        info.childHints.get(hnt[1]!)!.add(hnt[2]!);
      }
      this.templates.set(info.name, info);
      i = end;
    }
  }

  /** Where each component of a path was created: `Parent file:line: statement`, outermost first. */
  stack(path: string): string[] {
    const segs = path.split(".");
    const frames: string[] = [];
    for (let i = 1; i < segs.length; i++) {
      const parent = this.templateOf(segs.slice(0, i).join("."));
      if (parent === undefined) break;
      const local = segs[i]!.replace(/\[.*$/, "");
      const anon = /^(.*)_(\d+)_(\d+)$/.exec(local);
      let line: number | undefined;
      if (anon !== null && !parent.signals.has(local)) line = Number(anon[2]);
      else {
        const assign = new RegExp(`(?<![.\\w])${local}(?:\\s*\\[[^\\]]*\\])*\\s*=\\s*[A-Z]\\w*\\s*\\(`);
        const declare = new RegExp(`\\bcomponent\\s+${local}\\b`);
        for (const re of [assign, declare]) {
          for (let l = parent.start; l < parent.end && line === undefined; l++) if (re.test(parent.code[l - 1]!)) line = l;
          if (line !== undefined) break;
        }
      }
      frames.push(`${parent.name} ${parent.file}:${line ?? "?"}: ${line === undefined ? local : parent.text[line - 1]!.trim()}`);
    }
    return frames;
  }

  /** Template of a component path ("main", "main.u.slot", "main.u.RangeCheckArray_187_7598.checks[0]"). */
  templateOf(path: string): TemplateInfo | undefined {
    if (this.mainTemplate === undefined) return undefined;
    let t = this.templates.get(this.mainTemplate);
    for (const seg of path.split(".").slice(1)) {
      if (t === undefined) return undefined;
      const local = seg.replace(/\[.*$/, "");
      const anon = /^(.*)_(\d+)_(\d+)$/.exec(local);
      const next = t.components.get(local) ?? (anon !== null ? anon[1] : undefined);
      t = next === undefined ? undefined : this.templates.get(next);
    }
    return t;
  }
}

// ---------------------------------------------------------------------------
// The forge.

/** One constraint that a witness does not satisfy, named as precisely as the build allows. */
export interface ConstraintFailure {
  /** Index of the constraint in the .r1cs file. */
  index: number;
  /** Component path that owns the constraint (the deepest component all its signals belong to). */
  component: string;
  /** The owner's template, its file and the source line of the statement (when unambiguous). */
  template?: string;
  file?: string;
  line?: number;
  /** The source statement, trimmed. */
  code?: string;
  /** `Template file:line: statement`, or the component path when the template is unknown. */
  where: string;
  /**
   * Where each component on the path from main to the owner was created, outermost first:
   * `Parent file:line: statement` (for a library template such as Num2Bits, the project line
   * that range-checks the value).
   */
  stack: string[];
  /** Names of the wires the constraint involves. */
  signals: string[];
  /** The constraint with signal names: (A) * (B) = (C). */
  text: string;
}

export interface RecomputeOptions {
  /** Main inputs the forger chooses (e.g. a public commitment it submits): solved like any other signal. */
  free?: readonly string[];
  /** Signals (exact names, or prefixes ending in ".") to keep at their current value. */
  keep?: readonly string[];
}

export interface ForgeCircuit {
  readonly name: string;
  readonly r1cs: R1cs;
  /** Honest witness from the circuit's own witness calculator. */
  witness(input: CircuitInput): Promise<bigint[]>;
  /** Wire index of a signal (throws if unknown). */
  wire(name: string): number;
  /** Every signal name starting with `prefix`. */
  signals(prefix: string): string[];
  /** A forgery starting from `witness` (copied). */
  forge(witness: readonly bigint[]): Forgery;
  /** Every constraint the witness violates. */
  failures(witness: readonly bigint[]): ConstraintFailure[];
  /** Names a constraint by index. */
  describe(index: number): ConstraintFailure;
}

/** Builds a one-hot vector of length n with a 1 at `index`. */
export const oneHot = (n: number, index: number): bigint[] => Array.from({ length: n }, (_, i) => (i === index ? 1n : 0n));

export class Forgery {
  readonly witness: bigint[];
  readonly pinned = new Set<number>();
  /** Signals `recompute` could not determine and left at their previous value. */
  guessed: string[] = [];

  private readonly base: readonly bigint[];

  constructor(
    private readonly fc: ForgeCircuitImpl,
    base: readonly bigint[],
  ) {
    this.base = [...base];
    this.witness = [...base];
  }

  get(name: string): bigint {
    return this.witness[this.fc.wire(name)]!;
  }

  /** Overwrites a signal and pins it (recompute will not change it). */
  set(name: string, value: bigint): this {
    const w = this.fc.wire(name);
    if (w === 0) throw new Error("wire 0 is the constant 1");
    this.witness[w] = mod(value);
    this.pinned.add(w);
    return this;
  }

  /** Pins signals at their current value (recompute will not change them). */
  keepAll(names: readonly string[]): this {
    for (const n of names) this.pinned.add(this.fc.wire(n));
    return this;
  }

  /** Sets name[0..n-1]. */
  setArray(name: string, values: readonly bigint[]): this {
    values.forEach((v, i) => this.set(`${name}[${i}]`, v));
    return this;
  }

  /** Re-solves every signal that is neither pinned nor a (non-freed) main input. */
  recompute(options: RecomputeOptions = {}): this {
    for (const k of options.keep ?? []) {
      const names = k.endsWith(".") ? this.fc.signals(k) : [k];
      for (const n of names) this.pinned.add(this.fc.wire(n));
    }
    const free = new Set((options.free ?? []).map((n) => this.fc.wire(n)));
    for (const w of free) if (!this.fc.isMainInput(w)) throw new Error(`${this.fc.nameOf(w)} is not a main input: it is recomputed anyway`);
    const producers = this.fc.producersFor(this.base);
    this.guessed = this.fc.solve(this.witness, this.pinned, free, producers).map((w) => this.fc.nameOf(w));
    return this;
  }

  failures(): ConstraintFailure[] {
    return this.fc.failures(this.witness);
  }
}

class ForgeCircuitImpl implements ForgeCircuit {
  readonly r1cs: R1cs;
  private readonly byName = new Map<string, number>();
  private readonly names: string[][];
  private readonly source: SourceIndex;
  private readonly wireComp: string[];
  private readonly wireIsInput: Uint8Array;
  private readonly owner: string[];
  private readonly adjacency: number[][];
  private readonly boolean: Uint8Array;
  private readonly mainInputStart: number;
  private readonly mainInputEnd: number;
  /** Wires by decreasing component depth, then index. */
  private readonly guessOrder: number[];
  /** Wires that are pure copies of a main input (passed down into subcomponent inputs). */
  private readonly inputCopy: Uint8Array;

  constructor(
    readonly name: string,
    r1csPath: string,
    symPath: string,
    mainFile: string,
    private readonly calculate: (input: CircuitInput) => Promise<bigint[]>,
  ) {
    this.r1cs = readR1cs(r1csPath);
    const { wires, constraints } = this.r1cs;
    this.names = Array.from({ length: wires }, () => []);
    for (const line of readFileSync(symPath, "utf8").split("\n")) {
      if (line === "") continue;
      const [, wire, , ...rest] = line.split(",");
      const w = Number(wire);
      const n = rest.join(",");
      if (w >= 0) {
        this.names[w]!.push(n);
        if (!this.byName.has(n)) this.byName.set(n, w);
      } else this.byName.set(n, -1);
    }
    this.source = new SourceIndex(mainFile);
    this.mainInputStart = 1 + this.r1cs.publicOutputs;
    this.mainInputEnd = this.mainInputStart + this.r1cs.publicInputs + this.r1cs.privateInputs;

    // Component of each wire and whether it is an input of that component's template.
    this.wireComp = new Array<string>(wires).fill("");
    this.wireIsInput = new Uint8Array(wires);
    const hint = new Uint8Array(wires);
    const inputsOf = new Map<string, Set<string> | undefined>();
    const hintsOf = new Map<string, Set<string> | undefined>();
    for (let w = 1; w < wires; w++) {
      const n = this.names[w]![0];
      if (n === undefined) continue;
      const dot = n.lastIndexOf(".");
      const comp = n.slice(0, dot);
      this.wireComp[w] = comp;
      if (w >= this.mainInputStart && w < this.mainInputEnd) {
        this.wireIsInput[w] = 1;
        continue;
      }
      if (!inputsOf.has(comp)) {
        const t = this.source.templateOf(comp);
        inputsOf.set(comp, t?.inputs);
        // An input the parent assigns with `<--` (`update.extra[i] <-- 0`) is a hint as well.
        const cut = comp.lastIndexOf(".");
        const fromParent = cut < 0 ? undefined : this.source.templateOf(comp.slice(0, cut))?.childHints.get(comp.slice(cut + 1).replace(/\[.*$/, ""));
        hintsOf.set(comp, fromParent === undefined ? t?.hints : new Set([...(t?.hints ?? []), ...fromParent]));
      }
      const local = n.slice(dot + 1).replace(/\[.*$/, "");
      if (inputsOf.get(comp)?.has(local) === true) this.wireIsInput[w] = 1;
      if (hintsOf.get(comp)?.has(local) === true) hint[w] = 1;
    }

    // Owner of each constraint, adjacency, boolean wires.
    this.owner = new Array<string>(constraints.length);
    this.adjacency = Array.from({ length: wires }, () => []);
    this.boolean = new Uint8Array(wires);
    constraints.forEach((c, i) => {
      const ws = this.wiresOf(c);
      for (const w of ws) this.adjacency[w]!.push(i);
      this.owner[i] = commonComponent(ws.map((w) => this.wireComp[w]!));
      // `comp.in <== constant` is written in comp's parent.
      if (ws.length === 1 && this.wireIsInput[ws[0]!] === 1 && this.owner[i] !== "main") this.owner[i] = this.owner[i]!.slice(0, this.owner[i]!.lastIndexOf("."));
      const single = (lc: LinearCombination): number | undefined => {
        const nz = lc.wires.filter((w) => w !== 0);
        return nz.length === 1 ? nz[0] : undefined;
      };
      const wa = single(c.a);
      if (wa !== undefined && wa === single(c.b) && c.c.wires.length === 0) {
        const root = (lc: LinearCombination): bigint => {
          let a1 = 0n;
          let a0 = 0n;
          lc.wires.forEach((w, k) => (w === 0 ? (a0 += lc.coeffs[k]!) : (a1 += lc.coeffs[k]!)));
          return mod(-a0 * inverse(a1));
        };
        const roots = [root(c.a), root(c.b)].sort();
        if (roots[0] === 0n && roots[1] === 1n) this.boolean[wa] = 1;
      }
    });
    const depth = this.wireComp.map((c) => c.split(".").length);
    // Bits are hints too, but the decomposition determines them once its input is known: last.
    const rank = (w: number): number => (hint[w] === 1 ? (this.boolean[w] === 1 ? 1 : 2) : 0);
    this.guessOrder = Array.from({ length: wires - 1 }, (_, i) => i + 1).sort((x, y) => rank(y) - rank(x) || depth[y]! - depth[x]! || x - y);
    this.inputCopy = new Uint8Array(wires);
    const stack: number[] = [];
    for (let w = this.mainInputStart; w < this.mainInputEnd; w++) {
      this.inputCopy[w] = 1;
      stack.push(w);
    }
    while (stack.length > 0) {
      const w = stack.pop()!;
      for (const ci of this.adjacency[w]!) {
        const c = constraints[ci]!;
        const ws = this.wiresOf(c);
        if (!isCopy(c)) continue;
        const y = ws[0] === w ? ws[1]! : ws[0]!;
        if (this.inputCopy[y] === 0 && this.wireIsInput[y] === 1) {
          this.inputCopy[y] = 1;
          stack.push(y);
        }
      }
    }
  }

  /** For a deferred equality x === y: is y a copy of a main input (then it is a check, applied last)? */
  private againstInput(ci: number): boolean {
    return this.wiresOf(this.r1cs.constraints[ci]!).some((w) => this.inputCopy[w] === 1);
  }

  private wiresOf(c: Constraint): number[] {
    const s = new Set<number>();
    for (const lc of [c.a, c.b, c.c]) for (const w of lc.wires) if (w !== 0) s.add(w);
    return [...s];
  }

  isMainInput(w: number): boolean {
    return w >= this.mainInputStart && w < this.mainInputEnd;
  }

  nameOf(w: number): string {
    return this.names[w]?.[0] ?? `wire ${w}`;
  }

  wire(name: string): number {
    const w = this.byName.get(name);
    if (w === undefined) throw new Error(`${this.name}: no signal named ${name}`);
    if (w < 0) throw new Error(`${this.name}: signal ${name} was removed by the optimiser (use an --O0 build)`);
    return w;
  }

  signals(prefix: string): string[] {
    return [...this.byName.keys()].filter((n) => n.startsWith(prefix) && this.byName.get(n)! >= 0);
  }

  witness(input: CircuitInput): Promise<bigint[]> {
    return this.calculate(input);
  }

  private readonly producerCache = new Map<string, Int32Array>();

  /**
   * The dataflow of an honest witness: which constraint assigns each wire when every signal is
   * solved from the main inputs (-1: an input, or a hint no constraint determines).
   */
  producersFor(base: readonly bigint[]): Int32Array {
    const key = base.slice(this.mainInputStart, this.mainInputEnd).join(",");
    let producers = this.producerCache.get(key);
    if (producers === undefined) {
      producers = new Int32Array(this.r1cs.wires).fill(-1);
      this.solve([...base], new Set(), new Set(), undefined, producers);
      this.producerCache.set(key, producers);
    }
    return producers;
  }

  forge(witness: readonly bigint[]): Forgery {
    if (witness.length !== this.r1cs.wires) throw new Error(`witness has ${witness.length} wires, the r1cs ${this.r1cs.wires}`);
    return new Forgery(this, witness);
  }

  failures(witness: readonly bigint[]): ConstraintFailure[] {
    const out: ConstraintFailure[] = [];
    this.r1cs.constraints.forEach((c, i) => {
      if ((evalLc(c.a, witness) * evalLc(c.b, witness) - evalLc(c.c, witness)) % P !== 0n) out.push(this.describe(i));
    });
    return out;
  }

  describe(index: number): ConstraintFailure {
    const c = this.r1cs.constraints[index]!;
    const ws = this.wiresOf(c);
    const signals = ws.map((w) => this.nameOf(w));
    const component = this.owner[index]!;
    const t = this.source.templateOf(component);
    const failure: ConstraintFailure = { index, component, where: component, stack: this.source.stack(component), signals, text: this.render(c) };
    if (t !== undefined) {
      failure.template = t.name;
      failure.file = t.file;
      const line = sourceLine(t, component, signals);
      if (line !== undefined) {
        failure.line = line;
        failure.code = t.text[line - 1]!.trim();
      }
      failure.where = `${t.name} ${t.file}:${failure.line ?? "?"}: ${failure.code ?? "(statement not identified)"}`;
    }
    return failure;
  }

  private render(c: Constraint): string {
    const term = (w: number, k: bigint): string => {
      const neg = k > P / 2n;
      const mag = neg ? P - k : k;
      const m = mag < 1n << 64n ? mag.toString() : `0x${mag.toString(16).slice(0, 8)}…`;
      const body = w === 0 ? m : mag === 1n ? this.nameOf(w) : `${m}*${this.nameOf(w)}`;
      return `${neg ? "-" : "+"} ${body}`;
    };
    const lc = (l: LinearCombination): string => {
      if (l.wires.length === 0) return "0";
      const shown = l.wires.length > 6 ? [0, 1, 2] : l.wires.map((_, k) => k);
      let s = shown.map((k) => term(l.wires[k]!, l.coeffs[k]!)).join(" ");
      if (l.wires.length > 6) s += ` … (${l.wires.length} terms)`;
      return s.startsWith("+ ") ? s.slice(2) : s;
    };
    return `(${lc(c.a)}) * (${lc(c.b)}) = (${lc(c.c)})`;
  }

  /**
   * May constraint `ci` assign wire `w` (see the file header)? 0: no; 1: yes; 2: only when nothing
   * else moves (an equality with one of the owner's inputs: `a <== in` assigns a, `a === in`
   * checks it, and the R1CS cannot tell them apart, so forward assignments go first).
   */
  private mayAssign(ci: number, w: number, floating: Uint8Array): 0 | 1 | 2 {
    if (floating[w] === 1) return 1;
    const c = this.r1cs.constraints[ci]!;
    const ws = this.wiresOf(c);
    // `x <== constant` (or `x === constant`): the only value x can take.
    if (ws.length === 1) return 1;
    const o = this.owner[ci]!;
    const k = this.wireComp[w]!;
    if (this.wireIsInput[w] === 1) return k !== "main" && k.slice(0, k.lastIndexOf(".")) === o ? 1 : 0;
    if (k !== o) return 0;
    if (isCopy(c)) {
      const y = ws[0] === w ? ws[1]! : ws[0]!;
      // Against a copy of a main input (a public value): a check (`x === y`), unless the source
      // statement assigns x from it (`c[0] <== batchIndex`, `tree[i] <== leaves[i]`).
      if (this.inputCopy[y] === 1) return this.assignsFromInput(ci, w) ? 1 : 0;
      if (this.wireIsInput[y] === 1 && (this.wireComp[y] === o || this.isMainInput(y))) return 2;
    }
    return 1;
  }

  private readonly assigning = new Map<number, boolean>();

  /**
   * Is the copy constraint `ci` between w and a copy of a main input written `w <== y` (or
   * `y ==> w`) in the source: an assignment of w, which the R1CS cannot tell from a check `w === y`?
   */
  private assignsFromInput(ci: number, w: number): boolean {
    let yes = this.assigning.get(ci);
    if (yes === undefined) {
      const code = this.describe(ci).code;
      const local = this.nameOf(w).slice(this.owner[ci]!.length + 1).replace(/[[.].*$/, "");
      const indexed = `${local}\\s*(?:\\[[^\\]]*\\]\\s*)*`;
      yes = code !== undefined && (new RegExp(`^(?:signal\\s+(?:output\\s+)?)?${indexed}<==`).test(code) || new RegExp(`==>\\s*${indexed};`).test(code));
      this.assigning.set(ci, yes);
    }
    return yes;
  }

  /** Solves the unknown wires in place; returns the wires left at their previous value. */
  solve(witness: bigint[], pinned: ReadonlySet<number>, free: ReadonlySet<number>, producers?: Int32Array, record?: Int32Array): number[] {
    const { wires, constraints } = this.r1cs;
    const known = new Uint8Array(wires);
    known[0] = 1;
    for (let w = 1; w < wires; w++) {
      if (pinned.has(w) || (this.isMainInput(w) && !free.has(w))) known[w] = 1;
    }
    // Free main inputs, and the subcomponent inputs they are copied into, may be solved by any constraint.
    const floating = new Uint8Array(wires);
    const stack = [...free].filter((w) => !pinned.has(w));
    for (const w of stack) floating[w] = 1;
    while (stack.length > 0) {
      const w = stack.pop()!;
      for (const ci of this.adjacency[w]!) {
        const c = constraints[ci]!;
        const ws = this.wiresOf(c);
        if (!isCopy(c)) continue;
        const y = ws[0] === w ? ws[1]! : ws[0]!;
        if (floating[y] === 0 && known[y] === 0 && this.wireIsInput[y] === 1) {
          floating[y] = 1;
          stack.push(y);
        }
      }
    }
    const guessed: number[] = [];
    const queue: number[] = [];
    const queued = new Uint8Array(constraints.length);
    const enqueue = (ci: number): void => {
      if (queued[ci] === 0) {
        queued[ci] = 1;
        queue.push(ci);
      }
    };
    let late = false; // deferred assignments allowed (only when nothing else moves)
    const learn = (w: number, v: bigint, ci = -1): void => {
      witness[w] = v;
      known[w] = 1;
      // A deferred assignment is not dataflow to replay: the wire keeps the ordinary rules.
      if (record !== undefined) record[w] = late ? -1 : ci;
      for (const ci of this.adjacency[w]!) enqueue(ci);
    };
    constraints.forEach((c, ci) => {
      if (this.wiresOf(c).some((w) => known[w] === 0)) enqueue(ci);
    });

    // Splits a linear combination into its known value and its unknown terms.
    const split = (lc: LinearCombination): { v: bigint; u: Map<number, bigint> } => {
      let v = 0n;
      const u = new Map<number, bigint>();
      for (let k = 0; k < lc.wires.length; k++) {
        const w = lc.wires[k]!;
        if (known[w] === 1) v += lc.coeffs[k]! * witness[w]!;
        else u.set(w, mod((u.get(w) ?? 0n) + lc.coeffs[k]!));
      }
      return { v: v % P, u };
    };

    const deferred: number[] = [];
    const isDeferred = new Uint8Array(constraints.length);
    // Forging: a signal is assigned only by the constraint that assigned it in the honest solve,
    // unless that constraint cannot determine it any more (a selector whose index moved).
    const producerFailed = new Uint8Array(producers === undefined ? 0 : wires);
    const blocked: number[] = [];
    const isBlocked = new Uint8Array(producers === undefined ? 0 : constraints.length);
    let relaxedStep = false; // at a standstill: one assignment by another constraint than the honest one
    const may = (ci: number, w: number): boolean => {
      if (producers !== undefined && floating[w] === 0 && producers[w]! >= 0 && producerFailed[w] === 0) {
        if (producers[w] === ci) return true;
        if (!relaxedStep) {
          if (isBlocked[ci] === 0) {
            isBlocked[ci] = 1;
            blocked.push(ci);
          }
          return false;
        }
      }
      const m = this.mayAssign(ci, w, floating);
      if (m === 2 && !late && isDeferred[ci] === 0) {
        isDeferred[ci] = 1;
        deferred.push(ci);
      }
      return m === 1 || (m === 2 && late);
    };
    // The constraint that assigned w in the honest solve cannot determine it here (a one-hot
    // selector whose index moved): w, and every unknown wire assigned by a constraint next to w,
    // fall back to the ordinary rules.
    const producerCannot = (ci: number, w: number): void => {
      if (producers === undefined || producers[w] !== ci || producerFailed[w] === 1) return;
      const relax = (u: number): void => {
        producerFailed[u] = 1;
        for (const cj of this.adjacency[u]!) enqueue(cj);
      };
      relax(w);
      for (const cj of this.adjacency[w]!) {
        for (const u of this.wiresOf(constraints[cj]!)) if (known[u] === 0 && producers[u] === cj && producerFailed[u] === 0) relax(u);
      }
    };
    const trySolve = (ci: number): boolean => {
      const c = constraints[ci]!;
      const A = split(c.a);
      const B = split(c.b);
      const C = split(c.c);
      const unknown = new Set<number>([...A.u.keys(), ...B.u.keys(), ...C.u.keys()]);
      if (unknown.size === 0) return false;
      const aZero = A.u.size === 0 && A.v === 0n;
      const bZero = B.u.size === 0 && B.v === 0n;
      if ((A.u.size === 0 && B.u.size === 0) || aZero || bZero) {
        // Linear in the unknowns of C: sum coef_u * u = A*B - C.v.
        const rhs = mod((aZero || bZero ? 0n : A.v * B.v) - C.v);
        const terms = [...C.u].filter(([, k]) => k !== 0n);
        if (terms.length === 0) {
          for (const w of unknown) producerCannot(ci, w);
          return false;
        }
        if (terms.length === 1) {
          const [w, k] = terms[0]!;
          if (!may(ci, w)) return false;
          learn(w, mod(rhs * inverse(k)), ci);
          return true;
        }
        // A binary decomposition: every unknown boolean, coefficients s * 2^e.
        if (!terms.every(([w]) => this.boolean[w] === 1 && may(ci, w))) return false;
        const small = (k: bigint): bigint => (k > P / 2n ? P - k : k);
        const s = terms.reduce((best, [, k]) => (small(k) < small(best) ? k : best), terms[0]![1]);
        const sInv = inverse(s);
        const exps: [number, bigint][] = [];
        for (const [w, k] of terms) {
          const r = mod(k * sInv);
          const e = BigInt(r.toString(2).length - 1);
          if (r !== 1n << e) return false;
          exps.push([w, e]);
        }
        const target = mod(rhs * sInv);
        let rebuilt = 0n;
        const bits = exps.map(([w, e]) => {
          const bit = (target >> e) & 1n;
          rebuilt += bit << e;
          return [w, bit] as const;
        });
        if (rebuilt !== target) {
          // No decomposition with these bits (the value is out of range): the bits keep their
          // previous values, and this constraint, the decomposition, is the one that fails.
          for (const [w] of terms) {
            guessed.push(w);
            learn(w, witness[w]!);
          }
          return true;
        }
        for (const [w, bit] of bits) learn(w, bit, ci);
        return true;
      }
      if (unknown.size !== 1) return false;
      const [w] = unknown;
      const a1 = A.u.get(w!) ?? 0n;
      const b1 = B.u.get(w!) ?? 0n;
      const c1 = C.u.get(w!) ?? 0n;
      if (a1 !== 0n && b1 !== 0n) return false; // quadratic (a boolean): decided elsewhere
      const k = mod(a1 * B.v + A.v * b1 - c1);
      if (k === 0n) {
        producerCannot(ci, w!);
        return false;
      }
      if (!may(ci, w!)) return false;
      learn(w!, mod((C.v - A.v * B.v) * inverse(k)), ci);
      return true;
    };

    // When nothing moves, the next wire to keep at its value: `<--` hints first (what the
    // witness calculator computes outside the constraints; bits after the others), deepest
    // component first.
    const order = this.guessOrder;
    let scan = 0;
    for (;;) {
      for (let head = 0; head < queue.length; head++) {
        const ci = queue[head]!;
        queued[ci] = 0;
        trySolve(ci);
      }
      queue.length = 0;
      while (scan < order.length && known[order[scan]!] === 1) scan++;
      if (scan >= order.length) break;
      // Nothing moves: one deferred assignment (the lowest constraint that can make one), then on.
      // Equalities against copies of the main inputs are checks: they go after every other one.
      late = true;
      deferred.sort((x, y) => Number(this.againstInput(x)) - Number(this.againstInput(y)) || x - y);
      let moved = false;
      for (let i = 0; i < deferred.length && !moved; i++) {
        moved = trySolve(deferred[i]!);
        if (moved) deferred.splice(i, 1);
      }
      late = false;
      if (moved) continue;
      // Still nothing: one assignment the honest dataflow made elsewhere (the lowest constraint).
      relaxedStep = true;
      blocked.sort((x, y) => x - y);
      for (let i = 0; i < blocked.length && !moved; i++) {
        moved = trySolve(blocked[i]!);
        if (moved) blocked.splice(i, 1);
      }
      relaxedStep = false;
      if (moved) continue;
      guessed.push(order[scan]!);
      learn(order[scan]!, witness[order[scan]!]!);
    }
    return guessed;
  }
}

/** x - y = 0 (or y - x = 0): a copy `x <== y` or a check `x === y`, no constant, no product. */
function isCopy(c: Constraint): boolean {
  if (c.a.wires.length !== 0 || c.b.wires.length !== 0 || c.c.wires.length !== 2) return false;
  const [w1, w2] = c.c.wires;
  const [k1, k2] = c.c.coeffs;
  return w1 !== 0 && w2 !== 0 && w1 !== w2 && mod(k1! + k2!) === 0n;
}

/** Deepest component path shared by all (the constraint's owner). */
function commonComponent(paths: readonly string[]): string {
  if (paths.length === 0) return "main";
  let common = paths[0]!.split(".");
  for (const p of paths.slice(1)) {
    const segs = p.split(".");
    let i = 0;
    while (i < common.length && i < segs.length && common[i] === segs[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(".") || "main";
}

const IDENT = /(?<![.\w])([A-Za-z_]\w*)/g;

/**
 * The source line of a constraint inside its owner's template, from the signals it involves:
 * a statement (`===`, `<==`, `==>`) whose signal identifiers are all involved, covering every
 * involved local signal either by name or through a `var` (a linear expression kept in a
 * variable). An anonymous subcomponent names its line itself (`Template_<line>_<column>`).
 */
function sourceLine(t: TemplateInfo, owner: string, signals: readonly string[]): number | undefined {
  const locals = new Set<string>();
  const anonLines = new Set<number>();
  for (const s of signals) {
    if (!s.startsWith(`${owner}.`)) continue;
    const local = s.slice(owner.length + 1).split(".")[0]!.replace(/\[.*$/, "");
    locals.add(local);
    const anon = /^(.*)_(\d+)_(\d+)$/.exec(local);
    if (anon !== null && !t.signals.has(local)) anonLines.add(Number(anon[2]));
  }
  if (anonLines.size === 1) return [...anonLines][0];
  if (anonLines.size > 1) return undefined;
  // Distinct indices per involved local (out[3] and out[4]: 2).
  const indices = new Map<string, Set<string>>();
  for (const s of signals) {
    if (!s.startsWith(`${owner}.`)) continue;
    const rest = s.slice(owner.length + 1).split(".")[0]!;
    const local = rest.replace(/\[.*$/, "");
    if (!indices.has(local)) indices.set(local, new Set());
    indices.get(local)!.add(rest.slice(local.length));
  }
  let best: number[] = [];
  let bestScore = -1;
  for (let i = t.start; i < t.end - 1; i++) {
    const line = t.code[i]!;
    if (!/===|<==|==>/.test(line)) continue;
    const ids = [...line.matchAll(IDENT)].map((m) => m[1]!);
    const lineSignals = new Set(ids.filter((x) => t.signals.has(x)));
    const hasVar = ids.some((x) => t.vars.has(x));
    if (![...lineSignals].every((x) => locals.has(x))) continue;
    if (![...locals].every((x) => lineSignals.has(x) || hasVar)) continue;
    if (lineSignals.size === 0 && !hasVar) continue;
    // A literal index or a subcomponent field the constraint does not involve rules the line out.
    let excluded = false;
    let exact = 0; // signals the line names by literal indices only, the constraint's among them
    for (const x of lineSignals) {
      const involved = [...(indices.get(x) ?? [])];
      const occ = [...line.matchAll(new RegExp(`(?<![.\\w])${x}((?:\\s*\\[[^\\]]*\\])*)(?:\\.(\\w+)((?:\\s*\\[[^\\]]*\\])*))?`, "g"))];
      const suffixes = occ.map((m) => `${m[1] ?? ""}${m[2] === undefined ? "" : `.${m[2]}${m[3] ?? ""}`}`.replace(/\s/g, ""));
      const full = signals.filter((n) => n.startsWith(`${owner}.${x}`)).map((n) => n.slice(owner.length + 1 + x.length));
      const literal = suffixes.filter((f) => f !== "" && /^((\[\d+\])|(\.\w+))+$/.test(f));
      if (literal.length === occ.length && occ.length > 0) {
        if (literal.some((f) => full.some((i) => i.startsWith(f)) || involved.some((i) => i.startsWith(f)))) exact++;
        else excluded = true;
      }
      const fields = occ.map((m) => m[2]).filter((f): f is string => f !== undefined);
      const involvedFields = new Set(signals.filter((n) => n.startsWith(`${owner}.${x}`)).map((n) => /^\.?(?:\[[^\]]*\])*\.(\w+)/.exec(n.slice(owner.length + 1 + x.length))?.[1]));
      if (fields.length > 0 && !fields.some((f) => involvedFields.has(f))) excluded = true;
    }
    if (excluded) continue;
    // Prefer the line that indexes each array as many distinct ways as the constraint does.
    let shape = 0;
    for (const x of lineSignals) {
      const forms = new Set([...line.matchAll(new RegExp(`(?<![.\\w])${x}((?:\\s*\\[[^\\]]*\\])*)`, "g"))].map((m) => m[1]!.replace(/\s/g, "")));
      if (forms.size === (indices.get(x)?.size ?? 0)) shape++;
    }
    // Ties go to the line that names the involved elements literally (`active[0] === 1` over
    // `active[i] * (active[i] - 1) === 0` for a constraint on active[0] alone).
    const score = 10 * lineSignals.size + shape + exact / (lineSignals.size + 1);
    if (score > bestScore) {
      bestScore = score;
      best = [i + 1];
    } else if (score === bestScore) best.push(i + 1);
  }
  return best.length === 1 ? best[0] : undefined;
}

// ---------------------------------------------------------------------------
// Loading.

export interface LoadForgeOptions {
  /** Build name under build/test-circuits/ (default: the main file's base name + "_O0"). */
  name?: string;
  optimization?: "--O0" | "--O1" | "--O2";
}

/**
 * Compiles `main` (project-relative) with circom2 into `outDir` (project-relative) unless the
 * build there is current (same main, includes, flags and compiler: a content hash in
 * `.source-hash`). Compiles into a private folder and renames it into place, so that a
 * concurrent run never loads half a build. Returns the base name of the outputs.
 */
export async function compileCircuit(main: string, outDir: string, flags: readonly string[], libraries: readonly string[] = ["node_modules"]): Promise<{ base: string; compiled: boolean; ms: number }> {
  const mainAbs = resolve(PROJECT_ROOT, main);
  const base = main.split("/").pop()!.replace(/\.circom$/, "");
  const hash = createHash("sha256");
  const seen = new Set<string>();
  const visit = (abs: string): void => {
    if (seen.has(abs)) return;
    seen.add(abs);
    const text = readFileSync(abs, "utf8");
    hash.update(`${relative(PROJECT_ROOT, abs)}\0${text}\0`);
    for (const m of blankComments(text).matchAll(INCLUDE)) {
      const target = m[1]!;
      const found = [resolve(dirname(abs), target), ...libraries.map((l) => resolve(PROJECT_ROOT, l, target))].find((c) => existsSync(c));
      if (found === undefined) throw new Error(`${relative(PROJECT_ROOT, abs)}: include "${target}" not found`);
      visit(found);
    }
  };
  visit(mainAbs);
  const version = (JSON.parse(readFileSync(require.resolve("circom2/package.json"), "utf8")) as { version: string }).version;
  hash.update(`circom2@${version}\0${flags.join(" ")}`);
  const digest = hash.digest("hex");
  const dir = resolve(PROJECT_ROOT, outDir);
  const stamp = join(dir, ".source-hash");
  const outputs = [`${base}.r1cs`, `${base}.sym`, join(`${base}_js`, `${base}.wasm`), join(`${base}_js`, "witness_calculator.js")];
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest && outputs.every((f) => existsSync(join(dir, f)))) {
    return { base, compiled: false, ms: 0 };
  }
  const tmpRel = `${outDir}.tmp-${process.pid}`;
  const tmp = resolve(PROJECT_ROOT, tmpRel);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const start = performance.now();
  const args = [require.resolve("circom2/cli.js"), main, "--r1cs", "--wasm", "--sym", ...flags, ...libraries.flatMap((l) => ["-l", l]), "-o", tmpRel];
  try {
    await execFileAsync(process.execPath, args, { cwd: PROJECT_ROOT, maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`circom2 failed on ${main}:\n${e.stderr ?? ""}${e.stdout ?? ""}`.trimEnd());
  }
  const ms = performance.now() - start;
  writeFileSync(join(tmp, "package.json"), '{ "type": "commonjs" }\n');
  writeFileSync(join(tmp, ".source-hash"), digest);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  return { base, compiled: true, ms };
}

/**
 * Compiles (cached by content hash, in build/test-circuits/<base>_O0/) and loads a main circuit
 * for forging.
 */
export async function loadForgeCircuit(main: string, options: LoadForgeOptions = {}): Promise<ForgeCircuit> {
  const optimization = options.optimization ?? "--O0";
  const base = main.split("/").pop()!.replace(/\.circom$/, "");
  const name = options.name ?? `${base}_${optimization.slice(2)}`;
  const outDir = join("build", "test-circuits", name);
  await compileCircuit(main, outDir, [optimization]);
  return forgeFromBuild(resolve(PROJECT_ROOT, outDir), base, main, name);
}

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
}

/**
 * Loads a circuit compiled elsewhere (the mutation script's temporary builds): `dir` holds
 * `<name>.r1cs`, `<name>.sym` and `<name>_js/`; `mainFile` (project-relative) is the main file the
 * build came from, whose includes give the templates and lines.
 */
export async function forgeFromBuild(dir: string, base: string, mainFile: string, name: string = base): Promise<ForgeCircuit> {
  const jsDir = join(dir, `${base}_js`);
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), '{ "type": "commonjs" }\n');
  const builder = require(join(jsDir, "witness_calculator.js")) as (code: Buffer) => Promise<WitnessCalculator>;
  const wasm = readFileSync(join(jsDir, `${base}.wasm`));
  let calculator = await builder(wasm);
  const calculate = async (input: CircuitInput): Promise<bigint[]> => {
    try {
      return await calculator.calculateWitness(input as Record<string, unknown>, true);
    } catch (err) {
      calculator = await builder(wasm);
      const message = err instanceof Error ? err.message : String(err);
      if (/Assert Failed/.test(message)) throw new WitnessError(message.trim());
      throw new InputError(message.trim());
    }
  };
  return new ForgeCircuitImpl(name, join(dir, `${base}.r1cs`), join(dir, `${base}.sym`), mainFile, calculate);
}
