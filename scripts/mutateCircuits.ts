/**
 * Mutation testing of the circuits (issue 15): removes or weakens each constraint of circuits/src
 * in turn, compiles the mutant into build/mutation/ (never build/circuits), and runs the circuits'
 * oracle against it (test/circuits/forged/cases.ts: the test suite's honest inputs, its dishonest
 * inputs, and the forged witnesses of test/circuits/forged.test.ts). A mutant is killed when an
 * honest input is refused, a dishonest input is accepted, or a forged witness satisfies every
 * constraint; it survives otherwise. "before" counts the kills of the honest and dishonest inputs
 * alone (what the suite caught before the forged witnesses), "after" all three.
 *
 *   npm run mutate:circuits -- [--circuit account_update|insolvency|reserves_batch|note_join_split|note_batch_insert|account_notes]
 *                              [--limit N] [--only file:line] [--help]
 *
 * Mutation operators, per statement of a template body (comments ignored):
 *   remove   a `===` constraint, or a bare range/curve check call (RangeCheck(..)(..);), deleted;
 *   weaken   `<==` (or `==>`) turned into `<--` (the value is still computed, no longer constrained);
 *   narrow   the width of a Num2Bits / RangeCheck / RangeCheckArray / AssertGreaterEqThan call - 1;
 *   widen    the same width + 1.
 * Each template is mutated once, in the circuit that owns its file (a shared file belongs to the
 * first circuit that includes it: hashing.circom to account_update, notes.circom with its
 * QuadMerkleRoot to note_join_split), and the mutant is run against every oracle main of that
 * circuit whose main reaches the template, then against the mains of the circuits that list the
 * template in `alsoChecks` (AccountUpdateWithKeeper: its PRIVATE = 1 branch is only reached by
 * account_notes, the absorb and emit mains). A mutant that does not compile (circom rejects `<--`
 * into an anonymous component, a narrowed width that no longer fits an array) is reported as
 * invalid and left out of the score.
 *
 * Builds are cached by content hash under build/mutation/cache/, so a second run only re-runs the
 * oracle (seconds per mutant). The report goes to build/mutation/<circuit>.json
 * (<circuit>.partial.json for a run restricted by --only or --limit).
 */
import { UsageError } from "../cli/usage.js";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, cpSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { PROJECT_ROOT } from "../test/helpers/circuit.js";
import { compileCircuit, forgeFromBuild, type ForgeCircuit } from "../test/helpers/forge.js";
import { buildOracles, type CircuitOracle, type OracleTarget } from "../test/circuits/forged/cases.js";

const HELP = `Usage: npm run mutate:circuits -- [options]

Removes or weakens each constraint of circuits/src in turn, compiles the mutant into
build/mutation/ and runs the circuits' oracle (honest inputs, dishonest inputs, forged
witnesses: test/circuits/forged/cases.ts) against it.

Options:
  --circuit NAME   only this circuit (account_update, insolvency, reserves_batch,
                   note_join_split, note_batch_insert, account_notes: the
                   account_absorb and account_emit mains); repeatable
  --limit N        at most N mutants per circuit (in source order)
  --only F:L       only the mutants of line L of file F (e.g. account_update.circom:101)
  --help           this text

Output: one progress line per mutant, a summary per circuit, and build/mutation/<circuit>.json
(<circuit>.partial.json with --only or --limit). Without --circuit: every circuit but
reserves_batch (account_update, insolvency, note_join_split, note_batch_insert, account_notes).`;

interface Mutant {
  id: string;
  file: string; // project-relative
  line: number; // 1-based
  template: string;
  operator: "remove" | "weaken" | "narrow" | "widen";
  original: string;
  mutated: string;
}

interface Outcome {
  mutant: Mutant;
  status: "killed" | "survived" | "invalid";
  /** What killed it without the forged witnesses (an honest input refused, a dishonest one accepted). */
  killedBefore?: string;
  /** The first forged witness the mutant accepts (only looked for when the inputs did not kill it). */
  killedByForgery?: string;
  error?: string;
  ms: number;
}

function parseArgs(argv: string[]): { circuits: string[]; limit: number; only?: string } {
  const circuits: string[] = [];
  let limit = Infinity;
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else if (a === "--circuit") circuits.push(argv[++i] ?? "");
    else if (a === "--limit") limit = Number(argv[++i]);
    else if (a === "--only") only = argv[++i];
    else throw new UsageError(`unknown option ${a} (see --help)`);
  }
  if (!Number.isInteger(limit) && limit !== Infinity) throw new Error("--limit takes an integer");
  return { circuits, limit, only };
}

