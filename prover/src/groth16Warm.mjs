// A warm Groth16 prover: the same proof as snarkjs 0.7.6 `groth16.prove`, minus the per-proof waste.
// - The zkey is parsed ONCE per process (header, points, coefficients kept as views of the key's
//   bytes) and reused by every later proof of that key.
// - The QAP evaluations A.w, B.w and C = A.w * B.w are built in the curve's wasm (`qap_buildABC`),
//   one call per thread, instead of snarkjs's `buildABC1`, a JavaScript loop that calls Fr.add and
//   Fr.mul on slices for every R1CS coefficient.
// - The four witness multi-exponentiations start at once, so they overlap the QAP and the FFTs.
// Everything else (iFFT, coset shift, FFT, joinABC, the multi-exponentiations, the assembly with fresh
// random r, s) is snarkjs's `groth16Prove` step for step, on the curve and thread pool snarkjs uses.
//
// Why not snarkjs's own threaded `buildABC` (commented out in its groth16_prove.js): it cuts the
// coefficient list where it finds, by binary search on the constraint index, a thread's first
// constraint, then lets the wasm drop every coefficient outside the thread's range. That is right only
// if the list is sorted by constraint (snarkjs's `zkey new` writes it so; the format does not promise
// it) and the search finds the first coefficient of that constraint; its search is not a lower bound
// (on a constraint with no A or B terms it can stop one entry late, dropping it), and past 2^26 signals
// it adds per-chunk C = A * B products, which do not add up. Here the coefficients are bucketed once,
// at parse time, by the constraint range each thread builds, whatever their order.
//
// Plain JavaScript: loaded by proveWorker.mjs, a child process with no TypeScript loader. Types in
// groth16Warm.d.mts.
import * as snarkjs from "snarkjs";

const GROTH16_PROTOCOL_ID = 1;
const BN128_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** A key this prover does not handle (the caller falls back to snarkjs.groth16.prove). */
export class UnsupportedKeyError extends Error {
  constructor(message) {
    super(`warm prover: ${message}`);
    this.name = "UnsupportedKeyError";
  }
}

const keys = new WeakMap(); // zkey bytes -> Promise<parsed key>
let parses = 0;

/** How many zkeys this process has parsed (each key's bytes are parsed once). */
export function keyParseCount() {
  return parses;
}

/** The sections of a binary file in iden3's format ("zkey", "wtns"): type -> bytes (views, no copy). */
function readSections(bytes, magic) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = String.fromCharCode(...bytes.subarray(0, 4));
  if (found !== magic) throw new Error(`not a ${magic} file (magic ${JSON.stringify(found)})`);
  const nSections = view.getUint32(8, true);
  const sections = new Map();
  let p = 12;
  for (let i = 0; i < nSections; i++) {
    const type = view.getUint32(p, true);
    const size = Number(view.getBigUint64(p + 4, true));
    p += 12;
    if (p + size > bytes.byteLength) throw new Error(`${magic} section ${type} runs past the end of the file`);
    if (sections.has(type)) throw new Error(`${magic} section ${type} appears twice`);
    sections.set(type, bytes.subarray(p, p + size));
    p += size;
  }
  return sections;
}

function section(sections, type, what) {
  const s = sections.get(type);
  if (s === undefined) throw new Error(`${what}: section ${type} missing`);
  return s;
}

function leToBigInt(bytes) {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

function stringify(v) {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(stringify);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stringify(x)]));
  return v;
}

/** The zkey's proving key, parsed (or the parse under way) once per zkey bytes. */
export function loadKey(zkeyBytes) {
  let key = keys.get(zkeyBytes);
  if (key === undefined) {
    key = parseKey(zkeyBytes);
    keys.set(zkeyBytes, key);
    key.catch(() => keys.delete(zkeyBytes));
  }
  return key;
}

