/**
 * The insolvency circuit (circuits/src/insolvency.circom) and its witness builder
 * (prover/src/liquidation/witness.ts).
 *
 * Expected public values are computed here from the Poseidon permutation and the documented
 * formats, independently of the circuit and of witness.ts. Inputs that must fail are built by
 * hand, bypassing witness.ts, and each failure is matched to the constraint that must catch it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import * as snarkjs from "snarkjs";
import { FIELD_MODULUS as P, N_ASSETS } from "../../prover/src/constants.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import {
  buildInsolvencyInput,
  type InsolvencyArgs,
  LIQ_DOMAIN,
  packInsolvencyStatement,
  remainderOpening,
  type Seizure,
  seizuresOf,
  SolventAccountError,
  NO_CAP,
  packRestore,
  unpackInsolvencyStatement,
  unpackRestore,
  unpackSeized,
} from "../../prover/src/liquidation/index.js";
import { liquidatorTag } from "../../prover/src/liquidation/witness.js";
import { Prover, WitnessRejectedError } from "../../prover/src/prover.js";
import { terminateCurves } from "../../scripts/lib/snarkjs.js";
import { WitnessInputError } from "../../prover/src/index.js";
import { type CircuitInput, constraintLine, loadCircuit, PROJECT_ROOT, type TestCircuit } from "../helpers/circuit.js";
import { DECIMALS, PRICES_E8, rng, weight } from "../helpers/reference.js";

const TWO_96 = 1n << 96n;
const MAX_AMOUNT = TWO_96 - 1n;
const MAX_WEIGHT = (1n << 128n) - 1n;
const MAX_REQUIREMENT = (1n << 150n) - 1n;
const TWO_95 = 1n << 95n;
const TWO_253 = 1n << 253n;

// ---------------------------------------------------------------------------
// Independent reference computations (plain arithmetic on the documented formats).

const mod = (x: bigint): bigint => ((x % P) + P) % P;
/** ASCII "plimsoll.liq" as a big-endian integer. */
const REF_LIQ_DOMAIN = BigInt(`0x${Buffer.from("plimsoll.liq", "ascii").toString("hex")}`);

function refBasketHash(h: SyncPoseidon, amounts: readonly bigint[]): bigint {
  const packed: bigint[] = [];
  for (let i = 0; i < amounts.length; i += 2) packed.push(mod(amounts[i]! + amounts[i + 1]! * TWO_96));
  return h(packed);
}
function refCommitment(h: SyncPoseidon, amounts: readonly bigint[], blinding: bigint, owner: bigint): bigint {
  return h([refBasketHash(h, amounts), mod(blinding), mod(owner)]);
}
function refWeightsHash(h: SyncPoseidon, weights: readonly bigint[]): bigint {
  const groups: bigint[] = [];
  for (let i = 0; i < weights.length; i += 4) groups.push(h(weights.slice(i, i + 4).map(mod)));
  return h(groups);
}
/** The liquidator tag: the address modulo 2^95 (its low 95 bits). */
const refTag = (liquidator: bigint): bigint => liquidator % 2n ** 95n;
/** statement = requirement + indexA·2^150 + indexB·2^154 + tag·2^158 (no validation). */
const refStatement = (requirement: bigint, indexA: bigint, indexB: bigint, tag: bigint): bigint =>
  requirement + indexA * 2n ** 150n + indexB * 2n ** 154n + tag * 2n ** 158n;
/** seized = amountA + amountB·2^96 (no validation). */
const refSeized = (amountA: bigint, amountB: bigint): bigint => amountA + amountB * TWO_96;
/** restore = target + |delta|·2^150 + (delta < 0)·2^246 (no validation). */
const refRestore = (target: bigint, delta: bigint): bigint => target + (delta < 0n ? -delta : delta) * 2n ** 150n + (delta < 0n ? 2n ** 246n : 0n);
const refRemainderBlinding = (h: SyncPoseidon, blinding: bigint): bigint => h([mod(blinding), REF_LIQ_DOMAIN]);



// ---------------------------------------------------------------------------
// A realistic basket at maintenance weights.

const WEIGHTS = DECIMALS.map((d, i) => weight(PRICES_E8[i]!, d, BigInt(300 + 50 * i)));
const AMOUNTS = [
  12n * 10n ** 18n + 345n, 3n * 10n ** 7n, 25_000n * 10n ** 6n, 0n, 1n, 7n * 10n ** 18n, 5n * 10n ** 8n, 10n ** 18n,
  0n, 999_999n, 10n ** 21n, 123_456_789_012n, 0n, 3n, 10n ** 17n, 42n * 10n ** 9n,
];
const OWNER = 0x5b38da6a701c568545dcfcb03fcb875f56beddc4n;
const LIQUIDATOR = 0xab8483f64d9c6d1ecf9b849ae677dd3315835cb2n;
/** Another address with the same low 95 bits as LIQUIDATOR (bits 95..159 differ): the same tag. */
const LIQUIDATOR_TWIN = LIQUIDATOR ^ (((1n << 65n) - 1n) << 95n);
/** Other liquidators, each with another tag: the lowest tag bit, the highest, and an unrelated address. */
const OTHER_LIQUIDATORS = [LIQUIDATOR ^ 1n, LIQUIDATOR ^ (1n << 94n), OWNER];
const BLINDING = 0x1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678n;

