// Child process that runs snarkjs Groth16 proving off the caller's thread.
// A child process, not a worker thread: snarkjs's thread pool (web-worker) cannot start inside
// a worker thread, while in its own process it uses every core.
// Plain JavaScript on purpose: it needs no TypeScript loader in whatever process spawns it.
// Proofs come from the warm prover (groth16Warm.mjs: each key parsed once, the QAP in wasm); a key it
// does not handle (UnsupportedKeyError: not a bn128 Groth16 key) is proved by snarkjs.groth16.prove.
// Messages in:  { id, input, wasmPath, zkeyPath }
// Messages out: { id, type: "progress", stage } | { id, type: "done", proof, publicSignals, witnessMs, proveMs } | { id, type: "error", message }
import { readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { groth16ProveWarm, UnsupportedKeyError } from "./groth16Warm.mjs";

const files = new Map();

// The parent went away (closed the prover or died): nothing will ever ask for a proof again.
process.on("disconnect", () => process.exit(0));

async function load(path) {
  let data = files.get(path);
  if (data === undefined) {
    data = new Uint8Array(await readFile(path));
    files.set(path, data);
  }
  return { type: "mem", data };
}

async function prove(zkey, wtns) {
  try {
    return await groth16ProveWarm(zkey.data, wtns.data);
  } catch (err) {
    if (!(err instanceof UnsupportedKeyError)) throw err;
    return snarkjs.groth16.prove(zkey, wtns);
  }
}

process.on("message", async ({ id, input, wasmPath, zkeyPath }) => {
  try {
    const [wasm, zkey] = await Promise.all([load(wasmPath), load(zkeyPath)]);
    process.send({ id, type: "progress", stage: "witness" });
    const t0 = performance.now();
    const wtns = { type: "mem" };
    await snarkjs.wtns.calculate(input, wasm, wtns);
    const t1 = performance.now();
    process.send({ id, type: "progress", stage: "prove" });
    const { proof, publicSignals } = await prove(zkey, wtns);
    const t2 = performance.now();
    process.send({ id, type: "done", proof, publicSignals, witnessMs: t1 - t0, proveMs: t2 - t1 });
  } catch (err) {
    process.send({ id, type: "error", message: err instanceof Error ? err.message : String(err) });
  }
});
