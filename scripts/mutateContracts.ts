/**
 * Mutation testing of the production contracts (issue 15, section 2). Each mutant changes one spot of
 * one contract, is compiled, and the contract suites that cover that contract are run against it: a
 * mutant is killed when a test fails (or the run times out), and survives when every test passes.
 *
 *   npm run mutate:contracts -- [--contract NAME] [--operator OP] [--limit N] [--from K] [--only LINE]
 *                               [--tests a.test.ts,b.test.ts] [--grep RE] [--timeout S] [--list] [--help]
 *
 * Everything runs in a copy of the repository (/tmp/plimsoll-mutants by default, PLIMSOLL_MUTANT_DIR
 * to change it): the sources are copied there afresh, node_modules is symlinked, build/ (keys, circuits) is
 * copied, so the shared tree is never written to except for the report, build/mutation/contracts-NAME.json
 * (contracts-NAME-<filters>.json for a run narrowed by --operator, --only, --limit, --from, --tests or --grep), rewritten
 * after every mutant ("complete": false until the last), so a run stopped early leaves its partial score.
 *
 * Operators, per line of code (comments and strings ignored):
 *   guard     a `nonReentrant` modifier removed;
 *   revert    a one-line `revert E(...);` replaced by `{}` (the check is dropped);
 *   compare   one comparison flipped: < and >=, > and <=, == and != swapped;
 *   rounding  a rounding-up division `(a + b - 1) / b` (or `(p - 1) / d + 1`) turned into `a / b`.
 * A mutant that does not compile is reported as invalid and left out of the score.
 */
import { UsageError } from "../cli/usage.js";
import { TARGETS } from "./lib/mutationTargets.js";
import { spawn } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const COPY = process.env.PLIMSOLL_MUTANT_DIR ?? "/tmp/plimsoll-mutants";

const HELP = `Usage: npm run mutate:contracts -- [options]

Mutates one spot of a production contract at a time, in a copy of the repository
(${COPY}; PLIMSOLL_MUTANT_DIR overrides), recompiles it there and runs the contract
suites that cover that contract. The shared tree is never changed.

Options:
  --contract NAME   only this contract (repeatable): ${"${CONTRACTS}"}
  --operator OP     only this operator (repeatable): guard, revert, compare, rounding
  --limit N         at most N mutants per contract (in source order)
  --from K          start at the K-th mutant of each contract (1-based, as --list and the
                    progress lines number them), e.g. to resume a run that was stopped
  --only LINE       only the mutants of this source line
  --tests LIST      comma-separated test files instead of the contract's default suites
  --grep RE         only the tests whose title matches RE (mocha's --grep), e.g. to show that
                    a new test kills a survivor (--only LINE) without the whole suite
  --timeout S       per-mutant timeout in seconds (default 900); a timeout counts as killed
  --no-bail         run every test of the suites against each mutant (by default mocha stops
                    at the first failing test: a mutant is killed by one failure, so the rest
                    of its run would change nothing but the failure count in the report)
  --no-baseline     skip the run of the unmutated copy (it must pass for the score to mean anything)
  --list            print the mutants and exit
  --help            this text

Output: one progress line per mutant, a summary per contract, and
build/mutation/contracts-<NAME>.json (mutants, status, the failing test, time;
contracts-<NAME>-<filters>.json for a narrowed run), rewritten after every mutant
("complete": false until the last one).`;

type Operator = "guard" | "revert" | "compare" | "rounding";

interface Mutant {
  id: string;
  contract: string;
  file: string;
  line: number;
  operator: Operator;
  original: string;
  mutated: string;
}

interface Outcome {
  mutant: Mutant;
  status: "killed" | "survived" | "invalid" | "timeout";
  /** How many tests failed and the first one (mocha's summary), when killed. */
  failure?: string;
  ms: number;
}