const valueOf = (amounts: readonly bigint[], weights: readonly bigint[]): bigint => amounts.reduce((acc, a, i) => acc + a * weights[i]!, 0n);
const VALUE = valueOf(AMOUNTS, WEIGHTS);

const baseArgs = (overrides: Partial<InsolvencyArgs> = {}): InsolvencyArgs => ({
  opening: { owner: OWNER, amounts: [...AMOUNTS], blinding: BLINDING },
  weights: WEIGHTS,
  requirement: VALUE + 10n ** 30n, // 1 USD short
  seizures: [{ index: 1, amount: 10n ** 7n }, { index: 0, amount: 2n * 10n ** 18n }],
  liquidator: LIQUIDATOR,
  ...overrides,
});

/** What a (possibly dishonest) prover feeds the circuit; every derived public value is computed from it. */
interface RawCase {
  owner: bigint;
  amounts: readonly bigint[];
  blinding: bigint;
  weights: readonly bigint[];
  requirement: bigint;
  indexA: number;
  amountA: bigint;
  indexB: number;
  amountB: bigint;
  /** The liquidator's address: only its tag (low 95 bits) enters the circuit, in the statement. */
  liquidator: bigint;
  /** A partial liquidation's target, signed delta at slot B, and cap (defaults 0, 0, 2^150 - 1). */
  target: bigint;
  delta: bigint;
  cap: bigint;
}

type PublicOverrides = Partial<Record<"commitment" | "weightsHash" | "statement" | "seized" | "remainderCommitment" | "restore" | "cap", bigint>>;

const baseRaw = (overrides: Partial<RawCase> = {}): RawCase => ({
  owner: OWNER,
  amounts: AMOUNTS,
  blinding: BLINDING,
  weights: WEIGHTS,
  requirement: VALUE + 10n ** 30n,
  indexA: 1,
  amountA: 10n ** 7n,
  indexB: 0,
  amountB: 2n * 10n ** 18n,
  liquidator: LIQUIDATOR,
  target: 0n,
  delta: 0n,
  cap: MAX_REQUIREMENT,
  ...overrides,
});

/** The remainder of a raw case, in the field (a dishonest seizure wraps). */
const rawRemainder = (r: RawCase): bigint[] =>
  r.amounts.map((a, i) => mod(a - (i === r.indexA ? r.amountA : 0n) - (i === r.indexB ? r.amountB - r.delta : 0n)));

/** Hand-built circuit input: every public value derived from the raw case by the reference functions, unless overridden. */
function rawInput(h: SyncPoseidon, r: RawCase, overrides: PublicOverrides = {}): CircuitInput {
  return {
    commitment: overrides.commitment ?? refCommitment(h, r.amounts, r.blinding, r.owner),
    weightsHash: overrides.weightsHash ?? refWeightsHash(h, r.weights),
    statement: overrides.statement ?? refStatement(r.requirement, BigInt(r.indexA), BigInt(r.indexB), refTag(r.liquidator)),
    seized: overrides.seized ?? refSeized(r.amountA, r.amountB),
    remainderCommitment: overrides.remainderCommitment ?? refCommitment(h, rawRemainder(r), refRemainderBlinding(h, r.blinding), r.owner),
    restore: overrides.restore ?? refRestore(r.target, r.delta),
    cap: overrides.cap ?? r.cap,
    owner: mod(r.owner),
    blinding: mod(r.blinding),
    amounts: r.amounts.map(mod),
    weights: r.weights.map(mod),
  };
}

const withSlot = (amounts: readonly bigint[], index: number, value: bigint): bigint[] => amounts.map((a, i) => (i === index ? value : a));

// ---------------------------------------------------------------------------
// Which constraint must reject an input: the failing line of Insolvency in the trace.

const failsAt = constraintLine("circuits/src/insolvency.circom", "Insolvency");

const AMOUNT_RANGE = failsAt("RangeCheckArray(N, AMOUNT_BITS())(amounts);");
const OWNER_RANGE = failsAt("RangeCheck(OWNER_BITS())(owner);");
const COMMITMENT = failsAt("storedCommitment === commitment;");
const WEIGHTS_HASH = failsAt("hashedWeights === weightsHash;");
const INSOLVENT = failsAt("RangeCheck(REQUIREMENT_BITS())(st.requirement - 1 - value);");
const SAME_SLOT = failsAt("moved === (st.indexA - st.indexB) * sameSlotFactor;");
const HELD_A = failsAt("RangeCheck(AMOUNT_BITS())(heldA - sz.amountA);");
const HELD_B = failsAt("RangeCheck(AMOUNT_BITS())(heldB - sz.amountB + rs.delta);");
const TARGET = failsAt("AssertGreaterEqThan(VALUE_BITS)([after, rs.target]);");
const CAP = failsAt("RangeCheck(REQUIREMENT_BITS())(cap - 1 - after);");
const RESTORE_LAYOUT = /Error in template UnpackRestore_\d+/;
const REMAINDER = failsAt("remainderHash === remainderCommitment;");
const STATEMENT_LAYOUT = /Error in template UnpackInsolvencyStatement_\d+/;
const SEIZED_LAYOUT = /Error in template UnpackSeized_\d+/;
const SLOT = /Error in template SlotSelector_\d+/;

