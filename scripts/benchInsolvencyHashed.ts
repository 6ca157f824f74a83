/**
 * `node --import tsx scripts/benchInsolvencyHashed.ts`: the experiment behind README "Liquidation
 * against the 340k target". It measures the one lever that takes the liquidation's Groth16 check
 * from seven public inputs to one: the seven hashed with SHA-256 inside the circuit
 * (circuits/experiments/insolvency_sha256.circom), which a contract recomputes with the SHA-256
 * precompile. For the deployed insolvency circuit (from `npm run build`) and for the experiment it
 * prints constraints, public inputs, the phase-1 power, the median proving time over --runs proofs
 * in the prover process (after one warm-up proof each, not counted), and the gas of `verifyProof`
 * sent as a transaction of its own on an in-process Hardhat network (each verifier exported by
 * snarkjs from its key and compiled here by the npm solc with the project's settings).
 *
 * The experiment's key is a phase-2 key with no contribution: fine for timing and gas, never for
 * use. It is written under build/experiments/ and reused while its circuit is unchanged.
 *
 *   node --import tsx scripts/benchInsolvencyHashed.ts --runs 3
 */
import { network } from "hardhat";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { AbiCoder } from "ethers";
import { packProof, Prover, type CircuitArtifacts } from "../prover/src/index.js";
import { compileCircuit } from "./lib/circuits.js";
import { resolvePtau } from "./lib/ptau.js";
import { loadSnarkjs, terminateCurves } from "./lib/snarkjs.js";
import { exampleInput } from "./lib/proverInputs.js";
import { adaptVerifier } from "./lib/verifiers.js";
import { COMPILER } from "../hardhat.config.js";
import { readKeyMetadata } from "./lib/metadata.js";
import { median, table } from "./lib/format.js";
import { packageFile, paths, rel } from "./lib/paths.js";

const { values: args } = (() => {
  try {
    return parseArgs({ options: { runs: { type: "string", default: "3" }, help: { type: "boolean", short: "h", default: false } } });
  } catch (e) {
    console.error(`benchInsolvencyHashed: ${(e as Error).message} (see --help)`);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(`Usage: node --import tsx scripts/benchInsolvencyHashed.ts [--runs N]

Compiles circuits/experiments/insolvency_sha256.circom (the insolvency statement with its seven
public inputs hashed into one by SHA-256), makes a development key for it (no contribution, under
build/experiments/; the phase-1 file comes from PLIMSOLL_PTAU as in the build), and prints for it
and for the built insolvency circuit: constraints, public inputs, ptau power, the median proving
time over N proofs after one warm-up, and the gas of verifyProof as a transaction of its own.
Needs \`npm run build\` first (the insolvency key and verifier).`);
  process.exit(0);
}
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`benchInsolvencyHashed: --runs must be a positive integer, got ${args.runs}`);
  process.exit(2);
}

const NAME = "insolvency_sha256";
const SOURCE = path.join(paths.root, "circuits", "experiments", `${NAME}.circom`);
const OUT = path.join(paths.build, "experiments");
const ZKEY = path.join(OUT, `${NAME}.zkey`);
const ZKEY_STAMP = `${ZKEY}.source`;
if (!existsSync(paths.zkey("insolvency")) || !existsSync(paths.verifierSol("insolvency"))) {
  console.error("benchInsolvencyHashed: the insolvency key or verifier is missing: run `npm run build` first");
  process.exit(1);
}

/** The one public input: the top 253 bits of sha256(abi.encode(the seven public inputs)). */
function inputsHash(values: readonly bigint[]): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(values.map(() => "uint256"), values);
  const digest = createHash("sha256").update(Buffer.from(encoded.slice(2), "hex")).digest("hex");
  return BigInt(`0x${digest}`) >> 3n;
}