async function parseKey(bytes) {
  parses++;
  const sections = readSections(bytes, "zkey");
  const s1 = section(sections, 1, "zkey");
  if (new DataView(s1.buffer, s1.byteOffset, 4).getUint32(0, true) !== GROTH16_PROTOCOL_ID) {
    throw new UnsupportedKeyError("the zkey is not a Groth16 key");
  }
  const h = section(sections, 2, "zkey header");
  const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  let p = 0;
  const n8q = hv.getUint32(p, true);
  const q = leToBigInt(h.subarray(p + 4, p + 4 + n8q));
  p += 4 + n8q;
  const n8r = hv.getUint32(p, true);
  const r = leToBigInt(h.subarray(p + 4, p + 4 + n8r));
  p += 4 + n8r;
  if (q !== BN128_Q) throw new UnsupportedKeyError("not a bn128 key: only bn128's wasm is known to have the qap functions used here");
  const nVars = hv.getUint32(p, true);
  const nPublic = hv.getUint32(p + 4, true);
  const domainSize = hv.getUint32(p + 8, true);
  p += 12;
  if (n8q !== 32 || n8r !== 32) throw new UnsupportedKeyError(`field sizes ${n8q}, ${n8r} are not bn128's`);
  // Points as the curve's G1/G2 fromRprLEM returns them: the bytes themselves (Montgomery, LE).
  const g1 = () => h.slice(p, (p += 2 * n8q));
  const g2 = () => h.slice(p, (p += 4 * n8q));
  const vk_alpha_1 = g1();
  const vk_beta_1 = g1();
  const vk_beta_2 = g2();
  g2(); // vk_gamma_2: the verifier's, not the prover's
  const vk_delta_1 = g1();
  const vk_delta_2 = g2();
  const power = Math.log2(domainSize);
  if (!Number.isInteger(power)) throw new UnsupportedKeyError(`domain size ${domainSize} is not a power of two`);

  // The coefficients (m: 0 for A, 1 for B; c: constraint; s: signal; value, 12 + n8r bytes each).
  // Any out-of-range entry makes the key unsupported (the wasm would skip it; snarkjs would not).
  const coefs = section(sections, 4, "zkey coefficients");
  const cv = new DataView(coefs.buffer, coefs.byteOffset, coefs.byteLength);
  const sCoef = 12 + n8r;
  const nCoef = cv.getUint32(0, true);
  if (4 + nCoef * sCoef !== coefs.byteLength) throw new UnsupportedKeyError("coefficient section length does not match its count");
  for (let i = 0; i < nCoef; i++) {
    const o = 4 + i * sCoef;
    const m = cv.getUint32(o, true);
    const c = cv.getUint32(o + 4, true);
    const s = cv.getUint32(o + 8, true);
    if (m > 1 || c >= domainSize || s >= nVars) throw new UnsupportedKeyError(`coefficient ${i} (m ${m}, c ${c}, s ${s}) out of range`);
  }

  return {
    r, nVars, nPublic, domainSize, power,
    vk_alpha_1, vk_beta_1, vk_beta_2, vk_delta_1, vk_delta_2,
    coefs, nCoef, sCoef,
    byThreads: new Map(), // thread count -> the coefficients bucketed by the constraint range of each thread
    pointsA: section(sections, 5, "zkey A points"),
    pointsB1: section(sections, 6, "zkey B1 points"),
    pointsB2: section(sections, 7, "zkey B2 points"),
    pointsC: section(sections, 8, "zkey C points"),
    pointsH: section(sections, 9, "zkey H points"),
  };
}

/**
 * The coefficients bucketed by the constraint range each of `threads` threads builds (computed once
 * per key and thread count). Within a bucket the zkey's order is kept.
 */
function rangesFor(key, threads) {
  let ranges = key.byThreads.get(threads);
  if (ranges !== undefined) return ranges;
  const { coefs, nCoef, sCoef, domainSize } = key;
  const cv = new DataView(coefs.buffer, coefs.byteOffset, coefs.byteLength);
  const t = Math.min(threads, domainSize);
  const per = Math.floor(domainSize / t);
  ranges = Array.from({ length: t }, (_, i) => ({ offset: i * per, n: i === t - 1 ? domainSize - i * per : per, count: 0, coefs: undefined }));
  const rangeOf = (o) => ranges[Math.min(Math.floor(cv.getUint32(o + 4, true) / per), t - 1)];
  for (let i = 0; i < nCoef; i++) rangeOf(4 + i * sCoef).count++;
  for (const range of ranges) {
    range.coefs = new Uint8Array(range.count * sCoef);
    range.count = 0;
  }
  for (let i = 0; i < nCoef; i++) {
    const o = 4 + i * sCoef;
    const range = rangeOf(o);
    range.coefs.set(coefs.subarray(o, o + sCoef), range.count++ * sCoef);
  }
  key.byThreads.set(threads, ranges);
  return ranges;
}