// ---------------------------------------------------------------------------

describe("Insolvency(16) circuit", function () {
  let circuit: TestCircuit;
  let h: SyncPoseidon;

  before(async function () {
    h = await initPoseidon();
    circuit = await loadCircuit("circuits/main/insolvency.circom");
  });

  describe("honest liquidations", function () {
    it("accepts a liquidation built by witness.ts, with public signals matching the reference", async function () {
      const built = buildInsolvencyInput(h, baseArgs());
      const witness = await circuit.calculateWitness(built.input);
      circuit.checkConstraints(witness);
      expect(circuit.publicSignals(witness)).to.deep.equal(built.publicSignalList);
      const remainder = withSlot(withSlot(AMOUNTS, 1, AMOUNTS[1]! - 10n ** 7n), 0, AMOUNTS[0]! - 2n * 10n ** 18n);
      expect(built.publicSignalList).to.deep.equal([
        refCommitment(h, AMOUNTS, BLINDING, OWNER),
        refWeightsHash(h, WEIGHTS),
        refStatement(VALUE + 10n ** 30n, 1n, 0n, refTag(LIQUIDATOR)),
        refSeized(10n ** 7n, 2n * 10n ** 18n),
        refCommitment(h, remainder, refRemainderBlinding(h, BLINDING), OWNER),
        0n,
        MAX_REQUIREMENT,
      ]);
      expect(built.remainder).to.deep.equal({ owner: OWNER, amounts: remainder, blinding: refRemainderBlinding(h, BLINDING) });
      expect(built.value).to.equal(VALUE);
    });

    it("accepts a basket one value unit below the requirement", async function () {
      const built = buildInsolvencyInput(h, baseArgs({ requirement: VALUE + 1n }));
      circuit.checkConstraints(await circuit.calculateWitness(built.input));
    });

    it("accepts no seizure, one seizure, a whole slot, and a second seizure of 0 at the same slot", async function () {
      const cases: Seizure[][] = [
        [],
        [{ index: 10, amount: 10n ** 20n }],
        [{ index: 15, amount: AMOUNTS[15]! }, { index: 2, amount: AMOUNTS[2]! }],
        [{ index: 5, amount: 10n ** 18n }, { index: 5, amount: 0n }],
      ];
      for (const seizures of cases) {
        const built = buildInsolvencyInput(h, baseArgs({ seizures }));
        const witness = await circuit.calculateWitness(built.input);
        circuit.checkConstraints(witness);
        expect(circuit.publicSignals(witness)).to.deep.equal(built.publicSignalList);
      }
    });

    it("accepts random insolvent baskets and seizures, matching the reference", async function () {
      const rand = rng(17n);
      for (let n = 0; n < 4; n++) {
        const amounts = Array.from({ length: N_ASSETS }, () => rand(96));
        const weights = Array.from({ length: N_ASSETS }, () => rand(50)); // value < 2^150
        const value = valueOf(amounts, weights);
        const requirement = value + 1n + (rand(150) % ((1n << 150n) - value - 1n));
        const [ia, ib] = [Number(rand(4)), (Number(rand(4)) + 1 + n) % 16];
        const liquidator = rand(160);
        const raw = baseRaw({ amounts, weights, requirement, indexA: ia, amountA: amounts[ia]! / 3n, indexB: ib, amountB: ia === ib ? 0n : amounts[ib]!, liquidator });
        const input = rawInput(h, raw);
        circuit.checkConstraints(await circuit.calculateWitness(input));
        const built = buildInsolvencyInput(h, {
          opening: { owner: OWNER, amounts, blinding: BLINDING },
          weights,
          requirement,
          seizures: [{ index: ia, amount: raw.amountA }, { index: ib, amount: raw.amountB }],
          liquidator,
        });
        expect(built.publicSignalList.map(String)).to.deep.equal(
          ["commitment", "weightsHash", "statement", "seized", "remainderCommitment", "restore", "cap"].map((k) => String(input[k])),
        );
      }
    });

    it("accepts an empty basket against a requirement of 1, and the largest requirement", async function () {
      await circuit.calculateWitness(rawInput(h, baseRaw({ amounts: Array(16).fill(0n), requirement: 1n, amountA: 0n, amountB: 0n })));
      const amounts = Array(16).fill(10n ** 20n);
      const weights = Array(16).fill(10n ** 20n); // value 1.6e41 < 2^150 - 1
      await circuit.calculateWitness(rawInput(h, baseRaw({ amounts, weights, requirement: MAX_REQUIREMENT })));
    });
  });

  describe("partial liquidation: the remainder clears the target and stays below the cap", function () {
    // Slot 2 stands for the settlement slot: the delta (closed PnL plus payment) moves it.
    const partial = (o: Partial<RawCase> = {}): RawCase => baseRaw({ indexA: 1, amountA: 10n ** 7n, indexB: 2, amountB: 0n, delta: -1_000n * 10n ** 6n, ...o });
    const afterOf = (r: RawCase): bigint => valueOf(rawRemainder(r), r.weights);

    it("accepts a remainder between target and cap, with a debit and with a credit at slot B", async function () {
      for (const delta of [-1_000n * 10n ** 6n, 250n * 10n ** 6n, 0n]) {
        const r = partial({ delta });
        const after = afterOf(r);
        const witness = await circuit.calculateWitness(rawInput(h, { ...r, target: after - 10n ** 30n, cap: after + 10n ** 30n }));
        circuit.checkConstraints(witness);
      }
    });

    it("accepts a remainder exactly at the target and one unit below the cap", async function () {
      const r = partial();
      const after = afterOf(r);
      await circuit.calculateWitness(rawInput(h, { ...r, target: after, cap: after + 1n }));
    });

    it("rejects a partial liquidation that leaves the remainder one unit below the target (below maintenance)", async function () {
      const r = partial();
      const after = afterOf(r);
      await circuit.expectWitnessFailure(rawInput(h, { ...r, target: after + 1n }), TARGET);
      // A target above the old basket's value: nothing short of a deposit restores it.
      await circuit.expectWitnessFailure(rawInput(h, { ...r, target: VALUE + 10n ** 30n }), TARGET);
    });

    it("rejects an over-liquidation: a remainder at or above the cap (the initial requirement of what stays open)", async function () {
      const r = partial();
      const after = afterOf(r);
      await circuit.expectWitnessFailure(rawInput(h, { ...r, cap: after }), CAP);
      await circuit.expectWitnessFailure(rawInput(h, { ...r, cap: 0n }), CAP);
    });

    it("rejects a debit of one more than slot B holds after its seizure", async function () {
      await circuit.calculateWitness(rawInput(h, partial({ amountB: 5n, delta: -(AMOUNTS[2]! - 5n) })));
      await circuit.expectWitnessFailure(rawInput(h, partial({ amountB: 5n, delta: -(AMOUNTS[2]! - 4n) })), HELD_B);
    });

    it("rejects a credit that takes slot B to 2^96", async function () {
      const amounts = withSlot(AMOUNTS, 2, MAX_AMOUNT - 10n);
      const weights = withSlot(WEIGHTS, 2, 1n); // keeps the value below 2^150
      const requirement = valueOf(amounts, weights) + 1n;
      await circuit.calculateWitness(rawInput(h, partial({ amounts, weights, requirement, delta: 10n })));
      await circuit.expectWitnessFailure(rawInput(h, partial({ amounts, weights, requirement, delta: 11n })), HELD_B);
    });

    it("rejects a delta when both seizures name one slot", async function () {
      await circuit.expectWitnessFailure(rawInput(h, partial({ indexA: 2, amountA: 10n ** 6n, indexB: 2, amountB: 0n, delta: -1n })), SAME_SLOT);
      await circuit.expectWitnessFailure(rawInput(h, partial({ indexA: 2, amountA: 10n ** 6n, indexB: 2, amountB: 0n, delta: 1n })), SAME_SLOT);
    });

    it("rejects restore of 2^247 or more, and reads the layout packRestore writes", async function () {
      for (const restore of [1n << 247n, P - 1n]) {
        await circuit.expectWitnessFailure(rawInput(h, partial(), { restore }), RESTORE_LAYOUT);
      }
      for (const [target, delta] of [[0n, 0n], [MAX_REQUIREMENT, -MAX_AMOUNT], [12345n, MAX_AMOUNT], [1n, -1n]] as const) {
        expect(packRestore(target, delta)).to.equal(refRestore(target, delta));
        expect(unpackRestore(refRestore(target, delta))).to.deep.equal({ target, delta });
      }
    });

    it("builds the same partial witness in witness.ts, and names a target or cap it misses and a delta it cannot apply", async function () {
      const r = partial();
      const after = afterOf(r);
      const args = baseArgs({ seizures: [{ index: 1, amount: 10n ** 7n }, { index: 2, amount: 0n }], restore: { target: after - 1n, delta: r.delta, cap: after + 1n } });
      const built = buildInsolvencyInput(h, args);
      expect(built.publicSignalList).to.deep.equal(circuit.publicSignals(await circuit.calculateWitness(rawInput(h, { ...r, target: after - 1n, cap: after + 1n }))));
      expect(built.remainder.amounts[2]).to.equal(AMOUNTS[2]! + r.delta);
      expect(() => buildInsolvencyInput(h, { ...args, restore: { target: after + 1n, delta: r.delta, cap: after + 2n } })).to.throw(WitnessInputError, /restore\.target/);
      expect(() => buildInsolvencyInput(h, { ...args, restore: { target: 0n, delta: r.delta, cap: after } })).to.throw(WitnessInputError, /restore\.cap/);
      expect(() => buildInsolvencyInput(h, { ...args, seizures: [{ index: 1, amount: 1n }], restore: { target: 0n, delta: -1n, cap: NO_CAP } })).to.throw(WitnessInputError, /restore\.delta/);
      expect(() => buildInsolvencyInput(h, { ...args, restore: { target: 0n, delta: -(AMOUNTS[2]! + 1n), cap: NO_CAP } })).to.throw(WitnessInputError, /restore\.delta/);
    });
  });

  describe("a solvent account cannot be liquidated", function () {
    it("rejects a basket whose value equals the requirement", async function () {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ requirement: VALUE })), INSOLVENT);
    });

    it("rejects a basket whose value exceeds the requirement, by one unit and by far", async function () {
      for (const requirement of [VALUE - 1n, 10n ** 30n, 0n]) {
        await circuit.expectWitnessFailure(rawInput(h, baseRaw({ requirement })), INSOLVENT);
      }
    });

    it("rejects the largest basket at the largest weights against the largest requirement (no wrap)", async function () {
      const raw = baseRaw({ amounts: Array(16).fill(MAX_AMOUNT), weights: Array(16).fill(MAX_WEIGHT), requirement: MAX_REQUIREMENT });
      await circuit.expectWitnessFailure(rawInput(h, raw), INSOLVENT);
    });

    it("rejects a requirement of 0 against an empty basket", async function () {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ amounts: Array(16).fill(0n), requirement: 0n, amountA: 0n, amountB: 0n })), INSOLVENT);
    });
  });

  describe("seizures", function () {
    it("rejects seizing one more than held, from either slot", async function () {
      await circuit.calculateWitness(rawInput(h, baseRaw({ amountA: AMOUNTS[1]!, amountB: AMOUNTS[0]! })));
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ amountA: AMOUNTS[1]! + 1n })), HELD_A);
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ amountB: AMOUNTS[0]! + 1n })), HELD_B);
    });

    it("rejects seizing 1 from an empty slot", async function () {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ indexA: 3, amountA: 1n })), HELD_A);
    });

    it("rejects indexA == indexB with both amounts above 0 (even when their sum is held)", async function () {
      const raw = baseRaw({ indexA: 0, amountA: 10n ** 18n, indexB: 0, amountB: 10n ** 18n });
      await circuit.expectWitnessFailure(rawInput(h, raw), SAME_SLOT);
    });

    it("rejects a remainder commitment that is not the one seizing the public amounts implies", async function () {
      const raw = baseRaw();
      const remainder = rawRemainder(raw);
      const derived = refRemainderBlinding(h, BLINDING);
      const wrong = [
        refCommitment(h, remainder, BLINDING, OWNER), // old blinding reused
        refCommitment(h, AMOUNTS, derived, OWNER), // nothing subtracted
        refCommitment(h, withSlot(remainder, 0, remainder[0]! + 1n), derived, OWNER), // one unit less seized
        refCommitment(h, withSlot(withSlot(AMOUNTS, 5, AMOUNTS[5]! - 10n ** 7n), 0, AMOUNTS[0]! - 2n * 10n ** 18n), derived, OWNER), // another slot
        refCommitment(h, remainder, derived, OWNER + 1n), // handed to another owner
        refCommitment(h, remainder, derived, LIQUIDATOR), // handed to the liquidator
      ];
      for (const remainderCommitment of wrong) await circuit.expectWitnessFailure(rawInput(h, raw, { remainderCommitment }), REMAINDER);
    });
  });

  describe("binding to the account, the epoch and the liquidator", function () {
    it("rejects weights that differ from the hashed ones by one unit", async function () {
      const input = rawInput(h, baseRaw(), { weightsHash: refWeightsHash(h, WEIGHTS) });
      (input.weights as bigint[])[4] = WEIGHTS[4]! + 1n;
      await circuit.expectWitnessFailure(input, WEIGHTS_HASH);
    });

    it("rejects the hash of another weight vector (an older epoch's)", async function () {
      const older = WEIGHTS.map((w) => (w * 11n) / 10n);
      await circuit.expectWitnessFailure(rawInput(h, baseRaw(), { weightsHash: refWeightsHash(h, older) }), WEIGHTS_HASH);
    });

    it("rejects a wrong opening: blinding, owner, or one amount changed", async function () {
      const commitment = refCommitment(h, AMOUNTS, BLINDING, OWNER);
      for (const raw of [
        baseRaw({ blinding: BLINDING + 1n }),
        baseRaw({ owner: OWNER + 1n }),
        baseRaw({ amounts: withSlot(AMOUNTS, 9, AMOUNTS[9]! - 1n) }),
      ]) {
        await circuit.expectWitnessFailure(rawInput(h, raw, { commitment }), COMMITMENT);
      }
    });

    it("rejects a commitment to an older opening", async function () {
      const older = refCommitment(h, withSlot(AMOUNTS, 2, AMOUNTS[2]! + 10n ** 6n), BLINDING - 1n, OWNER);
      await circuit.expectWitnessFailure(rawInput(h, baseRaw(), { commitment: older }), COMMITMENT);
    });

    it("rejects an amount of 2^96 that packs like a valid basket", async function () {
      // a0 + 2^96 and a1 - 1 pack to the same element as a0, a1.
      const amounts = withSlot(withSlot(AMOUNTS, 0, AMOUNTS[0]! + TWO_96), 1, AMOUNTS[1]! - 1n);
      const raw = baseRaw({ amounts, amountA: 0n, amountB: 0n, requirement: MAX_REQUIREMENT });
      await circuit.expectWitnessFailure(rawInput(h, raw, { commitment: refCommitment(h, AMOUNTS, BLINDING, OWNER) }), AMOUNT_RANGE);
    });

    it("rejects an owner of 2^160", async function () {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ owner: 1n << 160n })), OWNER_RANGE);
    });

    it("binds the public inputs: an honest witness with any public wire changed fails the R1CS", async function () {
      const built = buildInsolvencyInput(h, baseArgs());
      const witness = await circuit.calculateWitness(built.input);
      // Wires 1..7 are the public inputs in order (no outputs).
      expect(witness.slice(1, 8)).to.deep.equal(built.publicSignalList);
      for (const wire of [1, 2, 3, 4, 5, 6, 7]) {
        const tampered = [...witness];
        tampered[wire] = mod(tampered[wire]! + 1n);
        expect(() => circuit.checkConstraints(tampered), `public wire ${wire}`).to.throw(/not satisfied/);
      }
    });

    it("binds the liquidator tag: an honest witness with another liquidator's statement fails the R1CS", async function () {
      const built = buildInsolvencyInput(h, baseArgs());
      const witness = await circuit.calculateWitness(built.input);
      // The statement is wire 3; its bits 158..252 are the tag, and bits 0..251 of its
      // decomposition are witness wires.
      expect(witness[3]).to.equal(refStatement(VALUE + 10n ** 30n, 1n, 0n, refTag(LIQUIDATOR)));
      const tamperedFor = (other: bigint): { statement: bigint; tampered: bigint[] } => {
        const statement = refStatement(VALUE + 10n ** 30n, 1n, 0n, refTag(other));
        expect(statement, `liquidator ${other.toString(16)}`).to.not.equal(witness[3]);
        const tampered = [...witness];
        tampered[3] = statement;
        return { statement, tampered };
      };
      // Tags differing in bit 0, in bit 47, and an unrelated address (many bits).
      for (const other of [LIQUIDATOR ^ 1n, LIQUIDATOR ^ (1n << 47n), OWNER]) {
        const { statement, tampered } = tamperedFor(other);
        expect(() => circuit.checkConstraints(tampered), `liquidator ${other.toString(16)}`).to.throw(/not satisfied/);
        // Each liquidator proves for itself: the statement with its own tag has a witness.
        const own = buildInsolvencyInput(h, baseArgs({ liquidator: other }));
        expect(own.publicSignals.statement).to.equal(statement);
        circuit.checkConstraints(await circuit.calculateWitness(own.input));
      }
      // The top tag bit (statement bit 252) has no wire of its own: --O2 folds the last bit of
      // Num2Bits(253) into the statement wire (bit 252 = (statement - lower bits) / 2^252, still
      // constrained boolean). Flipping only it gives exactly the OTHER liquidator's honest witness,
      // not a forgery: nothing else in the circuit reads the tag. What binds a proof to its
      // statement is Groth16's public-input check (the real-proof test below: it does not verify).
      const flipTop = LIQUIDATOR ^ (1n << 94n);
      const { tampered } = tamperedFor(flipTop);
      const honestTop = await circuit.calculateWitness(buildInsolvencyInput(h, baseArgs({ liquidator: flipTop })).input);
      expect(tampered).to.deep.equal(honestTop);
      circuit.checkConstraints(tampered);
      // A statement whose bit 252 would be 2 (S + 2^252 with bit 252 of S already set) stays out.
      expect(refTag(LIQUIDATOR) >> 94n).to.equal(1n);
      const doubled = [...witness];
      doubled[3] = witness[3]! + (1n << 252n);
      expect(doubled[3]! < P).to.equal(true);
      expect(() => circuit.checkConstraints(doubled)).to.throw(/not satisfied/);
    });

    it("gives two liquidators sharing the low 95 bits the same statement (a copier's 2^95-work bound)", function () {
      // Only the tag enters the proof: a copier who finds an address with the victim's low 95
      // bits (about 2^95 key generations) can resubmit the proof. Every other address fails.
      expect(LIQUIDATOR_TWIN).to.not.equal(LIQUIDATOR);
      expect(LIQUIDATOR_TWIN % TWO_95).to.equal(LIQUIDATOR % TWO_95);
      const own = buildInsolvencyInput(h, baseArgs());
      const twin = buildInsolvencyInput(h, baseArgs({ liquidator: LIQUIDATOR_TWIN }));
      expect(twin.publicSignalList).to.deep.equal(own.publicSignalList);
      expect(liquidatorTag(LIQUIDATOR_TWIN)).to.equal(refTag(LIQUIDATOR));
      for (const other of OTHER_LIQUIDATORS) {
        expect(buildInsolvencyInput(h, baseArgs({ liquidator: other })).publicSignals.statement).to.not.equal(own.publicSignals.statement);
      }
    });
  });

  describe("public input layouts", function () {
    it("accepts the statement 2^253 - 1 (every field at its largest) and rejects a statement of 2^253 or more", async function () {
      // requirement 2^150 - 1, indexA = indexB = 15 (amountB = 0), liquidator 2^160 - 1 (tag 2^95 - 1).
      const largest = baseRaw({ requirement: MAX_REQUIREMENT, indexA: 15, amountA: 1n, indexB: 15, amountB: 0n, liquidator: (1n << 160n) - 1n });
      expect(rawInput(h, largest).statement).to.equal(TWO_253 - 1n);
      circuit.checkConstraints(await circuit.calculateWitness(rawInput(h, largest)));
      // A statement with tag 0 plus 2^253 is still a field element (p > 2^253 + 2^252).
      const tagZero = refStatement(VALUE + 10n ** 30n, 1n, 0n, 0n);
      for (const bad of [TWO_253, tagZero + TWO_253, P - 1n]) {
        expect(bad < P).to.equal(true);
        await circuit.expectWitnessFailure(rawInput(h, baseRaw(), { statement: bad }), STATEMENT_LAYOUT);
      }
    });

    it("rejects seized amounts of 2^192 or more", async function () {
      const seized = refSeized(10n ** 7n, 2n * 10n ** 18n);
      for (const bad of [seized + (1n << 192n), 1n << 192n, P - 1n]) {
        await circuit.expectWitnessFailure(rawInput(h, baseRaw(), { seized: bad }), SEIZED_LAYOUT);
      }
    });

    it("reads the same layout as unpackInsolvencyStatement / unpackSeized", function () {
      const statement = refStatement(MAX_REQUIREMENT, 15n, 7n, refTag(LIQUIDATOR));
      expect(unpackInsolvencyStatement(statement)).to.deep.equal({ requirement: MAX_REQUIREMENT, indexA: 15, indexB: 7, liquidatorTag: refTag(LIQUIDATOR) });
      expect(packInsolvencyStatement(MAX_REQUIREMENT, 15, 7, LIQUIDATOR)).to.equal(statement);
      expect(unpackInsolvencyStatement(TWO_253 - 1n)).to.deep.equal({ requirement: MAX_REQUIREMENT, indexA: 15, indexB: 15, liquidatorTag: TWO_95 - 1n });
      expect(unpackSeized(refSeized(MAX_AMOUNT, 1n))).to.deep.equal({ amountA: MAX_AMOUNT, amountB: 1n });
    });
  });

  describe("size and speed", function () {
    it("has the constraint count written in its main file's header", async function () {
      const header = readFileSync(join(PROJECT_ROOT, "circuits/main/insolvency.circom"), "utf8");
      const documented = /([\d,]+) non-linear constraints, ([\d,]+) wires/.exec(header);
      expect(documented, "constraint count in circuits/main/insolvency.circom").to.not.equal(null);
      expect(circuit.info.constraints).to.equal(Number(documented![1]!.replace(/,/g, "")));
      expect(circuit.info.wires).to.equal(Number(documented![2]!.replace(/,/g, "")));
      expect(circuit.info.publicInputs).to.equal(7);
      expect(circuit.info.publicOutputs).to.equal(0);
    });

    it("proves and verifies with the build's key (after npm run build)", async function () {
      const artifacts = {
        wasmPath: join(PROJECT_ROOT, "build/circuits/insolvency/insolvency_js/insolvency.wasm"),
        zkeyPath: join(PROJECT_ROOT, "build/keys/insolvency.zkey"),
      };
      const vkey = join(PROJECT_ROOT, "build/keys/insolvency.vkey.json");
      // npm test builds first: a missing artifact is a broken build, not a reason to skip.
      const missing = [artifacts.wasmPath, artifacts.zkeyPath, vkey].filter((f) => !existsSync(f));
      expect(missing, "build artifacts missing: run npm run build").to.deep.equal([]);
      // snarkjs proves in a child process (its thread pool cannot start inside the test runner's worker).
      const prover = new Prover();
      try {
        const built = buildInsolvencyInput(h, baseArgs());
        const { proof, publicSignals, witnessMs, proveMs } = await prover.prove(artifacts, built.input);
        console.log(`      insolvency proof: witness ${witnessMs.toFixed(0)} ms + prove ${proveMs.toFixed(0)} ms (first proof of a cold child)`);
        expect(publicSignals).to.deep.equal(built.publicSignalList.map(String));
        const key = JSON.parse(readFileSync(vkey, "utf8"));
        expect(await snarkjs.groth16.verify(key, publicSignals, proof)).to.equal(true);
        // The same proof sent by another address (the contract packs the low 95 bits of msg.sender
        // into the statement) does not verify.
        for (const other of OTHER_LIQUIDATORS) {
          const copied = [...publicSignals];
          copied[2] = String(refStatement(VALUE + 10n ** 30n, 1n, 0n, refTag(other)));
          expect(copied[2]).to.not.equal(publicSignals[2]);
          expect(await snarkjs.groth16.verify(key, copied, proof), `liquidator ${other.toString(16)}`).to.equal(false);
        }
        // An address sharing the low 95 bits gets the same public inputs, so the proof verifies for
        // it: the copier's bound is finding such an address (2^95 work).
        const twin = buildInsolvencyInput(h, baseArgs({ liquidator: LIQUIDATOR_TWIN })).publicSignalList.map(String);
        expect(twin).to.deep.equal(publicSignals);
        expect(await snarkjs.groth16.verify(key, twin, proof)).to.equal(true);
        // A solvent account: the prover refuses (the witness does not exist), at the insolvency check.
        const solvent = rawInput(h, baseRaw({ requirement: VALUE }));
        let rejected: unknown;
        try {
          await prover.prove(artifacts, solvent as Record<string, unknown>);
        } catch (err) {
          rejected = err;
        }
        expect(rejected).to.be.instanceOf(WitnessRejectedError);
        expect((rejected as Error).message).to.match(INSOLVENT);
      } finally {
        await prover.close();
        await terminateCurves(); // groth16.verify started BN254 worker threads in this process
      }
    });
  });
});

