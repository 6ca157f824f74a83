/**
 * `npm run bench:reserves -- --breakdown`: where the batch circuit's constraints go (each part compiled
 * alone) and where one batch proof's time goes (snarkjs' debug messages, timed in this process).
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import {
  BALANCE_BITS,
  BATCH_LEVELS,
  BATCH_SIZE,
  defaultArtifacts,
  FRONTIER_SIZE,
  initPoseidon,
  N_ASSETS,
  planPeriod,
  reserveWeights,
  terminateCurves,
  toCircuitInput,
  TREE_DEPTH,
} from "../../prover/src/index.js";
import { table } from "./format.js";
import { powerFor } from "./circuits.js";
import { readKeyMetadata } from "./metadata.js";
import { packageBin, packageVersion, paths } from "./paths.js";

/**
 * The parts of ReservesBatch(BATCH_SIZE, N_ASSETS, TREE_DEPTH), each compiled alone as a main with
 * circom2 --O2, times how often the batch uses it; "glue" is the rest (booleans, selections).
 */
export async function printReservesBreakdown(): Promise<void> {
  const B = BATCH_SIZE;
  const F = FRONTIER_SIZE;
  const parts: { name: string; main: string; perBatch: number; perClient: boolean }[] = [
    { name: "balance range checks (2N x RangeCheck(64))", main: `RangeCheckArray(${2 * N_ASSETS}, ${BALANCE_BITS})`, perBatch: B, perClient: true },
    { name: "health (ReservesHealth)", main: `ReservesHealth(${N_ASSETS})`, perBatch: B, perClient: true },
    { name: "id order (RangeCheck(248) of the gap)", main: "RangeCheck(248)", perBatch: B, perClient: true },
    { name: "leaf hash (ReservesLeafHash)", main: `ReservesLeafHash(${N_ASSETS})`, perBatch: B, perClient: true },
    { name: "batch subtree (MerkleSubtreeRoot)", main: `MerkleSubtreeRoot(${B})`, perBatch: 1, perClient: false },
    { name: "tree append (FrontierAppend)", main: `FrontierAppend(${BATCH_LEVELS}, ${F})`, perBatch: 1, perClient: false },
    { name: "sums hash, in and out (ReservesSumsHash)", main: `ReservesSumsHash(${N_ASSETS})`, perBatch: 2, perClient: false },
    { name: "frontier hash, in and out (Poseidon(F))", main: `Poseidon(${F})`, perBatch: 2, perClient: false },
    { name: "state hash, in and out (ReservesStateHash)", main: "ReservesStateHash()", perBatch: 2, perClient: false },
    { name: "weights hash (2 WeightsHash + Poseidon(2))", main: `WeightsHash(${N_ASSETS})`, perBatch: 2, perClient: false },
    { name: "  its Poseidon(2)", main: "Poseidon(2)", perBatch: 1, perClient: false },
    { name: "period tag range (RangeCheck(192))", main: "RangeCheck(192)", perBatch: 1, perClient: false },
    { name: "  the last id range", main: "RangeCheck(248)", perBatch: 1, perClient: false },
  ];
  const dir = path.join(paths.build, "bench-reserves", "templates");
  mkdirSync(dir, { recursive: true });
  const rows: string[][] = [];
  let counted = 0;
  for (const [k, part] of parts.entries()) {
    const main = path.join(dir, `part${k}.circom`);
    writeFileSync(main, `pragma circom 2.1.6;\ninclude "../../../circuits/src/reserves.circom";\ncomponent main = ${part.main};\n`);
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, [packageBin("circom2"), path.relative(paths.root, main), "--r1cs", "--O2", "-l", "node_modules", "-o", path.relative(paths.root, dir)], { cwd: paths.root });
      let text = "";
      c.stdout!.on("data", (b: Buffer) => (text += b.toString()));
      c.stderr!.on("data", (b: Buffer) => (text += b.toString()));
      c.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`circom2 failed on ${part.main}: ${text}`))));
    });
    const n = Number(/non-linear constraints: (\d+)/.exec(out.replace(/\u001b\[[0-9;]*m/g, ""))?.[1]);
    counted += n * part.perBatch;
    rows.push([part.name, part.main, n.toLocaleString("en-US"), `x ${part.perBatch}${part.perClient ? " (per client)" : ""}`, (n * part.perBatch).toLocaleString("en-US")]);
  }
  const total = readKeyMetadata("reserves_batch").constraints;
  rows.push(["glue (booleans, padding, selections, the genesis checks)", "", "", "", (total - counted).toLocaleString("en-US")]);
  rows.push(["ReservesBatch (build/keys/reserves_batch.json)", "", "", "", total.toLocaleString("en-US")]);
  console.log(`Constraints of ReservesBatch(${B}, ${N_ASSETS}, ${TREE_DEPTH}) by part (each template compiled alone, circom2 --O2)`);
  console.log(table(["part", "template", "constraints", "uses per batch", "in the batch"], rows));
  rmSync(dir, { recursive: true, force: true });

  // Where one batch proof's time goes: snarkjs' own debug messages, timed in this process.
  const snarkjs = (await import("snarkjs")) as unknown as {
    wtns: { calculate(input: unknown, wasm: unknown, out: unknown): Promise<void> };
    groth16: { prove(zkey: unknown, wtns: unknown, logger?: unknown): Promise<unknown> };
  };
  const art = defaultArtifacts().batch;
  const wasm = { type: "mem", data: new Uint8Array(readFileSync(art.wasmPath)) };
  const zkey = { type: "mem", data: new Uint8Array(readFileSync(art.zkeyPath)) };
  const hb = await initPoseidon();
  // BATCH_SIZE healthy clients at a flat price, two assets each: the witness has the shape of a real batch.
  const weights = reserveWeights(new Array<bigint>(N_ASSETS).fill(10n ** 8n), new Array<bigint>(N_ASSETS).fill(10n ** 17n));
  const clients = Array.from({ length: BATCH_SIZE }, (_, k) => {
    const assets = new Array<bigint>(N_ASSETS).fill(0n);
    const liabilities = new Array<bigint>(N_ASSETS).fill(0n);
    assets[k % N_ASSETS] = 10n ** 12n + BigInt(k);
    assets[(k + 5) % N_ASSETS] = 3n * 10n ** 9n;
    liabilities[(k + 9) % N_ASSETS] = 10n ** 8n;
    return { id: `phase-${k}`, assets, liabilities };
  });
  const input = toCircuitInput(planPeriod({ h: hb, custodian: "0x5b38da6a701c568545dcfcb03fcb875f56beddc4", periodIndex: 0, clients, weights }).batches[0]!.input);
  const meta = readKeyMetadata("reserves_batch");
  const domain = `2^${powerFor(meta.constraints, meta.nPublic)}`;
  const phases = new Map<string, number>();
  let last = 0;
  const phaseOf = (m: string): string => {
    const msm = /^Multiexp end: multiexp (\w+)/.exec(m);
    if (msm) return `multi-exponentiation ${msm[1]}${msm[1] === "H" ? `, over the ${domain} domain` : ", over the wires"}${msm[1] === "B2" ? " (G2)" : ""}`;
    if (/FFT/.test(m)) return `FFTs (domain ${domain})`;
    if (/^QAP/.test(m)) return "QAP: A.w, B.w, C over the R1CS coefficients";
    return "other (reading the key and the witness)";
  };
  const logger = {
    debug: (m: string): void => {
      const t = performance.now();
      const k = phaseOf(m);
      phases.set(k, (phases.get(k) ?? 0) + t - last);
      last = t;
    },
    info: (): void => {},
    warn: (): void => {},
    error: (m: string): void => console.error(m),
  };
  let witnessMs = 0;
  for (let round = 0; round < 2; round++) {
    // Round 0 warms up (curve threads, key sections); round 1 is reported.
    phases.clear();
    const w = { type: "mem" };
    const t0 = performance.now();
    await snarkjs.wtns.calculate(input, wasm, w);
    witnessMs = performance.now() - t0;
    last = performance.now();
    await snarkjs.groth16.prove(zkey, w, round === 1 ? logger : undefined);
  }
  const tail = performance.now() - last; // after snarkjs' last message: the proof's final assembly
  phases.set("other (reading the key and the witness)", (phases.get("other (reading the key and the witness)") ?? 0) + tail);
  const totalMs = [...phases.values()].reduce((a, b) => a + b, 0);
  await terminateCurves();
  console.log(`\nOne batch proof in this process (snarkjs ${packageVersion("snarkjs")}, its debug messages timed; load average ${loadavg()[0]!.toFixed(2)})`);
  console.log(table(["phase", "ms", "share"], [
    ["witness (wasm calculator)", String(Math.round(witnessMs)), `${((100 * witnessMs) / (witnessMs + totalMs)).toFixed(0)}%`],
    ...[...phases.entries()].map(([k, ms]) => [k, String(Math.round(ms)), `${((100 * ms) / (witnessMs + totalMs)).toFixed(0)}%`]),
    ["total", String(Math.round(witnessMs + totalMs)), "100%"],
  ]));
}