let singleThreadCurve;

/** The bn128 curve: snarkjs's shared one (its thread pool), or with `singleThread` one kept here. */
async function curveFor(options) {
  if (options?.singleThread) return (singleThreadCurve ??= snarkjs.curves.getCurveFromName("bn128", { singleThread: true }));
  return snarkjs.curves.getCurveFromName("bn128");
}

/** The witness (section 2 of a .wtns file, field elements little-endian) after checking it fits the key. */
export function readWitness(key, wtnsBytes) {
  const sections = readSections(wtnsBytes, "wtns");
  const h = section(sections, 1, "wtns header");
  const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const n8 = hv.getUint32(0, true);
  const q = leToBigInt(h.subarray(4, 4 + n8));
  const nWitness = hv.getUint32(4 + n8, true);
  if (q !== key.r) throw new Error("Curve of the witness does not match the curve of the proving key");
  if (nWitness !== key.nVars) throw new Error(`Invalid witness length. Circuit: ${key.nVars}, witness: ${nWitness}`);
  const witness = section(sections, 2, "wtns");
  if (witness.byteLength !== nWitness * n8) throw new Error("wtns section 2 length does not match its header");
  return witness;
}

/**
 * A.w, B.w and C = A.w * B.w over the domain (Montgomery form), as snarkjs's buildABC1 returns them:
 * one qap_buildABC call per thread, each over the coefficients of its constraint range.
 */
export async function buildABC(curve, key, witness) {
  const { domainSize, nVars } = key;
  const ranges = rangesFor(key, curve.tm.concurrency);
  const n8 = curve.Fr.n8;
  const parts = await Promise.all(ranges.map(({ offset, n, count, coefs }) => curve.tm.queueAction([
    { cmd: "ALLOCSET", var: 0, buff: coefs },
    { cmd: "ALLOCSET", var: 1, buff: witness },
    { cmd: "ALLOC", var: 2, len: n * n8 },
    { cmd: "ALLOC", var: 3, len: n * n8 },
    { cmd: "ALLOC", var: 4, len: n * n8 },
    { cmd: "CALL", fnName: "qap_buildABC", params: [
      { var: 0 }, { val: count }, { var: 1 }, { var: 2 }, { var: 3 }, { var: 4 },
      { val: offset }, { val: n }, { val: 0 }, { val: nVars },
    ] },
    { cmd: "GET", out: 0, var: 2, len: n * n8 },
    { cmd: "GET", out: 1, var: 3, len: n * n8 },
    { cmd: "GET", out: 2, var: 4, len: n * n8 },
  ])));
  const out = [0, 1, 2].map(() => new Uint8Array(domainSize * n8));
  ranges.forEach(({ offset }, i) => { for (let m = 0; m < 3; m++) out[m].set(parts[i][m], offset * n8); });
  return out;
}

/** A.B - C on the coset, out of Montgomery form: the scalars of the H multi-exponentiation (snarkjs joinABC). */
async function joinABC(curve, key, a, b, c) {
  const ranges = rangesFor(key, curve.tm.concurrency);
  const n8 = curve.Fr.n8;
  const parts = await Promise.all(ranges.map(({ offset, n }) => curve.tm.queueAction([
    { cmd: "ALLOCSET", var: 0, buff: a.subarray(offset * n8, (offset + n) * n8) },
    { cmd: "ALLOCSET", var: 1, buff: b.subarray(offset * n8, (offset + n) * n8) },
    { cmd: "ALLOCSET", var: 2, buff: c.subarray(offset * n8, (offset + n) * n8) },
    { cmd: "ALLOC", var: 3, len: n * n8 },
    { cmd: "CALL", fnName: "qap_joinABC", params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }] },
    { cmd: "CALL", fnName: "frm_batchFromMontgomery", params: [{ var: 3 }, { val: n }, { var: 3 }] },
    { cmd: "GET", out: 0, var: 3, len: n * n8 },
  ])));
  const out = new Uint8Array(a.byteLength);
  ranges.forEach(({ offset }, i) => out.set(parts[i][0], offset * n8));
  return out;
}