// ---------------------------------------------------------------------------
// Templates and mutants.

interface TemplateRange {
  name: string;
  start: number;
  end: number;
}

const blank = (s: string): string =>
  s.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " ")).replace(/\/\/.*$/gm, (m) => " ".repeat(m.length));

function templatesOf(text: string): TemplateRange[] {
  const code = blank(text).split("\n");
  const out: TemplateRange[] = [];
  for (let i = 0; i < code.length; i++) {
    const m = /^\s*template\s+(\w+)\s*\(/.exec(code[i]!);
    if (m === null) continue;
    let depth = 0;
    let opened = false;
    for (let j = i; j < code.length; j++) {
      for (const ch of code[j]!) {
        if (ch === "{") {
          depth++;
          opened = true;
        } else if (ch === "}") depth--;
      }
      if (opened && depth <= 0) {
        out.push({ name: m[1]!, start: i + 1, end: j + 1 });
        i = j;
        break;
      }
    }
  }
  return out;
}

const WIDTH_CALL = /\b(Num2Bits|RangeCheck|RangeCheckArray|AssertGreaterEqThan)\s*\(/g;
const CHECK_CALL = /^\s*(RangeCheck|RangeCheckArray|AssertGreaterEqThan|BabyCheck|Num2Bits)\s*\(.*\)\s*\(.*\)\s*;\s*$/;

/** The argument list of the call whose "(" is at `open`: [start, end) of the last argument. */
function lastArgument(line: string, open: number): [number, number] | undefined {
  let depth = 0;
  let lastComma = open;
  for (let i = open; i < line.length; i++) {
    const ch = line[i];
    if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") {
      depth--;
      if (depth === 0) return lastComma + 1 < i ? [lastComma + 1, i] : undefined;
    } else if (ch === "," && depth === 1) lastComma = i;
  }
  return undefined;
}

function mutantsOf(file: string, exclude: readonly string[]): Mutant[] {
  const text = readFileSync(join(PROJECT_ROOT, file), "utf8");
  const lines = text.split("\n");
  const code = blank(text).split("\n");
  const out: Mutant[] = [];
  const base = file.split("/").pop()!;
  for (const t of templatesOf(text)) {
    if (exclude.includes(t.name)) continue;
    for (let l = t.start + 1; l < t.end; l++) {
      const c = code[l - 1]!;
      const orig = lines[l - 1]!;
      if (c.trim() === "") continue;
      const add = (operator: Mutant["operator"], mutated: string): void => {
        out.push({ id: `${base}:${l}:${operator}${out.filter((m) => m.line === l && m.file === file && m.operator === operator).length || ""}`, file, line: l, template: t.name, operator, original: orig.trim(), mutated: mutated.trim() });
      };
      const indent = orig.slice(0, orig.length - orig.trimStart().length);
      if (/===/.test(c) && c.trim().endsWith(";")) add("remove", `${indent}// [mutant: removed] ${orig.trim()}`);
      else if (CHECK_CALL.test(c) && !/<==|==>/.test(c)) add("remove", `${indent}// [mutant: removed] ${orig.trim()}`);
      if (/<==/.test(c)) add("weaken", orig.replace("<==", "<--"));
      else if (/==>/.test(c)) add("weaken", orig.replace("==>", "-->"));
      for (const m of c.matchAll(WIDTH_CALL)) {
        const open = m.index! + m[0].length - 1;
        const arg = lastArgument(c, open);
        if (arg === undefined) continue;
        const [s, e] = arg;
        const width = orig.slice(s, e).trim();
        add("narrow", `${orig.slice(0, s)}(${width}) - 1${orig.slice(e)}`);
        add("widen", `${orig.slice(0, s)}(${width}) + 1${orig.slice(e)}`);
      }
    }
  }
  return out;
}

/** Templates reachable from a main file's main component (by name, across the included project files). */
function reachableTemplates(main: string): Set<string> {
  const bodies = new Map<string, string>();
  const seen = new Set<string>();
  let mainTemplate = "";
  const visit = (rel: string): void => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = readFileSync(join(PROJECT_ROOT, rel), "utf8");
    const code = blank(text);
    if (rel === main) mainTemplate = /component\s+main\b[^=]*=\s*(\w+)\s*\(/.exec(code)?.[1] ?? "";
    const lines = code.split("\n");
    for (const t of templatesOf(text)) bodies.set(t.name, lines.slice(t.start, t.end - 1).join("\n"));
    for (const m of code.matchAll(/^\s*include\s+"([^"]+)"\s*;/gm)) {
      const target = join(dirname(rel), m[1]!);
      if (existsSync(join(PROJECT_ROOT, target))) visit(relative(PROJECT_ROOT, join(PROJECT_ROOT, target)));
    }
  };
  visit(main);
  const reach = new Set<string>();
  const stack = [mainTemplate];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (reach.has(t) || !bodies.has(t)) continue;
    reach.add(t);
    for (const m of bodies.get(t)!.matchAll(/\b([A-Z]\w*)\s*\(/g)) if (bodies.has(m[1]!)) stack.push(m[1]!);
  }
  return reach;
}