interface Args {
  contracts: string[];
  operators: Operator[];
  limit: number;
  from: number;
  only?: number;
  tests?: string[];
  grep?: string;
  timeout: number;
  baseline: boolean;
  bail: boolean;
  list: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { contracts: [], operators: [], limit: Infinity, from: 1, timeout: 900, baseline: true, bail: true, list: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${x} needs a value (see --help)`);
      return v;
    };
    if (x === "--help" || x === "-h") {
      console.log(HELP.replace("${CONTRACTS}", Object.keys(TARGETS).join(", ")));
      process.exit(0);
    } else if (x === "--contract") {
      const c = value();
      if (!(c in TARGETS)) throw new Error(`unknown contract ${c}: one of ${Object.keys(TARGETS).join(", ")}`);
      a.contracts.push(c);
    } else if (x === "--operator") {
      const o = value();
      if (!["guard", "revert", "compare", "rounding"].includes(o)) throw new Error(`unknown operator ${o}`);
      a.operators.push(o as Operator);
    } else if (x === "--limit") a.limit = Number(value());
    else if (x === "--from") a.from = Number(value());
    else if (x === "--only") a.only = Number(value());
    else if (x === "--tests") a.tests = value().split(",").filter(Boolean);
    else if (x === "--grep") a.grep = value();
    else if (x === "--timeout") a.timeout = Number(value());
    else if (x === "--no-baseline") a.baseline = false;
    else if (x === "--no-bail") a.bail = false;
    else if (x === "--list") a.list = true;
    else throw new UsageError(`unknown option ${x} (see --help)`);
  }
  if (a.contracts.length === 0) a.contracts = Object.keys(TARGETS);
  if (a.operators.length === 0) a.operators = ["guard", "revert", "compare", "rounding"];
  return a;
}

// ------------------------------------------------------------------------------------------------
// Mutants
// ------------------------------------------------------------------------------------------------

/** The code of a line: comments and string literals blanked (same length), so offsets stay valid. */
export function codeOf(line: string): string {
  let out = line.replace(/"(?:[^"\\]|\\.)*"/g, (m) => " ".repeat(m.length));
  const c = out.indexOf("//");
  if (c >= 0) out = out.slice(0, c) + " ".repeat(out.length - c);
  return out;
}

const COMPARE_SWAP: Record<string, string> = { "<": ">=", ">=": "<", ">": "<=", "<=": ">", "==": "!=", "!=": "==" };

/** The rounding-up divisions of a line, each turned into the rounding-down one. */
export function roundingMutants(line: string): string[] {
  const out: string[] = [];
  // (p - 1) / d + 1  ->  p / d
  const ceil = /\((\w+) - 1\) \/ (\w+) \+ 1/g;
  for (const m of line.matchAll(ceil)) out.push(line.slice(0, m.index) + `${m[1]} / ${m[2]}` + line.slice(m.index! + m[0].length));
  // (a + b - 1) / b  ->  (a) / b, b an identifier or a parenthesised group
  const tail = / - 1\) \/ /g;
  for (const m of line.matchAll(tail)) {
    const close = m.index! + " - 1".length; // index of ')'
    let depth = 0;
    let open = -1;
    for (let k = close; k >= 0; k--) {
      if (line[k] === ")") depth++;
      else if (line[k] === "(") {
        depth--;
        if (depth === 0) {
          open = k;
          break;
        }
      }
    }
    if (open < 0) continue;
    const inner = line.slice(open + 1, m.index!);
    const after = line.slice(m.index! + m[0].length);
    let divisor: string;
    if (after.startsWith("(")) {
      let d = 0;
      let end = 0;
      for (let k = 0; k < after.length; k++) {
        if (after[k] === "(") d++;
        else if (after[k] === ")" && --d === 0) {
          end = k;
          break;
        }
      }
      divisor = after.slice(1, end);
    } else divisor = /^[\w.]+/.exec(after)?.[0] ?? "";
    const suffix = ` + ${divisor}`;
    if (divisor === "" || !inner.endsWith(suffix)) continue;
    out.push(line.slice(0, open + 1) + inner.slice(0, inner.length - suffix.length) + line.slice(m.index! + " - 1".length));
  }
  return out;
}

export function mutantsOf(contract: string, file: string, source: string, operators: readonly Operator[]): Mutant[] {
  const lines = source.split("\n");
  const out: Mutant[] = [];
  let inBlockComment = false;
  const add = (line: number, operator: Operator, mutated: string): void => {
    out.push({ id: `${contract}:${line + 1}:${operator}:${out.filter((m) => m.line === line + 1 && m.operator === operator).length}`, contract, file, line: line + 1, operator, original: lines[line]!, mutated });
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const t = raw.trim();
    if (inBlockComment) {
      if (t.includes("*/")) inBlockComment = false;
      continue;
    }
    if (t.startsWith("/*")) {
      if (!t.includes("*/")) inBlockComment = true;
      continue;
    }
    if (t.startsWith("//") || t.startsWith("*") || t.startsWith("pragma") || t.startsWith("import")) continue;
    const code = codeOf(raw);
    if (operators.includes("guard")) {
      const g = /\s*\bnonReentrant\b/.exec(code);
      if (g && !/modifier\s+nonReentrant/.test(code)) {
        const mutated = raw.slice(0, g.index) + raw.slice(g.index + g[0].length);
        // A line that held only the modifier becomes empty.
        add(i, "guard", mutated.trim() === "" ? "" : mutated);
      }
    }
    if (operators.includes("revert")) {
      const r = /\brevert\s+[A-Za-z_][\w.]*\s*\(.*\);/.exec(code);
      if (r) add(i, "revert", raw.slice(0, r.index) + "{}" + raw.slice(r.index + r[0].length));
    }
    if (operators.includes("compare") && !/\bmapping\s*\(/.test(code) && !/^\s*(function|event|error|modifier)\b/.test(code)) {
      for (const m of code.matchAll(/<<=?|>>=?|=>|<=|>=|==|!=|<|>/g)) {
        const op = m[0];
        const swap = COMPARE_SWAP[op];
        if (swap === undefined) continue;
        // `<` and `>` next to a type name are not comparisons (e.g. none in this codebase, but be safe).
        add(i, "compare", raw.slice(0, m.index) + swap + raw.slice(m.index! + op.length));
      }
    }
    if (operators.includes("rounding")) for (const m of roundingMutants(code)) add(i, "rounding", raw.slice(0, 0) + m);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// The copy and the runs
// ------------------------------------------------------------------------------------------------

/** Top-level entries of the repository never copied (node_modules is symlinked instead). */
const NOT_COPIED = new Set(["node_modules", ".git", ".tools"]);
/** Build outputs left out of the copy: earlier mutation runs and scratch space. */
const BUILD_NOT_COPIED = new Set(["mutation", "test-circuits", "tmp"]);
/** Compilation outputs kept from the last run, so the first compile of the copy is incremental. */
const KEPT = new Set(["artifacts", "cache"]);

function prepareCopy(): void {
  mkdirSync(COPY, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if (NOT_COPIED.has(entry)) continue;
    const to = join(COPY, entry);
    if (!KEPT.has(entry)) rmSync(to, { recursive: true, force: true });
    cpSync(join(ROOT, entry), to, {
      recursive: true,
      force: true,
      filter: (src) => !(dirname(src) === join(ROOT, "build") && BUILD_NOT_COPIED.has(basename(src))),
    });
  }
  const nm = join(COPY, "node_modules");
  if (!existsSync(nm)) symlinkSync(join(ROOT, "node_modules"), nm);
  if (!lstatSync(nm).isSymbolicLink()) throw new Error(`${nm} should be a symlink to the shared node_modules`);
}

function runTests(tests: readonly string[], timeoutSeconds: number, bail: boolean, grep?: string): Promise<{ code: number | null; timedOut: boolean; output: string }> {
  return new Promise((done) => {
    const child = spawn("npx", ["hardhat", "test", "mocha", ...(bail ? ["--bail"] : []), ...(grep === undefined ? [] : ["--grep", grep]), ...tests], { cwd: COPY, detached: true, env: { ...process.env, FORCE_COLOR: "0" } });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, timeoutSeconds * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, timedOut, output });
    });
  });
}

/** The first failing test's title in mocha's summary ("  1) suite\n       test:") and how many failed. */
export function failures(output: string): string | undefined {
  const count = /(\d+) failing/.exec(output)?.[1];
  if (count === undefined) return undefined;
  const summary = output.slice(output.indexOf(`${count} failing`));
  const block = /\n\s+1\) ((?:[^\n]+\n)+?)\s+[A-Za-z]*Error/.exec(summary)?.[1];
  const title = block
    ?.split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" / ")
    .replace(/:$/, "");
  return `${count} failing${title ? `, first: ${title}` : ""}`;
}

async function runMutant(m: Mutant, tests: readonly string[], timeout: number, bail: boolean, grep?: string): Promise<Outcome> {
  const path = join(COPY, m.file);
  const original = readFileSync(path, "utf8");
  const lines = original.split("\n");
  if (lines[m.line - 1] !== m.original) throw new Error(`${m.file}:${m.line} changed under the mutant copy`);
  lines[m.line - 1] = m.mutated;
  writeFileSync(path, lines.join("\n"));
  const start = Date.now();
  try {
    const r = await runTests(tests, timeout, bail, grep);
    const ms = Date.now() - start;
    if (r.timedOut) return { mutant: m, status: "timeout", ms };
    const ran = /Running Mocha tests/.test(r.output) && /passing|failing/.test(r.output);
    if (!ran) return { mutant: m, status: "invalid", failure: r.output.split("\n").find((l) => /Error|error/.test(l))?.trim(), ms };
    if (r.code === 0 && !/\d+ failing/.test(r.output)) return { mutant: m, status: "survived", ms };
    return { mutant: m, status: "killed", failure: failures(r.output), ms };
  } finally {
    writeFileSync(path, original);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const plan: { contract: string; mutants: Mutant[]; tests: string[] }[] = [];
  for (const c of args.contracts) {
    const t = TARGETS[c]!;
    const source = readFileSync(join(ROOT, t.file), "utf8");
    let mutants = mutantsOf(c, t.file, source, args.operators);
    if (args.only !== undefined) mutants = mutants.filter((m) => m.line === args.only);
    mutants = mutants.slice(args.from - 1, args.from - 1 + args.limit);
    const tests = (args.tests ?? t.tests).filter((f) => existsSync(join(ROOT, f)));
    plan.push({ contract: c, mutants, tests });
  }
  if (args.list) {
    for (const p of plan) {
      console.log(`${p.contract}: ${p.mutants.length} mutants, suites ${p.tests.join(" ")}`);
      for (const m of p.mutants) console.log(`  ${m.id}\n    - ${m.original.trim()}\n    + ${m.mutated.trim()}`);
    }
    return;
  }
  console.log(`preparing the mutant copy in ${COPY}`);
  prepareCopy();
  mkdirSync(join(ROOT, "build", "mutation"), { recursive: true });
  for (const p of plan) {
    if (p.tests.length === 0) {
      console.log(`${p.contract}: no suite found, skipped`);
      continue;
    }
    console.log(`${p.contract}: ${p.mutants.length} mutants; suites: ${p.tests.join(" ")}`);
    let baseline: { passed: boolean; ms: number } | undefined;
    if (args.baseline) {
      const start = Date.now();
      const r = await runTests(p.tests, args.timeout, false, args.grep);
      // A --grep that matches no test passes vacuously: it must not score mutants as survivors.
      if (/\b0 passing/.test(r.output)) throw new Error(`no test of ${p.contract}'s suites ran${args.grep ? ` (--grep ${args.grep} matches none)` : ""}`);
      baseline = { passed: r.code === 0 && !r.timedOut, ms: Date.now() - start };
      console.log(`  baseline (unmutated): ${baseline.passed ? "passes" : "FAILS"} in ${(baseline.ms / 1000).toFixed(0)} s`);
      if (!baseline.passed) {
        console.log(r.output.slice(-3000));
        throw new Error(`the unmutated suites of ${p.contract} fail: fix them before scoring mutants`);
      }
    }
    // A filtered run (operators, a line, a limit, a start, other suites) gets its own file, so it never overwrites a full run's report.
    const filters = [
      ...(args.operators.length < 4 ? [args.operators.join("+")] : []),
      ...(args.only !== undefined ? [`line${args.only}`] : []),
      ...(args.from > 1 ? [`from${args.from}`] : []),
      ...(Number.isFinite(args.limit) ? [`limit${args.limit}`] : []),
      ...(args.tests !== undefined ? ["tests"] : []),
      ...(args.grep !== undefined ? ["grep"] : []),
    ];
    const out = join(ROOT, "build", "mutation", `contracts-${p.contract}${filters.length ? `-${filters.join("-")}` : ""}.json`);
    const outcomes: Outcome[] = [];
    const score = () => {
      const valid = outcomes.filter((o) => o.status !== "invalid");
      const killed = valid.filter((o) => o.status !== "survived").length;
      const byOperator: Record<string, { killed: number; total: number }> = {};
      for (const o of valid) {
        const b = (byOperator[o.mutant.operator] ??= { killed: 0, total: 0 });
        b.total++;
        if (o.status !== "survived") b.killed++;
      }
      return { killed, valid: valid.length, invalid: outcomes.length - valid.length, ratio: valid.length === 0 ? 0 : killed / valid.length, byOperator };
    };
    const writeReport = (): void => {
      const report = {
        contract: p.contract,
        file: TARGETS[p.contract]!.file,
        suites: p.tests,
        grep: args.grep ?? null,
        bail: args.bail,
        operators: args.operators,
        limit: Number.isFinite(args.limit) ? args.limit : null,
        from: args.from,
        date: new Date().toISOString(),
        complete: outcomes.length === p.mutants.length,
        planned: p.mutants.length,
        baseline,
        score: score(),
        outcomes,
      };
      writeFileSync(out, JSON.stringify(report, null, 2));
    };
    for (const [k, m] of p.mutants.entries()) {
      const o = await runMutant(m, p.tests, args.timeout, args.bail, args.grep);
      outcomes.push(o);
      writeReport();
      console.log(`  [${k + args.from}/${p.mutants.length + args.from - 1}] ${o.status.padEnd(8)} ${m.id}  ${m.mutated.trim() || "(line removed)"}  (${(o.ms / 1000).toFixed(0)} s)${o.failure ? `  <- ${o.failure}` : ""}`);
    }
    writeReport();
    const sc = score();
    console.log(`${p.contract}: score ${sc.killed}/${sc.valid} (${(sc.ratio * 100).toFixed(1)}%), ${sc.invalid} invalid`);
    for (const o of outcomes.filter((x) => x.status === "survived")) console.log(`  survived: ${o.mutant.id}  ${o.mutant.mutated.trim()}`);
    console.log(`  report: ${out}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