/** The polynomial's evaluations on the odd coset (snarkjs: ifft, batchApplyKey, fft). */
async function toCoset(curve, key, evals, name) {
  const Fr = curve.Fr;
  const inc = key.power === Fr.s ? Fr.shift : Fr.w[key.power + 1];
  const coefs = await Fr.ifft(evals, "", "", undefined, `IFFT_${name}`);
  return Fr.fft(await Fr.batchApplyKey(coefs, Fr.e(1), inc), "", "", undefined, `FFT_${name}`);
}

/**
 * Proves with the key in `zkeyBytes` (parsed on first use, then reused) and the witness file in
 * `wtnsBytes`. Returns { proof, publicSignals } exactly in snarkjs.groth16.prove's format.
 * `options.singleThread` proves on one thread (as snarkjs's option of that name).
 * @throws UnsupportedKeyError when the key is not one this prover handles.
 */
export async function groth16ProveWarm(zkeyBytes, wtnsBytes, options) {
  const key = await loadKey(zkeyBytes);
  const witness = readWitness(key, wtnsBytes);
  const curve = await curveFor(options);
  const { nPublic } = key;
  const { Fr, G1, G2 } = curve;

  // The witness multi-exponentiations need nothing from the QAP: queue them first.
  const msmA = G1.multiExpAffine(key.pointsA, witness, undefined, "multiexp A");
  const msmB1 = G1.multiExpAffine(key.pointsB1, witness, undefined, "multiexp B1");
  const msmB2 = G2.multiExpAffine(key.pointsB2, witness, undefined, "multiexp B2");
  const msmC = G1.multiExpAffine(key.pointsC, witness.subarray((nPublic + 1) * Fr.n8), undefined, "multiexp C");

  const [a, b, c] = await buildABC(curve, key, witness);
  const [aOdd, bOdd, cOdd] = await Promise.all([toCoset(curve, key, a, "A"), toCoset(curve, key, b, "B"), toCoset(curve, key, c, "C")]);
  const resH = await G1.multiExpAffine(key.pointsH, await joinABC(curve, key, aOdd, bOdd, cOdd), undefined, "multiexp H");
  const [piA, piB1, piB2, piC] = await Promise.all([msmA, msmB1, msmB2, msmC]);

  const r = Fr.random();
  const s = Fr.random();
  const pi_a = G1.add(G1.add(piA, key.vk_alpha_1), G1.timesFr(key.vk_delta_1, r));
  const pi_b = G2.add(G2.add(piB2, key.vk_beta_2), G2.timesFr(key.vk_delta_2, s));
  const pib1 = G1.add(G1.add(piB1, key.vk_beta_1), G1.timesFr(key.vk_delta_1, s));
  let pi_c = G1.add(piC, resH);
  pi_c = G1.add(pi_c, G1.timesFr(pi_a, s));
  pi_c = G1.add(pi_c, G1.timesFr(pib1, r));
  pi_c = G1.add(pi_c, G1.timesFr(key.vk_delta_1, Fr.neg(Fr.mul(r, s))));

  const publicSignals = [];
  for (let i = 1; i <= nPublic; i++) publicSignals.push(leToBigInt(witness.subarray(i * Fr.n8, (i + 1) * Fr.n8)));
  const proof = {
    pi_a: G1.toObject(G1.toAffine(pi_a)),
    pi_b: G2.toObject(G2.toAffine(pi_b)),
    pi_c: G1.toObject(G1.toAffine(pi_c)),
    protocol: "groth16",
    curve: curve.name,
  };
  return { proof: stringify(proof), publicSignals: stringify(publicSignals) };
}