// ---------------------------------------------------------------------------
// Running one mutant.

/** Copies the circuit sources (circuits/ and the test mains) into a work tree, with one line replaced. */
function writeTree(root: string, mutant: Mutant): void {
  rmSync(join(PROJECT_ROOT, root), { recursive: true, force: true });
  for (const dir of ["circuits/src", "circuits/main", "test/circuits/main"]) {
    mkdirSync(join(PROJECT_ROOT, root, dir), { recursive: true });
    for (const f of readdirSync(join(PROJECT_ROOT, dir))) if (f.endsWith(".circom")) cpSync(join(PROJECT_ROOT, dir, f), join(PROJECT_ROOT, root, dir, f));
  }
  for (const f of readdirSync(join(PROJECT_ROOT, "test/circuits"))) {
    if (f.endsWith(".circom")) cpSync(join(PROJECT_ROOT, "test/circuits", f), join(PROJECT_ROOT, root, "test/circuits", f));
  }
  const target = join(PROJECT_ROOT, root, mutant.file);
  const lines = readFileSync(target, "utf8").split("\n");
  const orig = lines[mutant.line - 1]!;
  const indent = orig.slice(0, orig.length - orig.trimStart().length);
  lines[mutant.line - 1] = `${indent}${mutant.mutated}`;
  writeFileSync(target, lines.join("\n"));
}

async function evaluate(fc: ForgeCircuit, target: OracleTarget, withForgeries = true): Promise<{ before?: string; forged?: string }> {
  const result: { before?: string; forged?: string } = {};
  for (const { name, input } of target.honest) {
    try {
      const w = await fc.witness(input);
      if (fc.failures(w).length > 0) {
        result.before = `honest input refused by the R1CS: ${name}`;
        break;
      }
    } catch (err) {
      result.before = `honest input refused by the witness generator: ${name}`;
      break;
    }
  }
  if (result.before === undefined) {
    for (const { name, input } of target.dishonest) {
      let w: bigint[];
      try {
        w = await fc.witness(input);
      } catch {
        continue; // rejected by the generator
      }
      if (fc.failures(w).length === 0) {
        result.before = `dishonest input accepted: ${name}`;
        break;
      }
    }
  }
  // A mutant the honest and dishonest inputs kill is killed either way: the forgeries only decide the others.
  for (const c of result.before === undefined && withForgeries ? target.forged : []) {
    try {
      const f = await c.forge(fc);
      if (f.failures().length === 0) {
        result.forged = `forgery accepted: ${c.name}`;
        break;
      }
    } catch {
      // The forgery cannot be built on this mutant (a signal it names is gone): no verdict.
    }
  }
  return result;
}

