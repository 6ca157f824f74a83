/**
 * `npm run bench:notes`: the shielded pool's figures on this machine.
 *
 *   - constraints, public inputs and phase-1 power of note_join_split and note_batch_insert (r1cs);
 *   - proving time of each (warm child-process prover, witness included), median of --runs;
 *   - gas (transaction gas, 21k base and calldata included) of shield, a full batch insertion (per
 *     leaf too), a flush of one note, a 2-in/2-out transfer, an unshield through a relayer to a
 *     fresh address, all with real proofs on an in-process Hardhat network;
 *   - accounts absorbing and emitting notes on the full system (scripts/lib/world.ts): constraints and
 *     proving time of account_absorb and account_emit, gas of an absorb (first update of an account,
 *     and a later one) and of an emit with an open position;
 *   - the alternative, measured: zk-kit's lean IMT (poseidon-solidity PoseidonT3) insert at small
 *     sizes (real inserts) and at 2^20 leaves (its storage seeded at that size with non-zero side
 *     nodes, as a long-lived tree has; the cost depends only on the index's bits and the depth),
 *     and one Poseidon(2) on-chain (poseidon-solidity and circomlibjs).
 *
 *   npm run bench:notes -- --runs 5 [--json]
 */
import { network } from "hardhat";
import { ContractFactory, Wallet, type Signer } from "ethers";
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { artifacts } from "../prover/src/index.js";
import { getBabyJub } from "../prover/src/index.js";
import { initPoseidonEx } from "../prover/src/index.js";
import { Prover } from "../prover/src/index.js";
import { notes } from "../prover/src/index.js";
import { deployPool, fundShielder, poseidonT3LibraryName, type PoolWorld } from "../test/notes/fixture.js";
import { createWorld, seedPool, traderFor } from "./lib/world.js";
import type { LeanIMTBench } from "../types/ethers-contracts/index.js";
import { median } from "./lib/format.js";

const {
  ABSORB_CIRCUIT,
  EMIT_CIRCUIT,
  planAbsorb,
  planEmit,
  BATCH_INSERT_CIRCUIT,
  JOIN_SPLIT_CIRCUIT,
  NOTE_BATCH_SIZE,
  NOTE_MAX_BATCHES,
  NOTE_TREE_DEPTH_BITS,
  NOTE_TREE_LEVELS,
  NoteWallet,
  encryptedStruct,
  proveBatchInsert,
  proveJoinSplit,
  randomFieldElement,
  randomNoteKeys,
  spendOf,
} = notes;

const HELP = `Usage: npm run bench:notes [-- options]

The shielded pool's figures on an in-process Hardhat network with real proofs: constraints, public
inputs and phase-1 power of the note circuits; proving time (median of --runs); gas of shield, batch
insertion, flush, transfer and unshield; absorb and emit on the full system; zk-kit's lean IMT and
one on-chain Poseidon for comparison. Needs \`npm run build\`.

Options:
  --runs N     proofs per circuit (default 5)
  --json       print the figures as JSON only
  -h, --help   this text

Exit status: 0 done, 1 on a failure, 2 on a usage error.`;

