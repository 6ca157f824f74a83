/**
 * `node --import tsx scripts/benchProver.ts`: CPU time per Groth16 proof, snarkjs 0.7.6
 * `groth16.prove` against the warm prover (prover/src/groth16Warm.mjs, what the prover's child
 * process runs), on the same witness, alternately in one process, several rounds. CPU is
 * process.cpuUsage (user + system, every thread of the process: the curve's worker threads too).
 * The warm prover's first proof, which parses the key, is reported apart and not in the medians, and
 * so is its QAP step alone (A.w, B.w, C in wasm; snarkjs's JavaScript buildABC1 has no export to time).
 * Every warm proof is verified against the key's vkey (outside the timing).
 *
 *   node --import tsx scripts/benchProver.ts --rounds 5 --single --circuits reserves_batch
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { artifacts, loadSnarkjs, terminateCurves } from "../prover/src/index.js";
import { buildABC, groth16ProveWarm, keyParseCount, loadKey, readWitness } from "../prover/src/groth16Warm.mjs";
import { EXAMPLE_CIRCUITS, exampleInput, type ExampleCircuit } from "./lib/proverInputs.js";
import { median, table } from "./lib/format.js";

/** A bad command line: the message and a pointer to --help on stderr, exit 2. */
function usageError(message: string): never {
  console.error(`bench:prover: ${message} (see --help)`);
  process.exit(2);
}
const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        rounds: { type: "string", default: "3" },
        single: { type: "boolean", default: false },
        circuits: { type: "string", default: EXAMPLE_CIRCUITS.join(",") },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    return usageError((e as Error).message);
  }
})();
if (args.help) {
  console.log(`Usage: npm run bench:prover [-- options]
       node --import tsx scripts/benchProver.ts [--rounds N] [--single] [--circuits ${EXAMPLE_CIRCUITS.join(",")}]

CPU ms and wall ms per proof (medians of N rounds), snarkjs groth16.prove and the warm prover alternately
on the same witness. --single proves on one thread (snarkjs's singleThread option, for both).`);
  process.exit(0);
}
const rounds = Number(args.rounds);
if (!/^[0-9]+$/.test(args.rounds) || rounds < 1) usageError(`--rounds must be a positive integer, got ${args.rounds}`);
const circuits = args.circuits.split(",") as ExampleCircuit[];
for (const c of circuits) if (!EXAMPLE_CIRCUITS.includes(c)) usageError(`unknown circuit ${c}: one of ${EXAMPLE_CIRCUITS.join(", ")}`);
const options = { singleThread: args.single };
const snarkjs = await loadSnarkjs();

async function measure(f: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number; out: unknown }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs, out };
}

const rows: string[][] = [];
const results: Record<string, unknown> = {};
for (const circuit of circuits) {
  const paths = artifacts.circuit(circuit);
  const zkey = new Uint8Array(readFileSync(paths.zkeyPath));
  const vkey = JSON.parse(readFileSync(artifacts.vkey(circuit), "utf8"));
  const wtns = { type: "mem" } as { type: "mem"; data: Uint8Array };
  await snarkjs.wtns.calculate(await exampleInput(circuit), new Uint8Array(readFileSync(paths.wasmPath)), wtns as never);
  const warm = async () => {
    const { proof, publicSignals } = await groth16ProveWarm(zkey, wtns.data, options);
    return { proof, publicSignals };
  };
  // The shared types/snarkjs.d.ts leaves out prove's fourth argument (options).
  const prove = snarkjs.groth16.prove as unknown as (zkey: unknown, wtns: unknown, logger: unknown, options: unknown) => Promise<unknown>;
  const reference = () => prove({ type: "mem", data: zkey }, wtns, undefined, options);
  const parsesBefore = keyParseCount();
  const first = await measure(warm);
  const ref: { cpuMs: number; wallMs: number }[] = [];
  const mine: { cpuMs: number; wallMs: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always runs right after the other's garbage.
    const order = r % 2 === 0 ? [reference, warm] : [warm, reference];
    for (const f of order) {
      const m = await measure(f);
      (f === warm ? mine : ref).push(m);
      if (f === warm) {
        const { proof, publicSignals } = m.out as { proof: never; publicSignals: never };
        if (!(await snarkjs.groth16.verify(vkey, publicSignals, proof))) throw new Error(`${circuit}: a warm proof does not verify`);
      }
    }
  }
  const key = await loadKey(zkey);
  const witness = readWitness(key, wtns.data);
  const curve = await (snarkjs.curves.getCurveFromName as (name: string, o: object) => Promise<unknown>)("bn128", options);
  const qap: { cpuMs: number; wallMs: number }[] = [];
  for (let r = 0; r < rounds; r++) qap.push(await measure(() => buildABC(curve, key, witness)));
  const med = (xs: { cpuMs: number; wallMs: number }[], k: "cpuMs" | "wallMs") => Math.round(median(xs.map((x) => x[k])));
  const out = {
    snarkjsCpuMs: med(ref, "cpuMs"), warmCpuMs: med(mine, "cpuMs"),
    snarkjsWallMs: med(ref, "wallMs"), warmWallMs: med(mine, "wallMs"),
    firstWarmCpuMs: Math.round(first.cpuMs), keyParses: keyParseCount() - parsesBefore, warmQapCpuMs: med(qap, "cpuMs"),
  };
  results[circuit] = out;
  rows.push([circuit, `${out.snarkjsCpuMs}`, `${out.warmCpuMs}`, `${Math.round((100 * (out.snarkjsCpuMs - out.warmCpuMs)) / out.snarkjsCpuMs)}%`,
    `${out.snarkjsWallMs}`, `${out.warmWallMs}`, `${out.firstWarmCpuMs}`, `${out.keyParses}`, `${out.warmQapCpuMs}`]);
}
console.log(`${rounds} rounds, ${args.single ? "single-threaded" : "thread pool"}; medians`);
console.log(table(["circuit", "snarkjs CPU ms", "warm CPU ms", "saved", "snarkjs wall ms", "warm wall ms", "first warm CPU ms", "key parses", "warm QAP CPU ms"], rows));
console.log(JSON.stringify({ rounds, singleThread: args.single, results }));
await terminateCurves();
process.exit(0);