describe("Insolvency(8) circuit (an index can name a missing slot)", function () {
  let circuit: TestCircuit;
  let h: SyncPoseidon;
  const amounts = AMOUNTS.slice(0, 8);
  const weights = WEIGHTS.slice(0, 8);

  before(async function () {
    h = await initPoseidon();
    circuit = await loadCircuit("test/circuits/main/insolvency_8.circom");
  });

  it("accepts seizures from slots 7 and 6", async function () {
    const raw = baseRaw({ amounts, weights, requirement: valueOf(amounts, weights) + 1n, indexA: 7, amountA: 1n, indexB: 6, amountB: 1n });
    circuit.checkConstraints(await circuit.calculateWitness(rawInput(h, raw)));
  });

  it("rejects an index of 8 or more in either position", async function () {
    const requirement = valueOf(amounts, weights) + 1n;
    for (const [indexA, indexB] of [[8, 0], [0, 8], [15, 1]] as const) {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ amounts, weights, requirement, indexA, amountA: 0n, indexB, amountB: 0n })), SLOT);
    }
  });
});

describe("buildInsolvencyInput and remainderOpening", function () {
  let h: SyncPoseidon;
  before(async function () {
    h = await initPoseidon();
  });

  const rejects = (args: InsolvencyArgs, field: string, message: string | RegExp): WitnessInputError => {
    let error: unknown;
    try {
      buildInsolvencyInput(h, args);
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(WitnessInputError);
    const e = error as WitnessInputError;
    expect(e.field).to.equal(field);
    if (typeof message === "string") expect(e.message).to.include(message);
    else expect(e.message).to.match(message);
    return e;
  };

  it("names a solvent account, with its value and the requirement", function () {
    for (const requirement of [VALUE, VALUE - 1n, 0n]) {
      const e = rejects(baseArgs({ requirement }), "requirement", `the account is solvent: value ${VALUE} >= requirement ${requirement}`);
      expect(e).to.be.instanceOf(SolventAccountError);
    }
  });

  it("names a seizure of more than held", function () {
    rejects(baseArgs({ seizures: [{ index: 1, amount: AMOUNTS[1]! + 1n }] }), "seizures[0].amount", `more than the ${AMOUNTS[1]} held in slot 1`);
    rejects(baseArgs({ seizures: [{ index: 1, amount: 1n }, { index: 3, amount: 1n }] }), "seizures[1].amount", "more than the 0 held in slot 3");
  });

  it("names two seizures from one slot, more than two seizures, and a slot that does not exist", function () {
    rejects(baseArgs({ seizures: [{ index: 0, amount: 1n }, { index: 0, amount: 1n }] }), "seizures[1].index", "the slot of seizures[0]");
    rejects(baseArgs({ seizures: [{ index: 0, amount: 1n }, { index: 1, amount: 1n }, { index: 2, amount: 1n }] }), "seizures", "at most 2");
    rejects(baseArgs({ seizures: [{ index: 16, amount: 0n }] }), "seizures[0].index", "not an asset slot");
    rejects(baseArgs({ seizures: [{ index: 0, amount: -1n }] }), "seizures[0].amount", "is negative");
  });

  it("names a liquidator, owner, amount, weight or requirement out of range", function () {
    rejects(baseArgs({ liquidator: 1n << 160n }), "liquidator", "not below 2^160");
    rejects(baseArgs({ opening: { owner: 1n << 160n, amounts: [...AMOUNTS], blinding: BLINDING } }), "opening.owner", "not below 2^160");
    rejects(baseArgs({ opening: { owner: OWNER, amounts: withSlot(AMOUNTS, 4, TWO_96), blinding: BLINDING } }), "opening.amounts[4]", "not below 2^96");
    rejects(baseArgs({ opening: { owner: OWNER, amounts: AMOUNTS.slice(1), blinding: BLINDING } }), "opening.amounts", "has 15 entries");
    rejects(baseArgs({ opening: { owner: OWNER, amounts: [...AMOUNTS], blinding: P } }), "opening.blinding", "not below the field modulus");
    rejects(baseArgs({ weights: withSlot(WEIGHTS, 2, 1n << 128n) }), "weights[2]", "not below 2^128");
    rejects(baseArgs({ requirement: 1n << 150n }), "requirement", "not below 2^150");
  });

  it("lets the owner recompute the remainder from its old opening and the public signals alone", function () {
    const built = buildInsolvencyInput(h, baseArgs());
    const opening = baseArgs().opening;
    const { statement, seized, remainderCommitment } = built.publicSignals;
    const recomputed = remainderOpening(h, opening, seizuresOf(statement, seized));
    expect(recomputed).to.deep.equal(built.remainder);
    expect(accountCommitment(h, recomputed.amounts, recomputed.blinding, recomputed.owner)).to.equal(remainderCommitment);
    expect(recomputed.blinding).to.equal(h([BLINDING, LIQ_DOMAIN]));
    expect(LIQ_DOMAIN).to.equal(REF_LIQ_DOMAIN);
  });

  it("lets the owner chain a second liquidation from the remainder", async function () {
    const first = buildInsolvencyInput(h, baseArgs());
    const second = buildInsolvencyInput(h, baseArgs({ opening: first.remainder, seizures: [{ index: 2, amount: 10n ** 9n }] }));
    expect(second.publicSignals.commitment).to.equal(first.publicSignals.remainderCommitment);
    const circuit = await loadCircuit("circuits/main/insolvency.circom");
    circuit.checkConstraints(await circuit.calculateWitness(second.input));
  });
});