/** Compiles one snarkjs verifier with the project's compiler settings (hardhat.config.ts); returns its ABI and bytecode. */
function compileVerifier(contractName: string, source: string): { abi: unknown[]; bytecode: string } {
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string; version(): string };
  if (!solc.version().startsWith(COMPILER.version)) throw new Error(`npm solc is ${solc.version()}, the project compiles with ${COMPILER.version}`);
  const input = {
    language: "Solidity",
    sources: { [`${contractName}.sol`]: { content: source } },
    settings: { ...COMPILER.settings, outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  const c = out.contracts[`${contractName}.sol`]![contractName]!;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

async function main(): Promise<void> {
  const snarkjs = await loadSnarkjs();
  const info = await compileCircuit({ name: NAME, source: SOURCE }, false);
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(ZKEY) || !existsSync(ZKEY_STAMP) || readFileSync(ZKEY_STAMP, "utf8") !== info.sourceHash) {
    const ptau = await resolvePtau(info.power);
    console.error(`setting up a development key for ${NAME} (${info.constraints} constraints, ptau power ${ptau.power}); minutes...`);
    const t0 = performance.now();
    const tmp = `${ZKEY}.${process.pid}.tmp`;
    await snarkjs.zKey.newZKey(paths.r1cs(NAME), ptau.path, tmp);
    renameSync(tmp, ZKEY);
    writeFileSync(ZKEY_STAMP, info.sourceHash);
    console.error(`  key in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${rel(ZKEY)}`);
  }

  // One input for both circuits: the prover's example insolvency (two seizures), hashed for the experiment.
  const base = await exampleInput("insolvency");
  const seven = ["commitment", "weightsHash", "statement", "seized", "remainderCommitment", "restore", "cap"].map((k) => BigInt(base[k] as string));
  const hashedInput = { inputsHash: inputsHash(seven).toString(), ...base };
  const builtMeta = readKeyMetadata("insolvency");
  const cases: { label: string; artifacts: CircuitArtifacts; zkey: string; input: Record<string, unknown>; constraints: number; nPublic: number; power: number; verifier: string }[] = [
    {
      label: "insolvency (deployed: 7 public inputs)",
      artifacts: { wasmPath: paths.wasm("insolvency"), zkeyPath: paths.zkey("insolvency") },
      zkey: paths.zkey("insolvency"),
      input: base,
      constraints: builtMeta.constraints,
      nPublic: builtMeta.nPublic,
      power: builtMeta.ptau.power,
      verifier: readFileSync(paths.verifierSol("insolvency"), "utf8"),
    },
    {
      label: "insolvency_sha256 (experiment: 1 public input)",
      artifacts: { wasmPath: paths.wasm(NAME), zkeyPath: ZKEY },
      zkey: ZKEY,
      input: hashedInput,
      constraints: info.constraints,
      nPublic: info.nPublic,
      power: info.power,
      verifier: adaptVerifier(
        (await snarkjs.zKey.exportSolidityVerifier(ZKEY, { groth16: readFileSync(packageFile("snarkjs", "templates", "verifier_groth16.sol.ejs"), "utf8") })) as string,
        "InsolvencySha256Verifier",
      ),
    },
  ];

  const { ethers } = await network.connect();
  const prover = new Prover();
  const rows: string[][] = [];
  const json: Record<string, unknown>[] = [];
  try {
    for (const c of cases) {
      console.error(`proving ${c.label}: 1 warm-up + ${runs}...`);
      await prover.prove(c.artifacts, c.input);
      const outs = [];
      for (let i = 0; i < runs; i++) outs.push(await prover.prove(c.artifacts, c.input));
      const ms = outs.map((o) => o.witnessMs + o.proveMs);
      const last = outs.at(-1)!;
      const vkey = await snarkjs.zKey.exportVerificationKey(c.zkey);
      if (!(await snarkjs.groth16.verify(vkey, last.publicSignals, last.proof))) throw new Error(`${c.label}: the proof does not verify`);

      const contractName = /contract\s+(\w+Verifier)\b/.exec(c.verifier)![1]!;
      const { abi, bytecode } = compileVerifier(contractName, c.verifier);
      const [signer] = await ethers.getSigners();
      const verifier = await (await new ethers.ContractFactory(abi as never, bytecode, signer).deploy()).waitForDeployment();
      const p = packProof(last.proof);
      const pub = last.publicSignals.map((x) => BigInt(x));
      const verifyFn = verifier.getFunction("verifyProof");
      if (!(await verifyFn.staticCall(p.a, p.b, p.c, pub))) throw new Error(`${c.label}: the Solidity verifier rejects the proof`);
      const gas = await verifyFn.estimateGas(p.a, p.b, p.c, pub);
      rows.push([c.label, c.constraints.toLocaleString("en-US"), String(c.nPublic), String(c.power), `${(median(ms) / 1000).toFixed(2)} s`, gas.toLocaleString("en-US")]);
      json.push({ circuit: c.label, constraints: c.constraints, publicInputs: c.nPublic, ptauPower: c.power, medianProveMs: Math.round(median(ms)), verifyProofTxGas: Number(gas) });
    }
  } finally {
    await prover.close();
    await terminateCurves();
  }
  console.log(table(["circuit", "constraints", "public", "ptau power", `prove (median of ${runs})`, "verifyProof tx gas"], rows));
  const [deployed, hashed] = json as { verifyProofTxGas: number; medianProveMs: number }[];
  console.log(`\nverifyProof gas saved by hashing the inputs: ${(deployed!.verifyProofTxGas - hashed!.verifyProofTxGas).toLocaleString("en-US")}`
    + ` (the calling contract adds the SHA-256 precompile over 224 bytes, 60 + 12 x 7 = 144 gas, and the call: an estimate);`
    + ` proving time x${(hashed!.medianProveMs / deployed!.medianProveMs).toFixed(1)}`);
  console.log(JSON.stringify(json));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