const { values: args } = (() => {
  try {
    return parseArgs({ options: { runs: { type: "string", default: "5" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    console.error(`bench:notes: ${(e as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);
const log = (s: string): void => {
  if (!args.json) console.error(s);
};
const fmt = (x: number | bigint): string => Number(x).toLocaleString("en-US");

/** Constraints and public inputs from an r1cs header. */
function r1csInfo(file: string): { constraints: number; publicInputs: number; publicOutputs: number } {
  const b = readFileSync(file);
  let off = 12;
  const sections = b.readUInt32LE(8);
  for (let i = 0; i < sections; i++) {
    const type = b.readUInt32LE(off);
    const size = Number(b.readBigUInt64LE(off + 4));
    const start = off + 12;
    if (type === 1) {
      const n8 = b.readUInt32LE(start);
      const p = start + 4 + n8;
      // nWires, nPubOut, nPubIn, nPrvIn (u32 each), nLabels (u64), mConstraints (u32)
      return { publicOutputs: b.readUInt32LE(p + 4), publicInputs: b.readUInt32LE(p + 8), constraints: b.readUInt32LE(p + 24) };
    }
    off = start + size;
  }
  throw new Error(`${file}: no r1cs header`);
}

const power = (n: number): number => Math.ceil(Math.log2(n + 1));

const h = await initPoseidonEx();
const bj = await getBabyJub();
const { ethers } = await network.create();
const signers = (await ethers.getSigners()) as unknown as Signer[];
const prover = new Prover();

try {
  // --- Circuits -------------------------------------------------------------------------------
  const circuits = [JOIN_SPLIT_CIRCUIT, BATCH_INSERT_CIRCUIT, ABSORB_CIRCUIT, EMIT_CIRCUIT].map((name) => {
    const info = r1csInfo(artifacts.r1cs(name));
    return { circuit: name, ...info, phase1Power: power(info.constraints + info.publicInputs + info.publicOutputs), proveMs: [] as number[], cpuMs: [] as number[], inProcessMs: [] as number[] };
  });

  // --- Pool with real proofs ------------------------------------------------------------------
  log("deploying the pool and shielding 16 notes...");
  const w: PoolWorld = await deployPool(ethers);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const dir = mkdtempSync(path.join(tmpdir(), "plimsoll-bench-notes-"));
  const wallet = await NoteWallet.create({ keys: randomNoteKeys(h, bj), path: path.join(dir, "a.json"), chainId, pool: await w.pool.getAddress() });
  const friend = await NoteWallet.create({ keys: randomNoteKeys(h, bj), path: path.join(dir, "b.json"), chainId, pool: await w.pool.getAddress() });
  const shieldGas: bigint[] = [];
  for (let i = 0; i < NOTE_BATCH_SIZE; i++) {
    const who = signers[1 + (i % 8)]!;
    await fundShielder(w, 0, who, 1_000_000n);
    const s = wallet.planShield(0, 1_000n + BigInt(i));
    shieldGas.push((await (await w.pool.connect(who).shield(0, 1_000n + BigInt(i), s.inner, encryptedStruct(s.encrypted))).wait())!.gasUsed);
  }
  await wallet.scan(ethers.provider);

  const batchPlan = wallet.planBatchInsert()!;
  const batchProof = await proveBatchInsert(prover, batchPlan);
  const fullBatchGas = (await (await w.pool.insertBatch(batchPlan.newRoot, batchPlan.count, batchProof.proof)).wait())!.gasUsed;

  // Proving time, batch circuit (same witness, the prover kept warm).
  log(`proving ${BATCH_INSERT_CIRCUIT} ${runs} times...`);
  for (let i = 0; i < runs; i++) circuits[1]!.proveMs.push((await proveBatchInsert(prover, batchPlan)).ms);

  await wallet.scan(ethers.provider);
  // transfer 2-in/2-out
  const t = wallet.planTransfer({ to: friend.address, slot: 0, amount: 1_500n });
  const tp = await proveJoinSplit(prover, t.plan);
  const transferGas = (await (await w.pool.transfer(tp.proof, spendOf(t.plan), [encryptedStruct(t.encrypted[0]), encryptedStruct(t.encrypted[1])])).wait())!.gasUsed;
  log(`proving ${JOIN_SPLIT_CIRCUIT} ${runs} times...`);
  for (let i = 0; i < runs; i++) circuits[0]!.proveMs.push((await proveJoinSplit(prover, t.plan)).ms);

  // flush of the 2 outputs
  await wallet.scan(ethers.provider);
  const flushPlan = wallet.planBatchInsert()!;
  const flushGas = (await (await w.pool.insertBatch(flushPlan.newRoot, flushPlan.count, (await proveBatchInsert(prover, flushPlan)).proof)).wait())!.gasUsed;
  await wallet.scan(ethers.provider);
  await friend.scan(ethers.provider);

  // unshield through a relayer to a fresh address (the relayer already holds the token: it has earned fees before)
  const relayer = signers[10]!;
  await w.tokens[0]!.mint(await relayer.getAddress(), 1n);
  const recipient = Wallet.createRandom().address;
  const u = friend.planUnshield({ slot: 0, amount: 1_000n, recipient, relayer: await relayer.getAddress(), fee: 10n });
  const up = await proveJoinSplit(prover, u.plan);
  const unshieldGas = (await (await w.pool.connect(relayer).unshield(up.proof, spendOf(u.plan), 0, 1_000n, recipient, await relayer.getAddress(), 10n, [encryptedStruct(u.encrypted[0]), encryptedStruct(u.encrypted[1])])).wait())!.gasUsed;
  // and with a relayer that never held the token
  const relayer2 = signers[11]!;
  const recipient2 = Wallet.createRandom().address;
  await wallet.scan(ethers.provider);
  const u2 = wallet.planUnshield({ slot: 0, amount: 100n, recipient: recipient2, relayer: await relayer2.getAddress(), fee: 1n });
  const up2 = await proveJoinSplit(prover, u2.plan);
  const unshieldFreshGas = (await (await w.pool.connect(relayer2).unshield(up2.proof, spendOf(u2.plan), 0, 100n, recipient2, await relayer2.getAddress(), 1n, [encryptedStruct(u2.encrypted[0]), encryptedStruct(u2.encrypted[1])])).wait())!.gasUsed;

  // one-note flush (the worst case per leaf): a shield then its flush
  await fundShielder(w, 0, signers[1]!, 5n);
  const s1 = wallet.planShield(0, 5n);
  await (await w.pool.connect(signers[1]!).shield(0, 5n, s1.inner, encryptedStruct(s1.encrypted))).wait();
  await wallet.scan(ethers.provider);
  // the unshields queued 4 change notes: flush them with the new one (5 leaves), then a flush of 1
  const p5 = wallet.planBatchInsert()!;
  await (await w.pool.insertBatch(p5.newRoot, p5.count, (await proveBatchInsert(prover, p5)).proof)).wait();
  await fundShielder(w, 0, signers[1]!, 5n);
  const s2 = wallet.planShield(0, 5n);
  await (await w.pool.connect(signers[1]!).shield(0, 5n, s2.inner, encryptedStruct(s2.encrypted))).wait();
  await wallet.scan(ethers.provider);
  const p1 = wallet.planBatchInsert()!;
  const flush1Gas = (await (await w.pool.insertBatch(p1.newRoot, p1.count, (await proveBatchInsert(prover, p1)).proof)).wait())!.gasUsed;

  // --- Accounts absorb and emit notes (the full system) ----------------------------------------
  log("deploying the full system; an account absorbs two notes and emits one...");
  const world = await createWorld(ethers, { prover });
  const [, , , , , , , , , , , , shielder, lp, owner] = signers;
  await seedPool(world, lp!, 1_000_000n * 10n ** 6n);
  const worldPool = world.d.shieldedPool as unknown as typeof w.pool;
  const own = await NoteWallet.create({ keys: randomNoteKeys(h, bj), path: path.join(dir, "own.json"), chainId, pool: await worldPool.getAddress() });
  for (const amount of [4_000n * 10n ** 6n, 1_000n * 10n ** 6n]) {
    const usdc = world.d.tokens[0]!.connect(shielder!) as typeof world.d.tokens[0];
    await (await usdc.mint(await shielder!.getAddress(), amount)).wait();
    await (await usdc.approve(await worldPool.getAddress(), amount)).wait();
    const s = own.planShield(0, amount);
    await (await worldPool.connect(shielder!).shield(0, amount, s.inner, encryptedStruct(s.encrypted))).wait();
  }
  await own.scan(ethers.provider);
  const ownBatch = own.planBatchInsert()!;
  await (await worldPool.insertBatch(ownBatch.newRoot, ownBatch.count, (await proveBatchInsert(prover, ownBatch)).proof)).wait();
  await own.scan(ethers.provider);
  const trader = await traderFor(world, owner!);
  const [n0, n1] = own.notes();
  const absorbFirstGas = (await trader.absorbNote({ note: n0!, spendingSecret: own.keys.spendingSecret, tree: own.tree })).gasUsed;
  const absorbGas = (await trader.absorbNote({ note: n1!, spendingSecret: own.keys.spendingSecret, tree: own.tree })).gasUsed;
  await trader.trade(1, 10n ** 16n); // 0.01 BTC-PERP: the emit must clear initial margin
  const out = own.planShield(0, 500n * 10n ** 6n);
  const emitGas = (await trader.emitNote(out.note, out.encrypted)).gasUsed;
  // proving time: the same plans again (proved, not sent)
  const epoch = BigInt(await world.d.oracle.currentEpoch());
  const keeper = { crypto: await (await import("../prover/src/index.js")).initNoteCrypto(), keeper: { keeperId: world.keeper.keeperId, key: world.keeper.key.publicKey }, nonce: epoch };
  const weights = (await world.d.oracle.weightVectors())[0].map(BigInt);
  const absorbInput = planAbsorb(h, trader.opening, { note: n1!, spendingSecret: own.keys.spendingSecret, tree: own.tree }, weights, keeper).input;
  const emitInput = planEmit(h, trader.opening, own.planShield(0, 100n).note, 0n, weights, keeper).input;
  for (const [c, input] of [[circuits[2]!, absorbInput], [circuits[3]!, emitInput]] as const) {
    log(`proving ${c.circuit} ${runs} times...`);
    for (let i = 0; i < runs; i++) {
      const r = await prover.prove(artifacts.circuit(c.circuit), input);
      c.proveMs.push(r.witnessMs + r.proveMs);
    }
  }

  // In-process proving (snarkjs library in this process): wall and CPU time (all threads), so that
  // a figure measured on a loaded machine can still be read.
  log(`proving in-process ${runs} times each (CPU time)...`);
  const snarkjs = (await import("snarkjs")) as unknown as { groth16: { fullProve(i: unknown, w: string, z: string): Promise<unknown> } };
  for (const [c, input] of [[circuits[0]!, t.plan.input], [circuits[1]!, batchPlan.input], [circuits[2]!, absorbInput], [circuits[3]!, emitInput]] as const) {
    const a = artifacts.circuit(c.circuit);
    await snarkjs.groth16.fullProve(input, a.wasmPath, a.zkeyPath); // warm-up
    for (let i = 0; i < runs; i++) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      await snarkjs.groth16.fullProve(input, a.wasmPath, a.zkeyPath);
      c.inProcessMs.push(performance.now() - t0);
      const d = process.cpuUsage(cpu);
      c.cpuMs.push((d.user + d.system) / 1000);
    }
  }
  const loadAverage = (await import("node:os")).loadavg();

  // --- Lean IMT, measured ---------------------------------------------------------------------
  log("measuring zk-kit's lean IMT...");
  const poseidonT3 = w.poseidonT3;
  const leanFactory = await ethers.getContractFactory("LeanIMTBench", { libraries: { [poseidonT3LibraryName()]: poseidonT3 } });
  const newLean = async (): Promise<LeanIMTBench> => (await (await leanFactory.deploy()).waitForDeployment()) as unknown as LeanIMTBench;
  const lean = await newLean();
  const smallGas: bigint[] = [];
  for (let i = 0; i < 64; i++) smallGas.push((await (await lean.insert(randomFieldElement())).wait())!.gasUsed);
  const leanAt = async (index: number): Promise<bigint> => {
    const c = await newLean();
    const depth = index === 0 ? 0 : Math.ceil(Math.log2(index));
    await (await c.seed(index, depth, Array.from({ length: depth + 1 }, () => randomFieldElement()))).wait();
    return (await (await c.insert(randomFieldElement())).wait())!.gasUsed;
  };
  const ones = (x: number): number => x.toString(2).split("").filter((c) => c === "1").length;
  const seeded: { index: number; bits: number; depth: number; gas: bigint }[] = [];
  const indices = [2 ** 20 - 1, 2 ** 19 + 0x55555, 2 ** 19, 2 ** 20 - 2 ** 10];
  for (let i = 0; i < 8; i++) indices.push(2 ** 19 + Math.floor(Math.random() * 2 ** 19));
  for (const index of indices) seeded.push({ index, bits: ones(index), depth: Math.ceil(Math.log2(index + 1)), gas: await leanAt(index) });
  const random = seeded.slice(4);
  const leanAvg2e20 = random.reduce((s, x) => s + Number(x.gas), 0) / random.length;
  // per hashed level, by least squares over the seeded points
  const xs = seeded.map((s) => s.bits);
  const ys = seeded.map((s) => Number(s.gas));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const intercept = my - slope * mx;

  // one Poseidon(2) on-chain: poseidon-solidity (library call, measured inside the EVM) and circomlibjs
  const [poseidonSolidityGas] = await lean.poseidonGas(1n, 2n);
  const { poseidonContract } = (await import("circomlibjs")) as unknown as { poseidonContract: { createCode(n: number): string; generateABI(n: number): unknown[] } };
  const circom = await (await new ContractFactory(poseidonContract.generateABI(2) as never, poseidonContract.createCode(2), signers[0]!).deploy()).waitForDeployment();
  const probeData = circom.interface.encodeFunctionData("poseidon(uint256[2])", [[1n, 2n]]);
  const circomTx = await ethers.provider.estimateGas({ to: await circom.getAddress(), data: probeData });
  const calldata = (d: string): number => {
    let g = 0;
    for (let i = 2; i < d.length; i += 2) g += d.slice(i, i + 2) === "00" ? 4 : 16;
    return g;
  };
  const circomlibGas = Number(circomTx) - 21_000 - calldata(probeData);

  const shieldMedian = median(shieldGas.slice(1).map(Number));
  const perLeafBatch = Number(fullBatchGas) / NOTE_BATCH_SIZE;
  const result = {
    machine: "in-process Hardhat network (EDR), solc 0.8.28 viaIR 2000 runs; proving in a warm child process",
    tree: { arity: 4, levels: NOTE_TREE_LEVELS, batchSize: NOTE_BATCH_SIZE, positions: 2 ** NOTE_TREE_DEPTH_BITS, batches: NOTE_MAX_BATCHES, guaranteedNotes: NOTE_MAX_BATCHES },
    circuits: circuits.map((c) => ({ circuit: c.circuit, constraints: c.constraints, publicInputs: c.publicInputs, phase1Power: c.phase1Power, medianProveMs: Math.round(median(c.proveMs)), medianInProcessMs: Math.round(median(c.inProcessMs)), medianCpuMs: Math.round(median(c.cpuMs)), runs: c.proveMs.length })),
    loadAverage1m: Number(loadAverage[0]!.toFixed(2)),
    gas: {
      shieldFirst: Number(shieldGas[0]),
      shieldMedian,
      insertBatchFull16: Number(fullBatchGas),
      insertBatchPerLeaf: Math.round(perLeafBatch),
      insertBatchFlush2: Number(flushGas),
      insertBatchFlush1: Number(flush1Gas),
      transfer2in2out: Number(transferGas),
      unshieldRelayerFreshRecipient: Number(unshieldGas),
      unshieldFreshRecipientFreshRelayer: Number(unshieldFreshGas),
      absorbNoteFirstUpdate: Number(absorbFirstGas),
      absorbNote: Number(absorbGas),
      emitNoteOpenPosition: Number(emitGas),
    },
    leanIMT: {
      smallTreeInsertMedian: median(smallGas.slice(1).map(Number)),
      at2e20: seeded.map((s) => ({ index: s.index, hashedLevels: s.bits, depth: s.depth, gas: Number(s.gas) })),
      at2e20RandomAverage: Math.round(leanAvg2e20),
      fit: { perHashedLevel: Math.round(slope), base: Math.round(intercept) },
    },
    poseidon2OnChain: { poseidonSolidity: Number(poseidonSolidityGas), circomlibjs: circomlibGas },
  };

  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const g = result.gas;
    const l = result.leanIMT;
    console.log(`\nShielded pool (quaternary tree of ${NOTE_TREE_LEVELS} levels, batches of ${NOTE_BATCH_SIZE}: ${fmt(2 ** NOTE_TREE_DEPTH_BITS)} positions, at least ${fmt(NOTE_MAX_BATCHES)} notes even if every batch is a flush of one)\n`);
    console.log(`circuit              constraints  public  phase-1 power  median prove: prover process / in-process wall / in-process CPU (runs; load average ${result.loadAverage1m} on ${(await import("node:os")).cpus().length} cores)`);
    for (const c of result.circuits) console.log(`${c.circuit.padEnd(20)} ${fmt(c.constraints).padStart(11)}  ${String(c.publicInputs).padStart(6)}  ${String(c.phase1Power).padStart(13)}  ${c.medianProveMs} ms / ${c.medianInProcessMs} ms / ${c.medianCpuMs} ms CPU (${c.runs})`);
    console.log("\ntransaction (real proofs, tx gas)                         gas");
    const rows: [string, number][] = [
      ["shield (first note of a fresh pool)", g.shieldFirst],
      ["shield (median of 15)", g.shieldMedian],
      ["insertBatch, full batch of 16", g.insertBatchFull16],
      ["  per leaf", g.insertBatchPerLeaf],
      ["insertBatch, flush of 2", g.insertBatchFlush2],
      ["insertBatch, flush of 1", g.insertBatchFlush1],
      ["transfer 2-in/2-out", g.transfer2in2out],
      ["unshield, relayer fee, fresh recipient", g.unshieldRelayerFreshRecipient],
      ["unshield, fresh recipient and fresh relayer", g.unshieldFreshRecipientFreshRelayer],
      ["account absorbs a note (the account's first update)", g.absorbNoteFirstUpdate],
      ["account absorbs a note", g.absorbNote],
      ["account emits a note (open position, initial margin)", g.emitNoteOpenPosition],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(52)} ${fmt(v).padStart(9)}`);
    console.log(`\nzk-kit lean IMT + poseidon-solidity PoseidonT3, one insert (tx gas):`);
    console.log(`  small tree (first 64 inserts), median: ${fmt(l.smallTreeInsertMedian)}`);
    for (const s of l.at2e20) console.log(`  at index ${fmt(s.index).padStart(9)} (depth ${s.depth}, ${s.hashedLevels} hashed levels): ${fmt(s.gas)}`);
    console.log(`  random index in [2^19, 2^20), average of ${random.length}: ${fmt(l.at2e20RandomAverage)}`);
    console.log(`  fit: ${fmt(l.fit.base)} + ${fmt(l.fit.perHashedLevel)} per hashed level`);
    console.log(`one Poseidon(2) on-chain (execution): poseidon-solidity ${fmt(result.poseidon2OnChain.poseidonSolidity)}, circomlibjs ${fmt(result.poseidon2OnChain.circomlibjs)}`);
  }
} finally {
  await prover.close();
}