async function runMutant(oracle: CircuitOracle, mutant: Mutant, reach: Map<string, Set<string>>, others: readonly CircuitOracle[]): Promise<Outcome> {
  const start = performance.now();
  const safe = mutant.id.replace(/[^\w.-]/g, "_");
  const root = `build/mutation/cache/${oracle.circuit}/${safe}`;
  writeTree(`${root}/src`, mutant);
  const outcome: Outcome = { mutant, status: "survived", ms: 0 };
  // The owner's mains first, then those of the circuits that also check the template.
  const targets = [oracle, ...others.filter((o) => o !== oracle && (o.alsoChecks ?? []).includes(mutant.template))]
    .flatMap((o) => o.targets)
    .filter((t) => reach.get(t.main)!.has(mutant.template));
  for (const target of targets) {
    const main = `${root}/src/${target.main}`;
    const base = target.main.split("/").pop()!.replace(/\.circom$/, "");
    const out = `${root}/build/${base}`;
    try {
      await compileCircuit(main, out, ["--O0"]);
    } catch (err) {
      outcome.status = "invalid";
      const plain = String((err as Error).message).replace(/\u001b\[[0-9;]*m/g, "");
      outcome.error = plain.split("\n").filter((l) => /error\[/.test(l)).slice(0, 1).join(" ").trim().slice(0, 200) || "does not compile";
      break;
    }
    const fc = await forgeFromBuild(join(PROJECT_ROOT, out), base, main, `${oracle.circuit}-${safe}-${base}`);
    // Once a forgery killed it, the other mains only say whether their inputs kill it too ("before").
    const r = await evaluate(fc, target, outcome.killedByForgery === undefined);
    outcome.killedBefore ??= r.before;
    outcome.killedByForgery ??= r.forged;
    if (outcome.killedBefore !== undefined) break;
  }
  if (outcome.status !== "invalid" && (outcome.killedBefore !== undefined || outcome.killedByForgery !== undefined)) outcome.status = "killed";
  outcome.ms = performance.now() - start;
  return outcome;
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const oracles = await buildOracles();
  const selected = args.circuits.length === 0 ? oracles.filter((o) => o.circuit !== "reserves_batch") : oracles.filter((o) => args.circuits.includes(o.circuit));
  if (args.circuits.length > 0 && selected.length !== args.circuits.length) throw new Error(`unknown circuit among ${args.circuits.join(", ")} (known: ${oracles.map((o) => o.circuit).join(", ")})`);
  mkdirSync(join(PROJECT_ROOT, "build/mutation"), { recursive: true });
  const summaries: string[] = [];
  for (const oracle of selected) {
    const reach = new Map(oracles.flatMap((o) => o.targets).map((t) => [t.main, reachableTemplates(t.main)]));
    let mutants = oracle.sources.flatMap((f) => mutantsOf(f, oracle.excludeTemplates ?? []));
    mutants = mutants.filter((m) => oracle.targets.some((t) => reach.get(t.main)!.has(m.template)));
    if (args.only !== undefined) mutants = mutants.filter((m) => `${m.file.split("/").pop()}:${m.line}` === args.only);
    mutants = mutants.slice(0, args.limit);
    console.log(`${oracle.circuit}: ${mutants.length} mutants of ${oracle.sources.join(", ")}; oracle mains ${oracle.targets.map((t) => t.main).join(", ")}`);
    const outcomes: Outcome[] = [];
    for (const [i, m] of mutants.entries()) {
      const o = await runMutant(oracle, m, reach, oracles);
      outcomes.push(o);
      const how = o.status === "invalid" ? `invalid (${o.error})` : o.status === "killed" ? `killed (${o.killedBefore ?? o.killedByForgery})` : "SURVIVED";
      console.log(`  [${i + 1}/${mutants.length}] ${m.file.split("/").pop()}:${m.line} ${m.template} ${m.operator}: ${m.original.slice(0, 70)} -> ${how} ${(o.ms / 1000).toFixed(1)} s`);
    }
    const valid = outcomes.filter((o) => o.status !== "invalid");
    const before = valid.filter((o) => o.killedBefore !== undefined).length;
    const after = valid.filter((o) => o.status === "killed").length;
    const survivors = valid.filter((o) => o.status === "survived");
    const pct = (n: number): string => (valid.length === 0 ? "-" : `${((100 * n) / valid.length).toFixed(1)}%`);
    const report = {
      circuit: oracle.circuit,
      command: `npm run mutate:circuits -- ${process.argv.slice(2).join(" ")}`.trim(),
      date: new Date().toISOString(),
      mutants: outcomes.length,
      invalid: outcomes.length - valid.length,
      valid: valid.length,
      scoreBefore: { killed: before, percent: pct(before) },
      scoreAfter: { killed: after, percent: pct(after) },
      survivors: survivors.map((o) => ({ id: o.mutant.id, at: `${o.mutant.file}:${o.mutant.line}`, template: o.mutant.template, operator: o.mutant.operator, statement: o.mutant.original })),
      outcomes: outcomes.map((o) => ({ ...o, ms: Math.round(o.ms) })),
    };
    // A partial run (--only, --limit) does not overwrite the full report.
    const partial = args.only !== undefined || args.limit !== Infinity;
    writeFileSync(join(PROJECT_ROOT, `build/mutation/${oracle.circuit}${partial ? ".partial" : ""}.json`), `${JSON.stringify(report, null, 2)}\n`);
    const line = `${oracle.circuit}: ${valid.length} valid mutants (${outcomes.length - valid.length} invalid); killed before forged witnesses ${before} (${pct(before)}), with them ${after} (${pct(after)}); ${survivors.length} survivors`;
    summaries.push(line, ...survivors.map((o) => `    survivor ${o.mutant.file}:${o.mutant.line} ${o.mutant.template} ${o.mutant.operator}: ${o.mutant.original}`));
  }
  console.log(`\n${summaries.join("\n")}\nreports: build/mutation/`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
