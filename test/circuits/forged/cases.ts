/**
 * The circuits' oracle: honest inputs (must be accepted), dishonest inputs (must be rejected by
 * the witness generator or the R1CS) and forged witnesses (must be rejected by exactly the
 * constraint they target). test/circuits/forged.test.ts runs the forged witnesses and the honest
 * inputs as part of `npm test`; scripts/mutateCircuits.ts runs all three against every mutant of
 * circuits/src and calls a mutant killed when an honest input fails, a dishonest one passes, or a
 * forgery satisfies every constraint.
 *
 * A forged witness starts from an honest one, overwrites the signals a cheating prover would
 * choose (test/helpers/forge.ts), lets every dependent signal be recomputed from the constraints,
 * and frees the public values such a prover submits itself (a new or remainder commitment, a
 * binding, a state hash): the only thing left to stop it is the targeted constraint.
 *
 * The dishonest inputs restate, compactly, the rejection tests of account_update.test.ts,
 * insolvency.test.ts and test/notes/circuits.test.ts, built from plain arithmetic on the
 * documented formats (every derived public value consistent, so only the intended check can
 * reject them).
 */
import { createHash } from "node:crypto";
import { initPoseidon, type SyncPoseidon } from "../../../prover/src/poseidon.js";
import { planUpdate, type AccountOpening, type UpdateKeeper } from "../../../prover/src/account.js";
import { NO_DELTA } from "../../../prover/src/encoding.js";
import { planAbsorb, planEmit } from "../../../prover/src/notes/account.js";
import { initNoteCrypto, noteChallenge, linearBind, noteValues } from "../../../prover/src/keeperNote/index.js";
import { generateKeeperKey } from "../../../prover/src/keeper/index.js";
import { BATCH_SIZE, idHash, planPeriod, reserveWeights, type ClientBalances, type ReserveWeights } from "../../../prover/src/reserves/index.js";
import type { CircuitInput } from "../../helpers/circuit.js";
import { NOTE_BATCH_LEVELS, NOTE_BATCH_SIZE, NOTE_MAX_BATCHES } from "../../../prover/src/notes/constants.js";
import { noteCommitment, noteNullifier, ownerKeyOf, type Note } from "../../../prover/src/notes/note.js";
import { NoteTree, batchChain } from "../../../prover/src/notes/tree.js";
import { buildBatchInsert, buildJoinSplit, type OwnedNote } from "../../../prover/src/notes/witness.js";
import { type ForgeCircuit, type Forgery, inverse, oneHot, P } from "../../helpers/forge.js";
import { upWeightOf, weightOf } from "../../../prover/src/oracle/index.js";
import { FLOOR_UNIT, packFloors, planPortfolioUpdate, scenarioValues, SCENARIOS } from "../../../prover/src/portfolio.js";
import { DECIMALS, PRICES_E8, rng, weight } from "../../helpers/reference.js";

/** The statement a forgery must fail at: the owner's template and a snippet of the failing line, and optionally a frame of its stack. */
export interface Target {
  template: string;
  code: string;
  /** A snippet of the project statement that created the failing (library) component, e.g. the RangeCheck call. */
  site?: string;
}

export interface ForgedCase {
  name: string;
  target: Target;
  forge(fc: ForgeCircuit): Promise<Forgery>;
}

export interface NamedInput {
  name: string;
  input: CircuitInput;
}

export interface OracleTarget {
  /** Main file, project-relative (the mutation script compiles a mutated copy of it). */
  main: string;
  honest: NamedInput[];
  dishonest: NamedInput[];
  forged: ForgedCase[];
}

export interface CircuitOracle {
  circuit: string;
  /** circuits/src files whose templates this circuit's mutation run owns. */
  sources: string[];
  /** Templates of those files to leave out (owned by another circuit). */
  excludeTemplates?: string[];
  /**
   * Templates of another circuit's files that this circuit's mains use in a configuration the
   * owner's mains do not reach (AccountUpdateWithKeeper(N, 1), whose private change vector only the
   * note updates feed): the owner's mutation run also runs their mutants against this circuit's
   * mains that reach them.
   */
  alsoChecks?: string[];
  targets: OracleTarget[];
}

const TWO_96 = 1n << 96n;
const MAX_AMOUNT = TWO_96 - 1n;
const MAX_WEIGHT = (1n << 128n) - 1n;
const MAX_REQUIREMENT = (1n << 150n) - 1n;
const mod = (x: bigint): bigint => ((x % P) + P) % P;
const withSlot = (a: readonly bigint[], i: number, v: bigint): bigint[] => a.map((x, j) => (j === i ? v : x));
const valueOf = (a: readonly bigint[], w: readonly bigint[]): bigint => a.reduce((acc, x, i) => acc + x * w[i]!, 0n);
const names = (base: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${base}[${i}]`);

// ---------------------------------------------------------------------------
// Reference formats (plain arithmetic, as in the circuit suites).

function basketHash(h: SyncPoseidon, amounts: readonly bigint[]): bigint {
  const packed: bigint[] = [];
  for (let i = 0; i < amounts.length; i += 2) packed.push(mod(amounts[i]! + amounts[i + 1]! * TWO_96));
  return h(packed);
}
const commitment = (h: SyncPoseidon, amounts: readonly bigint[], blinding: bigint, owner: bigint): bigint =>
  h([basketHash(h, amounts), mod(blinding), mod(owner)]);
function weightsHash(h: SyncPoseidon, weights: readonly bigint[]): bigint {
  const groups: bigint[] = [];
  for (let i = 0; i < weights.length; i += 4) groups.push(h(weights.slice(i, i + 4).map(mod)));
  return h(groups);
}
const updateStatement = (requirement: bigint, magnitude: bigint, sign: bigint, index: number): bigint =>
  requirement + magnitude * 2n ** 150n + sign * 2n ** 246n + BigInt(index) * 2n ** 247n;

const WEIGHTS = DECIMALS.map((d, i) => weight(PRICES_E8[i]!, d, BigInt(500 + 100 * i)));
const AMOUNTS = [
  12n * 10n ** 18n + 345n, 3n * 10n ** 7n, 25_000n * 10n ** 6n, 0n, 1n, 7n * 10n ** 18n, 5n * 10n ** 8n, 10n ** 18n,
  0n, 999_999n, 10n ** 21n, 123_456_789_012n, 0n, 3n, 10n ** 17n, 42n * 10n ** 9n,
];
const OWNER = 0x5b38da6a701c568545dcfcb03fcb875f56beddc4n;
const OLD_BLINDING = 0x1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678n;
const NEW_BLINDING = 0x0fed_cba9_8765_4321_0fed_cba9_8765_4321_0fed_cba9_8765_4321_0fed_cba9n;

interface UpdateCase {
  owner: bigint;
  amounts: readonly bigint[];
  oldBlinding: bigint;
  newBlinding: bigint;
  weights: readonly bigint[];
  requirement: bigint;
  index: number;
  sign: bigint;
  magnitude: bigint;
}
const update = (o: Partial<UpdateCase> = {}): UpdateCase => ({
  owner: OWNER,
  amounts: AMOUNTS,
  oldBlinding: OLD_BLINDING,
  newBlinding: NEW_BLINDING,
  weights: WEIGHTS,
  requirement: 10n ** 30n,
  index: 0,
  sign: 0n,
  magnitude: 10n ** 18n,
  ...o,
});
type UpdatePublic = Partial<Record<"oldCommitment" | "newCommitment" | "weightsHash" | "statement", bigint>>;
/** Input of the statement-only main (AccountUpdate(N)): every public value derived from the case unless overridden. */
function updateInput(h: SyncPoseidon, r: UpdateCase, over: UpdatePublic = {}): CircuitInput {
  const d = r.sign === 1n ? -r.magnitude : r.magnitude;
  const next = r.amounts.map((a, i) => mod(a + (i === r.index ? d : 0n)));
  return {
    oldCommitment: over.oldCommitment ?? commitment(h, r.amounts, r.oldBlinding, r.owner),
    newCommitment: over.newCommitment ?? commitment(h, next, r.newBlinding, r.owner),
    weightsHash: over.weightsHash ?? weightsHash(h, r.weights),
    statement: over.statement ?? updateStatement(r.requirement, r.magnitude, r.sign, r.index),
    owner: mod(r.owner),
    oldBlinding: mod(r.oldBlinding),
    newBlinding: mod(r.newBlinding),
    amounts: r.amounts.map(mod),
    weights: r.weights.map(mod),
  };
}

// ---------------------------------------------------------------------------
// Account update.

const SLOT_TARGET: Target = { template: "SlotSelector", code: "out[i] * (index - i) === 0;" };
const AU = "AccountUpdate";

function statementForgeries(h: SyncPoseidon, prefix: string, input: CircuitInput, free: string[]): ForgedCase[] {
  const u = (s: string): string => `${prefix}.${s}`;
  const base = async (fc: ForgeCircuit): Promise<Forgery> => fc.forge(await fc.witness(input));
  const value = valueOf(withSlot(AMOUNTS, 0, AMOUNTS[0]! + 10n ** 18n), WEIGHTS);
  /**
   * "The hash was fed the honest value, the rest of the circuit another one": `pin` keeps a wire
   * between the opening and a hash at its honest value while the opening changes under it.
   */
  const fedHonest = (name: string, template: string, code: string, pin: string, change: [string, bigint]): ForgedCase => ({
    name,
    target: { template, code },
    forge: async (fc) => {
      const f = await base(fc);
      return f.keepAll([u(pin)]).set(change[0], f.get(change[0]) + change[1]).recompute({ free });
    },
  });
  const plusToken: [string, bigint] = ["main.amounts[0]", 10n ** 18n];
  const richer: [string, bigint] = ["main.weights[0]", 10n ** 20n];
  return [
    {
      name: "debits slot 3 while the public index names slot 0",
      target: SLOT_TARGET,
      forge: async (fc) => (await base(fc)).setArray(u("slot.out"), oneHot(16, 3)).recompute({ free }),
    },
    {
      name: "an old amount of a4 + 2^96 (with a5 - 1: the same packing, the commitment opens)",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheckArray(N, AMOUNT_BITS())(amounts);" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set("main.amounts[4]", AMOUNTS[4]! + TWO_96).set("main.amounts[5]", AMOUNTS[5]! - 1n).recompute({ free });
      },
    },
    {
      name: "withdraws 1 from the empty slot 3: the new amount wraps to p - 1",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck(AMOUNT_BITS())(newAtIndex);" },
      forge: async (fc) => (await base(fc)).set("main.statement", updateStatement(10n ** 30n, 1n, 1n, 3)).recompute({ free }),
    },
    {
      name: "a withdrawal statement whose negative part is forged to 0 (the basket gains what the statement withdraws)",
      target: { template: AU, code: "signal negative <== st.sign * st.magnitude;" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", updateStatement(10n ** 30n, 10n ** 18n, 1n, 0)).set(u("negative"), 0n).recompute({ free }),
    },
    {
      name: "a change vector that adds 1 token more than the delta",
      target: { template: AU, code: "change[i] <== slot.out[i] * delta;" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set(u("change[0]"), f.get(u("change[0]")) + 10n ** 18n).recompute({ free });
      },
    },
    {
      name: "an overdraft hidden by a forged pick: withdraw 1 from the empty slot 3 while claiming it ends at 0",
      target: { template: AU, code: "picked[i] <== slot.out[i] * newAmounts[i];" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", updateStatement(10n ** 30n, 1n, 1n, 3)).set(u("picked[3]"), 0n).recompute({ free }),
    },
    {
      name: "a new amount minted in an untouched slot",
      target: { template: AU, code: "newAmounts[i] <== amounts[i] + change[i] + extra[i];" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set(u("newAmounts[5]"), f.get(u("newAmounts[5]")) + 10n ** 21n).recompute({ free });
      },
    },
    {
      name: "a requirement one unit above the value, met by a forged weighted term",
      target: { template: AU, code: "weighted[i] <== newAmounts[i] * weights[i];" },
      forge: async (fc) => {
        const f = (await base(fc)).set("main.statement", updateStatement(value + 1n, 10n ** 18n, 0n, 0));
        return f.set(u("weighted[0]"), f.get(u("weighted[0]")) + 1n).recompute({ free });
      },
    },
    {
      name: "a requirement one unit above the value (the margin comparison)",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "AssertGreaterEqThan(VALUE_BITS)([value, st.requirement]);" },
      forge: async (fc) => (await base(fc)).set("main.statement", updateStatement(value + 1n, 10n ** 18n, 0n, 0)).recompute({ free }),
    },
    {
      name: "a requirement above the value, unpacked as 0",
      target: { template: "UnpackStatement", code: "requirement <== req;" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", updateStatement(value + 1n, 10n ** 18n, 0n, 0)).set(u("st.requirement"), 0n).recompute({ free }),
    },
    {
      name: "a withdrawal statement unpacked as a zero magnitude (the chain pays out, the basket keeps it)",
      target: { template: "UnpackStatement", code: "magnitude <== mag;" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", updateStatement(10n ** 30n, 10n ** 18n, 1n, 0)).set(u("st.magnitude"), 0n).recompute({ free }),
    },
    {
      name: "a withdrawal statement unpacked as a deposit",
      target: { template: "UnpackStatement", code: "sign <== bits.out[SIGN_SHIFT()];" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", updateStatement(10n ** 30n, 10n ** 18n, 1n, 0)).set(u("st.sign"), 0n).recompute({ free }),
    },
    {
      name: "an unpacked index naming slot 3 while the statement names slot 0",
      target: { template: "UnpackStatement", code: "index <== idx;" },
      forge: async (fc) => (await base(fc)).set(u("st.index"), 3n).recompute({ free }),
    },
    {
      name: "the selector fed slot 3 while the statement names slot 0",
      target: { template: AU, code: "slot.index <== st.index;" },
      forge: async (fc) => (await base(fc)).set(u("slot.index"), 3n).recompute({ free }),
    },
    {
      name: "a deposit credited twice (the selector's one at the index forged to 2)",
      target: { template: "SlotSelector", code: "total === 1;" },
      forge: async (fc) => (await base(fc)).set(u("slot.out[0]"), 2n).recompute({ free }),
    },
    fedHonest("an old commitment whose basket hash output is kept while the basket gains a token", "BasketHash", "out <== h.out;", "oldC.basket.out", plusToken),
    fedHonest("an old commitment whose basket hash reads the honest amounts while the basket gains a token", "AccountCommitment", "basket.amounts <== amounts;", "oldC.basket.amounts[0]", plusToken),
    fedHonest("an old commitment hashing the honest basket hash while the basket gains a token", "AccountCommitment", "h.inputs[0] <== basket.out;", "oldC.h.inputs[0]", plusToken),
    fedHonest("an old commitment output kept while the basket gains a token", "AccountCommitment", "out <== h.out;", "oldC.out", plusToken),
    fedHonest("an old commitment of the honest amounts while the update reads one token more", AU, "oldC.amounts <== amounts;", "oldC.amounts[0]", plusToken),
    fedHonest("an old commitment of the honest owner while the update names another", AU, "oldC.owner <== owner;", "oldC.owner", ["main.owner", 1n]),
    fedHonest("the epoch's weights hashed while a larger weight values the basket", "WeightsHash", "groups[g].inputs[j] <== weights[4 * g + j];", "wh.groups[0].inputs[0]", richer),
    fedHonest("the epoch's group hash kept while a larger weight values the basket", "WeightsHash", "top.inputs[g] <== groups[g].out;", "wh.top.inputs[0]", richer),
    fedHonest("the epoch's weights hash output kept while a larger weight values the basket", "WeightsHash", "out <== top.out;", "wh.out", richer),
    fedHonest("the epoch's weights hashed from the honest vector while a larger weight values the basket", AU, "wh.weights <== weights;", "wh.weights[0]", richer),
    {
      name: "a statement split from another value than the public one (requirement 0)",
      target: { template: AU, code: "st.statement <== statement;" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set(u("st.statement"), f.get("main.statement") - 10n ** 30n).recompute({ free });
      },
    },
    {
      name: "a new commitment to a basket with one token more than the update's",
      target: { template: AU, code: "newC.amounts <== newAmounts;" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.keepAll(names(u("newC.amounts"), 16)).set(u("newC.amounts[5]"), f.get(u("newC.amounts[5]")) + 10n ** 18n).recompute({ free });
      },
    },
    {
      name: "a new commitment to another owner than the old one's",
      target: { template: AU, code: "newC.owner <== owner;" },
      forge: async (fc) => (await base(fc)).set(u("newC.owner"), OWNER + 1n).recompute({ free }),
    },
    {
      name: "an old commitment that opens to a basket with one token more (the hash fed the honest packing)",
      target: { template: "BasketHash", code: "h.inputs[k] <== amounts[2 * k] + amounts[2 * k + 1] * (1 << AMOUNT_BITS());" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.keepAll([u("oldC.basket.h.inputs[0]")]).set("main.amounts[0]", AMOUNTS[0]! + 10n ** 18n).recompute({ free });
      },
    },
    {
      name: "a new commitment to another owner",
      target: { template: "AccountCommitment", code: "h.inputs[2] <== owner;" },
      forge: async (fc) => (await base(fc)).set(u("newC.h.inputs[2]"), OWNER + 1n).recompute({ free }),
    },
  ];
}

async function accountUpdateOracle(h: SyncPoseidon): Promise<CircuitOracle> {
  const crypto = await initNoteCrypto();
  const keeperKey = (await generateKeeperKey()).publicKey;
  const keeper = { keeperId: 3n, key: keeperKey };

  // Statement-only main: honest and dishonest inputs as in account_update.test.ts.
  const statementMain = "test/circuits/main/account_update_16.circom";
  const value1 = valueOf(withSlot(AMOUNTS, 1, AMOUNTS[1]! - 10n ** 7n), WEIGHTS);
  const honest: NamedInput[] = [
    { name: "deposit into slot 3", input: updateInput(h, update({ index: 3, magnitude: 5n * 10n ** 18n })) },
    { name: "withdrawal emptying slot 5", input: updateInput(h, update({ index: 5, sign: 1n, magnitude: AMOUNTS[5]! })) },
    { name: "requirement equal to the value", input: updateInput(h, update({ index: 1, sign: 1n, magnitude: 10n ** 7n, requirement: value1 })) },
    {
      name: "every bound at its largest (amounts, weights, requirement, owner, index 15)",
      input: updateInput(h, update({ amounts: Array(16).fill(MAX_AMOUNT), weights: Array(16).fill(MAX_WEIGHT), requirement: MAX_REQUIREMENT, index: 15, magnitude: 0n, owner: (1n << 160n) - 1n, oldBlinding: P - 1n })),
    },
    { name: "deposit landing on 2^96 - 1", input: updateInput(h, update({ amounts: withSlot(AMOUNTS, 7, 5n), index: 7, magnitude: MAX_AMOUNT - 5n })) },
    { name: "withdrawal of 2^96 - 1 to zero", input: updateInput(h, update({ amounts: withSlot(AMOUNTS, 15, MAX_AMOUNT), index: 15, sign: 1n, magnitude: MAX_AMOUNT })) },
  ];
  const next = withSlot(AMOUNTS, 0, AMOUNTS[0]! + 10n ** 18n);
  const collideA = withSlot(withSlot(AMOUNTS, 0, TWO_96), 1, AMOUNTS[1]!);
  const collideB = withSlot(withSlot(AMOUNTS, 2, P - 1n), 3, 5n);
  const wrongWeights = updateInput(h, update(), { weightsHash: weightsHash(h, WEIGHTS) });
  (wrongWeights.weights as bigint[])[7] = WEIGHTS[7]! + 1n;
  const wrongBlinding = updateInput(h, update());
  wrongBlinding.oldBlinding = OLD_BLINDING + 1n;
  const value = valueOf(next, WEIGHTS);
  const dishonest: NamedInput[] = [
    { name: "old amount 2^96 (packing collision)", input: updateInput(h, update({ amounts: collideA, magnitude: 0n })) },
    { name: "old amount p - 1 (packing collision)", input: updateInput(h, update({ amounts: collideB, magnitude: 0n })) },
    { name: "withdrawal of one more than held", input: updateInput(h, update({ index: 2, sign: 1n, magnitude: AMOUNTS[2]! + 1n, requirement: 0n })) },
    { name: "withdrawal from an empty slot", input: updateInput(h, update({ index: 3, sign: 1n, magnitude: 1n, requirement: 0n })) },
    { name: "deposit reaching 2^96", input: updateInput(h, update({ amounts: withSlot(AMOUNTS, 9, MAX_AMOUNT - 9n), index: 9, magnitude: 10n })) },
    { name: "weights one unit off the hash", input: wrongWeights },
    { name: "requirement one above the value", input: updateInput(h, update({ requirement: value + 1n })) },
    { name: "largest requirement", input: updateInput(h, update({ requirement: MAX_REQUIREMENT })) },
    { name: "wrong old blinding", input: wrongBlinding },
    { name: "wrong owner", input: updateInput(h, update({ owner: OWNER + 1n }), { oldCommitment: commitment(h, AMOUNTS, OLD_BLINDING, OWNER) }) },
    { name: "owner 2^160", input: updateInput(h, update({ owner: 1n << 160n })) },
    { name: "new commitment without the delta", input: updateInput(h, update(), { newCommitment: commitment(h, AMOUNTS, NEW_BLINDING, OWNER) }) },
    { name: "new commitment with the delta elsewhere", input: updateInput(h, update(), { newCommitment: commitment(h, withSlot(AMOUNTS, 1, AMOUNTS[1]! + 10n ** 18n), NEW_BLINDING, OWNER) }) },
    { name: "new commitment adding a withdrawal", input: updateInput(h, update({ sign: 1n }), { newCommitment: commitment(h, next, NEW_BLINDING, OWNER) }) },
    { name: "new commitment to another owner", input: updateInput(h, update(), { newCommitment: commitment(h, next, NEW_BLINDING, OWNER + 1n) }) },
    ...[1n << 251n, P - 1n].map((statement) => ({ name: `statement ${statement === P - 1n ? "p - 1" : "2^251"}`, input: updateInput(h, update(), { statement }) })),
    // The honest statement plus 2^251: the same fields, so the commitments still match; only the 251-bit width stops it.
    { name: "statement + 2^251", input: updateInput(h, update(), { statement: updateStatement(10n ** 30n, 10n ** 18n, 0n, 0) + (1n << 251n) }) },
  ];
  const base = update();
  const statementTarget: OracleTarget = {
    main: statementMain,
    honest,
    dishonest,
    forged: statementForgeries(h, "main.u", updateInput(h, base), ["main.newCommitment"]),
  };

  // N = 8: a 4-bit index can name a slot that does not exist.
  const small = { amounts: AMOUNTS.slice(0, 8), weights: WEIGHTS.slice(0, 8) };
  const smallTarget: OracleTarget = {
    main: "test/circuits/main/account_update_8.circom",
    honest: [{ name: "update of slot 7", input: updateInput(h, update({ ...small, index: 7, sign: 1n })) }],
    dishonest: [8, 15].map((index) => ({ name: `index ${index}`, input: updateInput(h, update({ ...small, index, magnitude: 0n })) })),
    forged: [],
  };

  // The production main, with the keeper encryption.
  const opening = { owner: 0xabcn, amounts: withSlot(withSlot(Array<bigint>(16).fill(0n), 1, 5n * 10n ** 18n), 3, 2n * 10n ** 18n), blinding: 77n };
  const kWeights = withSlot(withSlot(Array<bigint>(16).fill(0n), 1, 2_700n * 10n ** 12n), 3, 10n ** 12n);
  const plan = (nonce: bigint, requirement = 10n ** 30n, o = opening) =>
    planUpdate(h, o, { index: 1, amount: -(10n ** 18n) }, requirement, kWeights, { crypto, keeper, nonce }, 0xfeedn);
  const honestPlan = plan(42n);
  const keeperInput = honestPlan.input as unknown as CircuitInput;
  const garbage = { ...honestPlan.note, ciphertext: honestPlan.note.ciphertext.map((c, i) => (i === 4 ? c + 1n : c)) };
  const gChallenge = noteChallenge(honestPlan.publicSignals.newCommitment, garbage, keeperKey, 42n);
  const otherKey = (await generateKeeperKey()).publicKey;
  const oChallenge = noteChallenge(honestPlan.publicSignals.newCommitment, honestPlan.note, otherKey, 42n);
  const free = ["main.newCommitment", "main.binding"];
  const kBase = async (fc: ForgeCircuit): Promise<Forgery> => fc.forge(await fc.witness(keeperInput));
  /**
   * Adds `delta` to one signal (an intermediate the forger writes) and recomputes the rest;
   * `wholeArray` pins the other elements of its array (a copy into a subcomponent's input array),
   * so the forgery does not depend on how a mutant without the copy would re-solve them.
   */
  const bump = (name: string, template: string, code: string, signal: string, delta = 1n, wholeArray = false): ForgedCase => ({
    name,
    target: { template, code },
    forge: async (fc) => {
      const f = await kBase(fc);
      if (wholeArray) f.keepAll(fc.signals(`${signal.replace(/\[\d+\]$/, "")}[`));
      return f.set(signal, f.get(signal) + delta).recompute({ free });
    },
  });
  const richer = withSlot(opening.amounts, 1, opening.amounts[1]! + 10n ** 18n);
  const doubled = withSlot(kWeights, 1, kWeights[1]! * 2n);
  const L = "AccountUpdateWithKeeper";
  const K = "KeeperEncryption";
  const keeperTarget: OracleTarget = {
    main: "circuits/main/account_update.circom",
    honest: [
      { name: "keeper update", input: keeperInput },
      { name: "keeper update, nonce 2^64 - 1", input: plan((1n << 64n) - 1n).input as unknown as CircuitInput },
      {
        name: "keeper update of a basket at its bounds",
        input: plan(7n, 0n, { owner: (1n << 160n) - 1n, amounts: Array(16).fill(MAX_AMOUNT), blinding: P - 1n }).input as unknown as CircuitInput,
      },
    ],
    dishonest: [
      { name: "binding of a garbage ciphertext", input: { ...keeperInput, challenge: gChallenge, binding: linearBind(noteValues(garbage, keeperKey, 42n), gChallenge) } },
      { name: "binding for another keeper key", input: { ...keeperInput, challenge: oChallenge, binding: linearBind(noteValues(honestPlan.note, otherKey, 42n), oChallenge) } },
      { name: "another nonce", input: { ...keeperInput, nonce: 43n } },
    ],
    forged: [
      ...statementForgeries(h, "main.update", keeperInput, free).slice(0, 1),
      {
        name: "a ciphertext element that differs from the encryption (its binding recomputed)",
        target: { template: "KeeperEncryption", code: "ciphertext[j] <== amounts[2 * j] + amounts[2 * j + 1] * (1 << AMOUNT_BITS()) + stream.out[j + 1];" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.set("main.enc.ciphertext[2]", f.get("main.enc.ciphertext[2]") + 1n).recompute({ free });
        },
      },
      {
        name: "an ephemeral key that is not k * Base8",
        target: { template: "KeeperEncryption", code: "ephemeralKey <== EscalarMulFix(EPH_BITS(), BASE8)(k);" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.set("main.enc.ephemeralKey[0]", f.get("main.enc.ephemeralKey[0]") + 1n).recompute({ free });
        },
      },
      {
        name: "an ephemeral scalar that is not the seed's low 250 bits",
        target: { template: "KeeperEncryption", code: "k[i] <== seedBits[i];" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.keepAll(names("main.enc.k", 250)).set("main.enc.k[0]", 1n - f.get("main.enc.k[0]")).recompute({ free });
        },
      },
      {
        name: "a keystream taken from another shared point",
        target: { template: "KeeperEncryption", code: "stream.inputs[0] <== shared[0];" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.keepAll(names("main.enc.stream.inputs", 9)).set("main.enc.stream.inputs[0]", f.get("main.enc.stream.inputs[0]") + 1n).recompute({ free });
        },
      },
      {
        name: "the identity as keeper key (a public keystream)",
        target: { template: "KeeperEncryption", code: "keeperKey[0] * keyXInverse === 1;" },
        forge: async (fc) => (await kBase(fc)).set("main.keeperKey[0]", 0n).set("main.keeperKey[1]", 1n).recompute({ free }),
      },
      {
        name: "a nonce of 2^64 + 42",
        target: { template: "Num2Bits", code: "lc1 === in;", site: "_ <== Num2Bits(NONCE_BITS())(nonce);" },
        forge: async (fc) => (await kBase(fc)).set("main.nonce", (1n << 64n) + 42n).recompute({ free }),
      },
      bump("a commitment under another blinding than the encrypted one (update input)", L, "update.newBlinding <== newBlinding;", "main.update.newBlinding", 5n),
      bump("a commitment under another blinding than the encrypted one (commitment input)", AU, "newC.blinding <== newBlinding;", "main.update.newC.blinding", 5n),
      bump("an encryption of another blinding than the committed one", L, "enc.blinding <== newBlinding;", "main.enc.blinding", 5n),
      {
        name: "a commitment hashing the honest blinding while the note encrypts another",
        target: { template: "AccountCommitment", code: "h.inputs[1] <== blinding;" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.keepAll(["main.update.newC.h.inputs[1]"]).set("main.newBlinding", f.get("main.newBlinding") + 5n).recompute({ free });
        },
      },
      bump("an encryption under another nonce than the bound one", L, "enc.nonce <== nonce;", "main.enc.nonce"),
      bump("a private change minting 10^21 into slot 5 of the plain update (its change vector is fixed at 0)", L, "update.extra[i] <== 0;", "main.update.extra[5]", 10n ** 21n),
      bump("a binding over another ephemeral key x than the computed one", L, "bind.values[L] <== enc.ephemeralKey[0];", "main.bind.values[9]", 1n, true),
      bump("a binding over another ephemeral key y than the computed one", L, "bind.values[L + 1] <== enc.ephemeralKey[1];", "main.bind.values[10]", 1n, true),
      bump("a binding over another keeper key x than the encryption's", L, "bind.values[L + 2] <== keeperKey[0];", "main.bind.values[11]", 1n, true),
      bump("a binding over another keeper key y than the encryption's", L, "bind.values[L + 3] <== keeperKey[1];", "main.bind.values[12]", 1n, true),
      bump("a binding over another nonce than the encryption's", L, "bind.values[L + 4] <== nonce;", "main.bind.values[13]", 1n, true),
      bump("a binding evaluated at another challenge than the public one", L, "bind.r <== challenge;", "main.bind.r"),
      {
        name: "a public binding other than the evaluation the circuit computes",
        target: { template: L, code: "bind.e <== binding;" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.keepAll(["main.bind.e"]).set("main.binding", f.get("main.binding") + 1n).recompute({ free: ["main.newCommitment"] });
        },
      },
      bump("a binding whose last Horner step is forged", "LinearBind", "acc[n - 1] <== values[n - 1] * r;", "main.bind.acc[13]"),
      bump("a binding whose middle Horner step is forged", "LinearBind", "acc[i] <== (acc[i + 1] + values[i]) * r;", "main.bind.acc[5]"),
      bump("the blinding element of the ciphertext forged", K, "ciphertext[LENGTH - 1] <== blinding + stream.out[LENGTH];", "main.enc.ciphertext[8]"),
      bump("a keystream absorbing another shared y", K, "stream.inputs[1] <== shared[1];", "main.enc.stream.inputs[1]", 1n, true),
      bump("a keystream absorbing another nonce", K, "stream.inputs[2] <== nonce;", "main.enc.stream.inputs[2]", 1n, true),
      bump("a keystream absorbing a nonzero padding element", K, "stream.inputs[i] <== 0;", "main.enc.stream.inputs[5]", 1n, true),
      bump("a keystream under another domain", K, "stream.initialState <== KS_DOMAIN();", "main.enc.stream.initialState"),
      {
        name: "an encryption to the forger's key while the binding names the keeper's",
        target: { template: L, code: "enc.keeperKey <== keeperKey;" },
        forge: async (fc) => (await kBase(fc)).setArray("main.enc.keeperKey", [...otherKey]).recompute({ free }),
      },
      {
        name: "a keeper key off the curve",
        target: { template: "BabyCheck", code: "a*x2 + y2 === 1 + d*x2*y2;" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.set("main.keeperKey[1]", f.get("main.keeperKey[1]") + 1n).recompute({ free });
        },
      },
      {
        name: "an update proven for a richer account than the stored commitment",
        target: { template: L, code: "update.oldCommitment <== oldCommitment;" },
        forge: async (fc) =>
          (await kBase(fc)).set("main.update.oldCommitment", commitment(h, richer, opening.blinding, opening.owner)).setArray("main.amounts", richer).recompute({ free }),
      },
      {
        name: "an update valued at other weights than the epoch's",
        target: { template: L, code: "update.weightsHash <== weightsHash;" },
        forge: async (fc) => (await kBase(fc)).set("main.update.weightsHash", weightsHash(h, doubled)).setArray("main.weights", doubled).recompute({ free }),
      },
      {
        name: "an update proven for another statement than the public one (requirement 0)",
        target: { template: L, code: "update.statement <== statement;" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.set("main.update.statement", f.get("main.statement") - 10n ** 30n).recompute({ free });
        },
      },
      {
        name: "a stored commitment other than the one proven",
        target: { template: L, code: "update.newCommitment <== newCommitment;" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.keepAll(["main.update.newCommitment"]).set("main.newCommitment", commitment(h, richer, 1n, opening.owner)).recompute({ free: ["main.binding"] });
        },
      },
      {
        name: "the encryption of another new basket than the committed one",
        target: { template: "AccountUpdateWithKeeper", code: "enc.amounts <== update.newAmounts;" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.keepAll(names("main.enc.amounts", 16)).set("main.enc.amounts[3]", f.get("main.enc.amounts[3]") + 1n).recompute({ free });
        },
      },
      {
        name: "a binding over another ciphertext vector than the computed one",
        target: { template: "AccountUpdateWithKeeper", code: "bind.values[i] <== enc.ciphertext[i];" },
        forge: async (fc) => {
          const f = await kBase(fc);
          return f.keepAll(names("main.bind.values", 14)).set("main.bind.values[0]", f.get("main.bind.values[0]") + 1n).recompute({ free });
        },
      },
    ],
  };
  return {
    circuit: "account_update",
    sources: ["circuits/src/range.circom", "circuits/src/hashing.circom", "circuits/src/account_update.circom", "circuits/src/encryption.circom"],
    targets: [statementTarget, smallTarget, keeperTarget],
  };
}

// ---------------------------------------------------------------------------
// Insolvency.

const LIQ_DOMAIN = BigInt(`0x${Buffer.from("plimsoll.liq", "ascii").toString("hex")}`);
const LIQUIDATOR = 0xab8483f64d9c6d1ecf9b849ae677dd3315835cb2n;
/** Maintenance weights; slot 4 is worth nothing (a 100% haircut), so an amount there can be shifted without changing the value. */
const IWEIGHTS = DECIMALS.map((d, i) => (i === 4 ? 0n : weight(PRICES_E8[i]!, d, BigInt(300 + 50 * i))));
const IVALUE = valueOf(AMOUNTS, IWEIGHTS);

interface InsolvencyCase {
  owner: bigint;
  amounts: readonly bigint[];
  blinding: bigint;
  weights: readonly bigint[];
  requirement: bigint;
  indexA: number;
  amountA: bigint;
  indexB: number;
  amountB: bigint;
  liquidator: bigint;
  target: bigint;
  delta: bigint;
  cap: bigint;
}
const NO_CAP = (1n << 150n) - 1n;
const insolvency = (o: Partial<InsolvencyCase> = {}): InsolvencyCase => ({
  owner: OWNER,
  amounts: AMOUNTS,
  blinding: OLD_BLINDING,
  weights: IWEIGHTS,
  requirement: IVALUE + 10n ** 30n,
  indexA: 1,
  amountA: 10n ** 7n,
  indexB: 0,
  amountB: 2n * 10n ** 18n,
  liquidator: LIQUIDATOR,
  target: 0n,
  delta: 0n,
  cap: NO_CAP,
  ...o,
});
const restoreOf = (target: bigint, delta: bigint): bigint => target + (delta < 0n ? -delta : delta) * 2n ** 150n + (delta < 0n ? 2n ** 246n : 0n);
const insolvencyRemainder = (r: InsolvencyCase): bigint[] =>
  r.amounts.map((a, i) => mod(a - (i === r.indexA ? r.amountA : 0n) - (i === r.indexB ? r.amountB - r.delta : 0n)));
const insolvencyStatement = (requirement: bigint, a: number, b: number, liquidator: bigint): bigint =>
  requirement + BigInt(a) * 2n ** 150n + BigInt(b) * 2n ** 154n + (liquidator % 2n ** 95n) * 2n ** 158n;
type InsolvencyPublic = Partial<Record<"commitment" | "weightsHash" | "statement" | "seized" | "remainderCommitment" | "restore" | "cap", bigint>>;
function insolvencyInput(h: SyncPoseidon, r: InsolvencyCase, over: InsolvencyPublic = {}): CircuitInput {
  const remainder = insolvencyRemainder(r);
  return {
    commitment: over.commitment ?? commitment(h, r.amounts, r.blinding, r.owner),
    weightsHash: over.weightsHash ?? weightsHash(h, r.weights),
    statement: over.statement ?? insolvencyStatement(r.requirement, r.indexA, r.indexB, r.liquidator),
    seized: over.seized ?? r.amountA + r.amountB * TWO_96,
    remainderCommitment: over.remainderCommitment ?? commitment(h, remainder, h([mod(r.blinding), LIQ_DOMAIN]), r.owner),
    restore: over.restore ?? restoreOf(r.target, r.delta),
    cap: over.cap ?? r.cap,
    owner: mod(r.owner),
    blinding: mod(r.blinding),
    amounts: r.amounts.map(mod),
    weights: r.weights.map(mod),
  };
}

/**
 * A partial liquidation: slot 1 seized, slot 2 (standing for the settlement slot) moved by `delta`,
 * the remainder exactly at the target and one unit below the cap.
 */
function partialCase(h: SyncPoseidon, delta = -(10n ** 9n)): InsolvencyCase {
  void h;
  const r = insolvency({ indexA: 1, amountA: 10n ** 7n, indexB: 2, amountB: 0n, delta });
  const after = valueOf(insolvencyRemainder(r), r.weights);
  return { ...r, target: after, cap: after + 1n };
}

/** Slot 2 (weight 1, so the value stays below 2^150) at 2^96 - 11, credited `delta`: 10 is the most it takes. */
function creditToLimit(delta: bigint): InsolvencyCase {
  const amounts = withSlot(AMOUNTS, 2, TWO_96 - 11n);
  const weights = IWEIGHTS.map((w, i) => (i === 2 ? 1n : w));
  return insolvency({ amounts, weights, requirement: valueOf(amounts, weights) + 1n, indexA: 1, amountA: 10n ** 7n, indexB: 2, amountB: 0n, delta });
}

/** One forgery per constraint of step 7 (the partial liquidation's restore, delta and bounds). */
function partialForgeries(h: SyncPoseidon): ForgedCase[] {
  const r = partialCase(h);
  const input = insolvencyInput(h, r);
  const free = ["main.remainderCommitment"];
  const base = async (fc: ForgeCircuit): Promise<Forgery> => fc.forge(await fc.witness(input));
  const statementAt = (a: number, b: number): bigint => insolvencyStatement(r.requirement, a, b, LIQUIDATOR);
  return [
    {
      name: "partial: a remainder one unit below the target",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "AssertGreaterEqThan(VALUE_BITS)([after, rs.target]);" },
      forge: async (fc) => (await base(fc)).set("main.restore", restoreOf(r.target + 1n, r.delta)).recompute({ free }),
    },
    {
      name: "partial: an over-liquidation (remainder at the cap)",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck(REQUIREMENT_BITS())(cap - 1 - after);" },
      forge: async (fc) => (await base(fc)).set("main.cap", r.cap - 1n).recompute({ free }),
    },
    {
      name: "partial: an unpacked target 1 below the public one",
      target: { template: "UnpackRestore", code: "target <== t;" },
      forge: async (fc) => (await base(fc)).set("main.restore", restoreOf(r.target + 1n, r.delta)).set("main.rs.target", r.target).recompute({ free }),
    },
    {
      name: "partial: an unpacked delta magnitude of 0 (the same-slot rule blind to the debit)",
      target: { template: "UnpackRestore", code: "deltaMagnitude <== m;" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", statementAt(2, 2)).set("main.cap", NO_CAP).set("main.rs.deltaMagnitude", 0n).recompute({ free }),
    },
    {
      name: "partial: a debit turned into a credit by the sign",
      target: { template: "UnpackRestore", code: "delta <== deltaMagnitude - 2 * bits[RESTORE_SIGN_SHIFT()] * deltaMagnitude;" },
      forge: async (fc) => (await base(fc)).set("main.cap", NO_CAP).set("main.rs.delta", -r.delta).recompute({ free }),
    },
    {
      name: "partial: restore decomposed from another value than the public one",
      target: { template: "Insolvency", code: "rs.restore <== restore;" },
      forge: async (fc) => (await base(fc)).set("main.rs.restore", restoreOf(r.target - 10n ** 30n, r.delta)).recompute({ free }),
    },
    {
      name: "partial: a delta at one slot with both seizures there, the moved amount forged to 0",
      target: { template: "Insolvency", code: "signal moved <== sz.amountB + rs.deltaMagnitude * (1 << AMOUNT_BITS());" },
      forge: async (fc) => (await base(fc)).set("main.statement", statementAt(2, 2)).set("main.cap", NO_CAP).set("main.moved", 0n).recompute({ free }),
    },
    {
      name: "partial: a debit of one more than slot B holds",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck(AMOUNT_BITS())(heldB - sz.amountB + rs.delta);" },
      forge: async (fc) => (await base(fc)).set("main.restore", restoreOf(0n, -AMOUNTS[2]! - 1n)).set("main.cap", NO_CAP).recompute({ free }),
    },
    {
      name: "partial: a remainder valued with a forged product",
      target: { template: "Insolvency", code: "restored[i] <== remainder[i] * weights[i];" },
      forge: async (fc) => (await base(fc)).set("main.cap", r.cap - 1n).set("main.restore", restoreOf(0n, r.delta)).set("main.restored[1]", 0n).recompute({ free }),
    },
  ];
}

async function insolvencyOracle(h: SyncPoseidon): Promise<CircuitOracle> {
  const maxed = { amounts: Array<bigint>(16).fill(MAX_AMOUNT), weights: Array<bigint>(16).fill(1n << 49n), requirement: MAX_REQUIREMENT, owner: (1n << 160n) - 1n, liquidator: (1n << 160n) - 1n };
  const honest: NamedInput[] = [
    { name: "two seizures", input: insolvencyInput(h, insolvency()) },
    { name: "one unit below the requirement", input: insolvencyInput(h, insolvency({ requirement: IVALUE + 1n })) },
    { name: "whole slots", input: insolvencyInput(h, insolvency({ indexA: 15, amountA: AMOUNTS[15]!, indexB: 2, amountB: AMOUNTS[2]! })) },
    { name: "a second seizure of 0 at the same slot", input: insolvencyInput(h, insolvency({ indexA: 5, amountA: 10n ** 18n, indexB: 5, amountB: 0n })) },
    { name: "bounds: largest basket, statement 2^253 - 1, seizing 2^96 - 1 as B", input: insolvencyInput(h, insolvency({ ...maxed, indexA: 15, amountA: 0n, indexB: 14, amountB: MAX_AMOUNT })) },
    { name: "bounds: seizing nothing from two full slots", input: insolvencyInput(h, insolvency({ ...maxed, indexA: 3, amountA: 0n, indexB: 4, amountB: 0n })) },
    { name: "empty basket, requirement 1", input: insolvencyInput(h, insolvency({ amounts: Array(16).fill(0n), requirement: 1n, amountA: 0n, amountB: 0n })) },
    { name: "partial: a debit at slot 2, remainder at the target, one unit below the cap", input: insolvencyInput(h, partialCase(h)) },
    { name: "partial: a credit at slot 2", input: insolvencyInput(h, partialCase(h, 10n ** 8n)) },
    { name: "partial: slot B debited to 0", input: insolvencyInput(h, partialCase(h, -AMOUNTS[2]!)) },
    { name: "partial: a credit that takes slot B to 2^96 - 1", input: insolvencyInput(h, creditToLimit(10n)) },
  ];
  const remainder = insolvency();
  const derived = h([OLD_BLINDING, LIQ_DOMAIN]);
  const wrongWeights = insolvencyInput(h, insolvency(), { weightsHash: weightsHash(h, IWEIGHTS) });
  (wrongWeights.weights as bigint[])[4] = IWEIGHTS[4]! + 1n;
  const stored = commitment(h, AMOUNTS, OLD_BLINDING, OWNER);
  const dishonest: NamedInput[] = [
    { name: "solvent: value equal to the requirement", input: insolvencyInput(h, insolvency({ requirement: IVALUE })) },
    { name: "solvent: requirement 0", input: insolvencyInput(h, insolvency({ requirement: 0n })) },
    { name: "solvent: largest basket and weights", input: insolvencyInput(h, insolvency({ amounts: Array(16).fill(MAX_AMOUNT), weights: Array(16).fill(MAX_WEIGHT), requirement: MAX_REQUIREMENT })) },
    { name: "seizing one more than held (A)", input: insolvencyInput(h, insolvency({ amountA: AMOUNTS[1]! + 1n })) },
    { name: "seizing one more than held (B)", input: insolvencyInput(h, insolvency({ amountB: AMOUNTS[0]! + 1n })) },
    { name: "seizing from an empty slot", input: insolvencyInput(h, insolvency({ indexA: 3, amountA: 1n })) },
    { name: "two seizures from one slot", input: insolvencyInput(h, insolvency({ indexA: 0, amountA: 10n ** 18n, indexB: 0, amountB: 10n ** 18n })) },
    { name: "remainder under the old blinding", input: insolvencyInput(h, remainder, { remainderCommitment: commitment(h, AMOUNTS.map((a, i) => a - (i === 1 ? 10n ** 7n : 0n) - (i === 0 ? 2n * 10n ** 18n : 0n)), OLD_BLINDING, OWNER) }) },
    { name: "remainder with nothing subtracted", input: insolvencyInput(h, remainder, { remainderCommitment: commitment(h, AMOUNTS, derived, OWNER) }) },
    { name: "remainder handed to the liquidator", input: insolvencyInput(h, remainder, { remainderCommitment: commitment(h, AMOUNTS.map((a, i) => a - (i === 1 ? 10n ** 7n : 0n) - (i === 0 ? 2n * 10n ** 18n : 0n)), derived, LIQUIDATOR) }) },
    { name: "weights one unit off the hash", input: wrongWeights },
    { name: "wrong blinding", input: insolvencyInput(h, insolvency({ blinding: OLD_BLINDING + 1n }), { commitment: stored }) },
    { name: "wrong owner", input: insolvencyInput(h, insolvency({ owner: OWNER + 1n }), { commitment: stored }) },
    { name: "amount 2^96 packing like the stored basket", input: insolvencyInput(h, insolvency({ amounts: withSlot(withSlot(AMOUNTS, 4, AMOUNTS[4]! + TWO_96), 5, AMOUNTS[5]! - 1n) }), { commitment: stored }) },
    { name: "owner 2^160", input: insolvencyInput(h, insolvency({ owner: 1n << 160n })) },
    ...[1n << 253n, P - 1n].map((statement) => ({ name: `statement ${statement}`, input: insolvencyInput(h, insolvency(), { statement }) })),
    ...[1n << 192n, P - 1n].map((seized) => ({ name: `seized ${seized}`, input: insolvencyInput(h, insolvency(), { seized }) })),
    { name: "partial: remainder one unit below the target", input: insolvencyInput(h, { ...partialCase(h), target: partialCase(h).target + 1n }) },
    { name: "partial: remainder at the cap", input: insolvencyInput(h, { ...partialCase(h), cap: partialCase(h).cap - 1n }) },
    { name: "partial: a debit of one more than slot B holds", input: insolvencyInput(h, partialCase(h, -AMOUNTS[2]! - 1n)) },
    { name: "partial: a delta with both seizures at one slot", input: insolvencyInput(h, { ...partialCase(h), indexA: 2, amountA: 1n, indexB: 2 }) },
    ...[1n << 247n, P - 1n].map((restore) => ({ name: `restore ${restore}`, input: insolvencyInput(h, partialCase(h), { restore }) })),
    { name: "partial: a credit that takes slot B to 2^96", input: insolvencyInput(h, creditToLimit(11n)) },
  ];
  const input = insolvencyInput(h, insolvency());
  const free = ["main.remainderCommitment"];
  const base = async (fc: ForgeCircuit): Promise<Forgery> => fc.forge(await fc.witness(input));
  const forged: ForgedCase[] = [
    {
      name: "seizes from slot 5 while the public indexA names slot 1",
      target: SLOT_TARGET,
      forge: async (fc) => (await base(fc)).setArray("main.slotA.out", oneHot(16, 5)).recompute({ free }),
    },
    {
      name: "an unpacked indexA naming slot 5 while the statement names slot 1",
      target: { template: "UnpackInsolvencyStatement", code: "indexA <== a;" },
      forge: async (fc) => (await base(fc)).set("main.st.indexA", 5n).recompute({ free }),
    },
    {
      name: "an unpacked indexB naming slot 10 while the statement names slot 0",
      target: { template: "UnpackInsolvencyStatement", code: "indexB <== b;" },
      forge: async (fc) => (await base(fc)).set("main.st.indexB", 10n).recompute({ free }),
    },
    {
      name: "selector A fed slot 5 while the statement names slot 1",
      target: { template: "Insolvency", code: "slotA.index <== st.indexA;" },
      forge: async (fc) => (await base(fc)).set("main.slotA.index", 5n).recompute({ free }),
    },
    {
      name: "selector B fed slot 10 while the statement names slot 0",
      target: { template: "Insolvency", code: "slotB.index <== st.indexB;" },
      forge: async (fc) => (await base(fc)).set("main.slotB.index", 10n).recompute({ free }),
    },
    {
      name: "an amount of a4 + 2^96 (with a5 - 1: the same packing, the commitment opens)",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheckArray(N, AMOUNT_BITS())(amounts);" },
      forge: async (fc) => (await base(fc)).set("main.amounts[4]", AMOUNTS[4]! + TWO_96).set("main.amounts[5]", AMOUNTS[5]! - 1n).recompute({ free }),
    },
    {
      name: "seized amounts decomposed from another value than the public one",
      target: { template: "Insolvency", code: "sz.seized <== seized;" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set("main.sz.seized", f.get("main.sz.seized") + 1n).recompute({ free });
      },
    },
    {
      name: "seizes twice from slot 0 (each part held, their sum not)",
      target: { template: "Insolvency", code: "moved === (st.indexA - st.indexB) * sameSlotFactor;" },
      forge: async (fc) =>
        (await base(fc))
          .set("main.statement", insolvencyStatement(IVALUE + 10n ** 30n, 0, 0, LIQUIDATOR))
          .set("main.seized", AMOUNTS[0]! + AMOUNTS[0]! * TWO_96)
          .recompute({ free }),
    },
    {
      name: "seizes more than held, with a forged pick",
      target: { template: "Insolvency", code: "pickedA[i] <== slotA.out[i] * amounts[i];" },
      forge: async (fc) => (await base(fc)).set("main.seized", AMOUNTS[1]! + 1n + 2n * 10n ** 18n * TWO_96).set("main.pickedA[1]", AMOUNTS[1]! + 1n).recompute({ free }),
    },
    {
      name: "seizes more than held as B, with a forged pick",
      target: { template: "Insolvency", code: "pickedB[i] <== slotB.out[i] * amounts[i];" },
      forge: async (fc) => (await base(fc)).set("main.seized", 10n ** 7n + (AMOUNTS[0]! + 1n) * TWO_96).set("main.pickedB[0]", AMOUNTS[0]! + 1n).recompute({ free }),
    },
    {
      name: "seizes without taking it out of the remainder",
      target: { template: "Insolvency", code: "takenA[i] <== slotA.out[i] * sz.amountA;" },
      forge: async (fc) => (await base(fc)).set("main.takenA[1]", 0n).recompute({ free }),
    },
    {
      name: "seizes B without taking it out of the remainder",
      target: { template: "Insolvency", code: "takenB[i] <== slotB.out[i] * (sz.amountB - rs.delta);" },
      forge: async (fc) => (await base(fc)).set("main.takenB[0]", 0n).recompute({ free }),
    },
    {
      name: "a remainder that moves value between slots",
      target: { template: "Insolvency", code: "remainder[i] <== amounts[i] - takenA[i] - takenB[i];" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set("main.remainder[7]", f.get("main.remainder[7]") + 1n).recompute({ free });
      },
    },
    {
      name: "a solvent account (value = requirement) made insolvent by a forged weighted term",
      target: { template: "Insolvency", code: "weighted[i] <== amounts[i] * weights[i];" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", insolvencyStatement(IVALUE, 1, 0, LIQUIDATOR)).set("main.weighted[0]", 0n).recompute({ free }),
    },
    {
      name: "a solvent account (value = requirement)",
      target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck(REQUIREMENT_BITS())(st.requirement - 1 - value);" },
      forge: async (fc) => (await base(fc)).set("main.statement", insolvencyStatement(IVALUE, 1, 0, LIQUIDATOR)).recompute({ free }),
    },
    {
      name: "a solvent account whose requirement unpacks larger",
      target: { template: "UnpackInsolvencyStatement", code: "requirement <== req;" },
      forge: async (fc) =>
        (await base(fc)).set("main.statement", insolvencyStatement(IVALUE, 1, 0, LIQUIDATOR)).set("main.st.requirement", IVALUE + 1n).recompute({ free }),
    },
    {
      name: "seizes more than the public amountA",
      target: { template: "UnpackSeized", code: "amountA <== a;" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set("main.sz.amountA", f.get("main.sz.amountA") + 1n).recompute({ free });
      },
    },
    {
      name: "seizes more than the public amountB",
      target: { template: "UnpackSeized", code: "amountB <== b;" },
      forge: async (fc) => {
        const f = await base(fc);
        return f.set("main.sz.amountB", f.get("main.sz.amountB") + 1n).recompute({ free });
      },
    },
    ...partialForgeries(h),
    {
      name: "a remainder blinding the owner cannot recompute",
      target: { template: "Insolvency", code: "signal remainderBlinding <== Poseidon(2)([blinding, LIQ_DOMAIN()]);" },
      forge: async (fc) => (await base(fc)).set("main.remainderBlinding", 12345n).recompute({ free }),
    },
  ];
  const small = { amounts: AMOUNTS.slice(0, 8), weights: IWEIGHTS.slice(0, 8) };
  const smallRequirement = valueOf(small.amounts, small.weights) + 1n;
  return {
    circuit: "insolvency",
    sources: ["circuits/src/insolvency.circom"],
    targets: [
      { main: "circuits/main/insolvency.circom", honest, dishonest, forged },
      {
        main: "test/circuits/main/insolvency_8.circom",
        honest: [{ name: "slots 7 and 6", input: insolvencyInput(h, insolvency({ ...small, requirement: smallRequirement, indexA: 7, amountA: 1n, indexB: 6, amountB: 1n })) }],
        dishonest: [[8, 0], [0, 8], [15, 1]].map(([a, b]) => ({
          name: `indices ${a}, ${b}`,
          input: insolvencyInput(h, insolvency({ ...small, requirement: smallRequirement, indexA: a!, amountA: 0n, indexB: b!, amountB: 0n })),
        })),
        forged: [],
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// Reserves.

const R_PRICES = [1n, 3000n, 60_000n, 1n, 150n, 2500n, 15n, 400n, 7n, 120n, 2n, 1_000_000n, 3000n, 150n, 1n, 59_000n].map((p) => p * 10n ** 8n);
const R_HAIRCUTS = R_PRICES.map((_, i) => (i === 0 ? 0n : BigInt(2 + 4 * i) * 10n ** 16n));

function reserveClients(n: number): ClientBalances[] {
  const rand = rng(5n);
  return Array.from({ length: n }, (_, i) => {
    const assets = Array.from({ length: 16 }, () => (rand(2) === 0n ? 0n : rand(40)));
    assets[0] = 10n ** 12n + rand(40);
    const liabilities = Array.from({ length: 16 }, (_, j) => (j > 0 && rand(2) === 0n ? rand(16) : 0n));
    return { id: `forged-${i}@custodian.example`, salt: rand(253) % P, assets, liabilities };
  });
}

/** ReservesBatch's inline components: the leaf hashes and health checks (arrays over the clients), the subtree. */
interface Parts {
  leaf: string;
  health: string;
  tree: string;
}

/**
 * One forgery per statement of ReservesLeafHash, ReservesHealth, MerkleSubtreeRoot, FrontierAppend and
 * ReservesBatch that the ordering cases leave out. The input is the first batch of a period: its
 * stateIn is taken as given by the registry (the circuit proves it is the genesis), so forgeries of
 * the genesis and of the batch index free it too.
 */
function reservesForgeries(h: SyncPoseidon, input: CircuitInput, base: (fc: ForgeCircuit) => Promise<Forgery>): ForgedCase[] {
  const parts = (fc: ForgeCircuit): Parts => ({
    leaf: inlineComponents(fc, "main", "ReservesLeafHash")[0]!,
    health: inlineComponents(fc, "main", "ReservesHealth")[0]!,
    tree: inlineComponents(fc, "main", "MerkleSubtreeRoot")[0]!,
  });
  const one = (name: string, target: Target, edit: (f: Forgery, p: Parts) => unknown, free = ["main.stateOut"]): ForgedCase => ({
    name,
    target,
    forge: async (fc) => {
      const f = await base(fc);
      edit(f, parts(fc));
      return f.recompute({ free });
    },
  });
  const genesis = ["main.stateOut", "main.stateIn"];
  const B = (code: string): Target => ({ template: "ReservesBatch", code });
  const RANGE = (site: string): Target => ({ template: "Num2Bits", code: "lc1 === in;", site });
  /** Totals that leave out 10^6 of client `client`'s asset 0 while `pin` (a signal on the way to the root the client checks) keeps the honest value. */
  const hide = (what: string, target: Target, pin: (p: Parts) => string, client = 2): ForgedCase =>
    one(`totals without 10^6 of client ${client}'s assets, ${what}`, target, (f, p) =>
      f.keepAll([pin(p)]).set(`main.assets[${client}][0]`, f.get(`main.assets[${client}][0]`) - 10n ** 6n),
    );
  /**
   * As `hide`, with `follow` (the signals between the change and `pin`) written as the forger's
   * witness calculator computes them: where the honest solve determines them from `pin`'s side.
   */
  const hideFollowing = (what: string, target: Target, pin: (p: Parts) => string, follow: (p: Parts) => string[], client = 2): ForgedCase => ({
    name: `totals without 10^6 of client ${client}'s assets, ${what}`,
    target,
    forge: async (fc) => {
      const p = parts(fc);
      const change = (f: Forgery): Forgery => f.set(`main.assets[${client}][0]`, f.get(`main.assets[${client}][0]`) - 10n ** 6n);
      const plain = change(await base(fc)).recompute({ free: ["main.stateOut"] });
      const f = change((await base(fc)).keepAll([pin(p)]));
      for (const n of follow(p)) f.set(n, plain.get(n));
      return f.recompute({ free: ["main.stateOut"] });
    },
  });
  const bump = (f: Forgery, name: string, delta = 1n): Forgery => f.set(name, f.get(name) + delta);
  const periodTag = BigInt(input.periodTag as bigint);
  return [
    // The leaves.
    one("client 2 under water (a liability of 2^63 in slot 1)", RANGE("AssertGreaterEqThan(BITS)([collateralSum, owedSum]);"), (f) => f.set("main.liabilities[2][1]", 1n << 63n)),
    one("client 2 under water, its collateral term forged to cover it", { template: "ReservesHealth", code: "collateral[i] <== assets[i] * assetWeights[i];" }, (f, p) =>
      f.set("main.liabilities[2][1]", 1n << 63n).set(`${p.health}[2].collateral[0]`, f.get(`${p.health}[2].collateral[0]`) + (f.get("main.liabilityWeights[1]") << 63n)),
    ),
    one("client 2 under water, its owed term forged to 0", { template: "ReservesHealth", code: "owed[i] <== liabilities[i] * liabilityWeights[i];" }, (f, p) =>
      f.set("main.liabilities[2][1]", 1n << 63n).set(`${p.health}[2].owed[1]`, 0n),
    ),
    one("a liability of p - 1 for client 2 (the liability totals lose 1)", RANGE("RangeCheckArray(N, BAL)(liabilities[j]);"), (f) => f.set("main.liabilities[2][0]", P - 1n)),
    one("an asset of 2^64 + a for client 2 (the asset totals gain 2^64)", RANGE("RangeCheckArray(N, BAL)(assets[j]);"), (f) => bump(f, "main.assets[2][0]", 1n << 64n)),
    one("a padding leaf holding 10^6 of asset 0 (counted in the totals, in no leaf)", B("(1 - isReal[j]) * total === 0;"), (f) => f.set("main.assets[7][0]", 10n ** 6n)),
    one("client 2's leaf hash replaced in the tree", B("leafHash[j] <== isReal[j] * leafHashRaw[j];"), (f) => bump(f, "main.leafHash[2]")),
    hide("its leaf hash fed the honest packed balances", { template: "ReservesLeafHash", code: "h.inputs[2 + k] <== q;" }, (p) => `${p.leaf}[2].h.inputs[2]`),
    hide("its leaf hash output kept", { template: "ReservesLeafHash", code: "out <== h.out;" }, (p) => `${p.leaf}[2].out`),
    hide("its leaf kept in the batch", B("leafHashRaw[j] <== ReservesLeafHash(N)(idHash[j], salt[j], assets[j], liabilities[j]);"), () => "main.leafHashRaw[2]"),
    one("client 2's leaf hashed under another id hash than the ordered one", { template: "ReservesLeafHash", code: "h.inputs[0] <== idHash;" }, (f, p) => f.keepAll([`${p.leaf}[2].h.inputs[0]`]).set("main.idHash[2]", f.get("main.idHash[2]") + 1n)),
    one("client 2's leaf hashed under another salt", { template: "ReservesLeafHash", code: "h.inputs[1] <== salt;" }, (f, p) => bump(f, `${p.leaf}[2].h.inputs[1]`)),
    // The subtree and the append.
    hide("its leaf kept in the subtree", { template: "MerkleSubtreeRoot", code: "level[B - 1 + j] <== leaves[j];" }, (p) => `${p.tree}.level[${BATCH_SIZE + 1}]`), // leaf 2 in the heap: B - 1 + 2
    hide("its parent node kept", { template: "MerkleSubtreeRoot", code: "level[k] <== nodes[k].out;" }, (p) => `${p.tree}.level[${BATCH_SIZE / 2}]`), // its parent: (B + 1 - 1) / 2
    hide("the subtree root kept", { template: "MerkleSubtreeRoot", code: "out <== level[0];" }, (p) => `${p.tree}.out`),
    hide("the appended subtree root kept", B("append.subtreeRoot <== subtreeRoot;"), () => "main.append.subtreeRoot"),
    hide("the append's first node kept", { template: "FrontierAppend", code: "node[0] <== subtreeRoot;" }, () => "main.append.node[0]"),
    hideFollowing("the append's left input kept", { template: "FrontierAppend", code: "left[k] <== node[k] + indexBits[k] * (frontierIn[k] - node[k]);" }, () => "main.append.left[0]", () => ["main.append.node[0]"]),
    hide("the new frontier kept", { template: "FrontierAppend", code: "frontierOut[k] <== left[k];" }, () => "main.append.frontierOut[0]"),
    hide("the append's level hash fed the honest left node", { template: "FrontierAppend", code: "hashes[k].inputs[0] <== left[k];" }, () => "main.append.hashes[0].inputs[0]"),
    hide("the append's next node kept", { template: "FrontierAppend", code: "node[k + 1] <== hashes[k].out;" }, () => "main.append.node[1]"),
    hide("the new root kept", { template: "FrontierAppend", code: "root <== node[LEVELS];" }, () => "main.append.root"),
    one("the append's right input forged (another subtree beside the batch)", { template: "FrontierAppend", code: "right[k] <== z + indexBits[k] * (node[k] - z);" }, (f) => bump(f, "main.append.right[0]")),
    one("the append's level hash fed another right node", { template: "FrontierAppend", code: "hashes[k].inputs[1] <== right[k];" }, (f) => bump(f, "main.append.hashes[0].inputs[1]")),
    one("the batch appended at index 1 (the append's bits) while the tag names batch 0", B("append.indexBits <== indexBits;"), (f) => f.set("main.append.indexBits[0]", 1n)),
    one("the batch appended beside another frontier node than the state's", B("append.frontierIn <== frontierIn;"), (f) => bump(f, "main.append.frontierIn[0]")),
    // The last id hash.
    one("a last client whose id hash is 2^248 (no sha256 output >> 8 is)", RANGE("RangeCheck(ID)(lastIdHashOut);"), (f) => f.set("main.idHash[4]", 1n << 248n)),
    one("a last id hash moved by a forged term", B("lastTerm[j] <== (isReal[j] - next) * idHash[j];"), (f) => bump(f, "main.lastTerm[4]", -1n)),
    one("a last id hash moved by a forged carry", B("signal keepLast <== (1 - isReal[0]) * lastIdHashIn;"), (f) => f.set("main.keepLast", 5n)),
    // The totals and the states.
    one("asset totals 10^6 below the leaves'", B("assetSumsOut[i] <== a;"), (f) => bump(f, "main.assetSumsOut[0]", -(10n ** 6n))),
    one("liability totals 1 below the leaves'", B("liabilitySumsOut[i] <== l;"), (f) => bump(f, "main.liabilitySumsOut[1]", -1n)),
    one("a stateOut other than the batch's", B("stateOutHash === stateOut;"), (f) => bump(f, "main.stateOut")),
    one("a batch proven from another state than the registry's", B("stateInHash === stateIn;"), (f) => bump(f, "main.stateIn")),
    one("a first batch whose asset totals start at 10^6", B("isFirst * assetSumsIn[i] === 0;"), (f) => f.set("main.assetSumsIn[0]", 10n ** 6n), genesis),
    one("a first batch whose liability totals start at -5", B("isFirst * liabilitySumsIn[i] === 0;"), (f) => f.set("main.liabilitySumsIn[1]", P - 5n), genesis),
    one("a first batch after a last id hash of 5", B("isFirst * lastIdHashIn === 0;"), (f) => f.set("main.lastIdHashIn", 5n), genesis),
    one("a first batch over a non-empty root", B("isFirst * rootIn === 0;"), (f) => f.set("main.rootIn", 7n), genesis),
    one("a first batch beside a non-empty frontier node", B("isFirst * (frontierIn[k] - RESERVES_ZERO_HASH(L + k)) === 0;"), (f) => bump(f, "main.frontierIn[0]"), genesis),
    one("the batch at index 1 while the public tag names batch 0", B("signal batchIndex <== tagIndex - periodTag * (1 << RESERVES_INDEX_BITS());"), (f) => f.set("main.batchIndex", 1n), genesis),
    one("the tag split with a period tag of 2^192 or more, giving batch index 1", RANGE("RangeCheck(RESERVES_PERIOD_TAG_BITS())(periodTag);"), (f) =>
      f.set("main.periodTag", mod(periodTag - inverse(1n << 32n))),
    genesis),
    one("other weights than the epoch's (asset weight 0 doubled)", B("weightsHashOut === reserveWeightsHash;"), (f) => bump(f, "main.assetWeights[0]", f.get("main.assetWeights[0]"))),
  ];
}

const BAL_MAX = (1n << 64n) - 1n;
const zeros16 = (): bigint[] => Array<bigint>(16).fill(0n);

/** The first `id-<prefix>-k` whose id hash satisfies `ok` (a few sha256 calls: about 1 in 4 ids does). */
function idWhere(prefix: string, ok: (hash: bigint) => boolean): string {
  for (let k = 0; ; k++) if (ok(idHash(`${prefix}-${k}@custodian.example`))) return `${prefix}-${k}@custodian.example`;
}

/**
 * Honest batches at the bounds the circuit allows (the first batch of each period): each one is
 * refused by a range check narrowed by one bit, so these kill the narrowed mutants that no inputs
 * the demo's oracle produces reach.
 */
function reservesBoundInputs(h: SyncPoseidon): { name: string; input: CircuitInput }[] {
  const weights = reserveWeights(R_PRICES, R_HAIRCUTS);
  const first = (clients: ClientBalances[], options: { custodian?: string; periodIndex?: number | bigint; weights?: ReserveWeights } = {}): CircuitInput =>
    planPeriod({ custodian: options.custodian ?? "0x5b38da6a701c568545dcfcb03fcb875f56beddc4", periodIndex: options.periodIndex ?? 3, clients, weights: options.weights ?? weights, h }).batches[0]!
      .input as unknown as CircuitInput;
  const client = (id: string, assets: bigint[], liabilities = zeros16()): ClientBalances => ({ id, salt: 7n, assets, liabilities });
  // USDC (slot 0) has no haircut: a liability of 2^64 - 1 is covered by the same asset balance.
  const full = zeros16();
  full[0] = BAL_MAX;
  // Two id hashes 2^247 or more apart: the gap between them is at the top of RangeCheck(ID)'s 248 bits.
  const low = idWhere("bound-low", (x) => x < 1n << 246n);
  const high = idWhere("bound-high", (x) => x >= (1n << 247n) + (1n << 246n));
  // Weights at the top of their 110 bits and every asset at 2^64 - 1: collateral just under 2^178.
  const top = (1n << 110n) - 1n;
  const topWeights: ReserveWeights = { assetWeights: Array<bigint>(16).fill(top), liabilityWeights: Array<bigint>(16).fill(top) };
  return [
    { name: "balances of 2^64 - 1 (an asset and a liability of USDC)", input: first([client("bound-balance@custodian.example", full, [...full])]) },
    { name: "a period tag of 2^192 - 1 (custodian 0xff..ff, period 2^32 - 1)", input: first(reserveClients(1), { custodian: `0x${"f".repeat(40)}`, periodIndex: 2n ** 32n - 1n }) },
    { name: "two clients whose id hashes are 2^247 or more apart", input: first([client(low, [10n ** 6n, ...zeros16().slice(1)]), client(high, [10n ** 6n, ...zeros16().slice(1)])]) },
    { name: "collateral 2^177 or more above what is owed (weights of 2^110 - 1, every asset 2^64 - 1)", input: first([client("bound-health@custodian.example", Array<bigint>(16).fill(BAL_MAX))], { weights: topWeights }) },
  ];
}

/**
 * The leaf packs three balances per field element, 64 bits apart: liability 0 sits at bit 64 and
 * liability 1 at bit 128 of element 5. A liability 0 of `l + 2^64` with a liability 1 of `m - 1`
 * packs to the same element, so the leaf the client checks is unchanged while the totals show
 * liability 1 lower: only the 64-bit range of each liability stops it.
 */
function packingCollision(h: SyncPoseidon): ForgedCase {
  const assets = zeros16();
  assets[1] = 1n << 62n; // enough WETH to cover the 2^64 more USDC owed
  const liabilities = zeros16();
  liabilities[0] = 5n;
  liabilities[1] = 5n;
  const input = planPeriod({
    custodian: "0x5b38da6a701c568545dcfcb03fcb875f56beddc4",
    periodIndex: 3,
    clients: [{ id: "collision@custodian.example", salt: 9n, assets, liabilities }],
    weights: reserveWeights(R_PRICES, R_HAIRCUTS),
    h,
  }).batches[0]!.input as unknown as CircuitInput;
  return {
    name: "a liability of 2^64 + 5 beside one of 4 (the same packed leaf; liability 1's total 1 lower)",
    target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheckArray(N, BAL)(liabilities[j]);" },
    forge: async (fc) => {
      const f = fc.forge(await fc.witness(input));
      const leaf = f.get("main.leafHashRaw[0]");
      f.set("main.liabilities[0][0]", 5n + (1n << 64n)).set("main.liabilities[0][1]", 4n);
      const forged = f.recompute({ free: ["main.stateOut"] });
      // The point of the case: the client's leaf is the honest one.
      if (forged.get("main.leafHashRaw[0]") !== leaf) throw new Error("packingCollision: the forged leaf differs from the honest one");
      return forged;
    },
  };
}

/**
 * With B = 32 the single last-id check bounds the id hashes only while every gap is below 2^248: 25 gaps
 * of about 2^248.96 sum to exactly p, so leaf 25 repeats leaf 0's id hash (the same client twice) and
 * the last id hash is still below 2^248. A full batch is needed: the 5-client period has too few gaps.
 */
function reservesWrap(h: SyncPoseidon, target: Target): ForgedCase {
  const input = planPeriod({ custodian: "0x5b38da6a701c568545dcfcb03fcb875f56beddc4", periodIndex: 3, clients: reserveClients(BATCH_SIZE), weights: reserveWeights(R_PRICES, R_HAIRCUTS), h })
    .batches[0]!.input as unknown as CircuitInput;
  return {
    name: "ids that wrap the field back onto leaf 0 through 25 gaps just under 2^249 (a full batch of 32, the tree and state recomputed)",
    target,
    forge: async (fc) => {
      const f = fc.forge(await fc.witness(input));
      const first = BigInt((input.idHash as readonly bigint[])[0]!);
      const q = P / 25n;
      let id = first;
      for (let k = 1; k <= 25; k++) f.set(`main.idHash[${k}]`, (id = (id + (k < 25 ? q : P - 24n * q)) % P));
      if (id !== first) throw new Error("reservesWrap: the ids did not come back to leaf 0's");
      for (let k = 26; k < BATCH_SIZE; k++) f.set(`main.idHash[${k}]`, first + BigInt(k - 25));
      return f.recompute({ free: ["main.stateOut"] });
    },
  };
}

async function reservesOracle(h: SyncPoseidon): Promise<CircuitOracle> {
  const plan = planPeriod({ custodian: "0x5b38da6a701c568545dcfcb03fcb875f56beddc4", periodIndex: 3, clients: reserveClients(5), weights: reserveWeights(R_PRICES, R_HAIRCUTS), h });
  const input = plan.batches[0]!.input as unknown as CircuitInput;
  const ids = (input.idHash as readonly bigint[]).map(BigInt);
  const free = ["main.stateOut"];
  const base = async (fc: ForgeCircuit): Promise<Forgery> => fc.forge(await fc.witness(input));
  const ORDER: Target = { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck(ID)(gap[j]);" };
  return {
    circuit: "reserves_batch",
    sources: ["circuits/src/reserves_leaf.circom", "circuits/src/reserves_tree.circom", "circuits/src/reserves.circom"],
    excludeTemplates: ["ReservesFinalize"],
    targets: [
      {
        main: "circuits/main/reserves_batch.circom",
        honest: [{ name: "first batch of a 5-client period", input }, ...reservesBoundInputs(h)],
        dishonest: [],
        forged: [
          {
            name: "a leaf out of order (ids 2 and 3 swapped, the tree and state recomputed)",
            target: ORDER,
            forge: async (fc) => (await base(fc)).set("main.idHash[2]", ids[3]!).set("main.idHash[3]", ids[2]!).recompute({ free }),
          },
          {
            name: "the same client twice (leaf 3 repeats leaf 2's id hash)",
            target: ORDER,
            forge: async (fc) => (await base(fc)).set("main.idHash[3]", ids[2]!).recompute({ free }),
          },
          {
            name: "a real leaf after a padding leaf (leaf 3 emptied and marked padding, leaf 4 real)",
            target: { template: "ReservesBatch", code: "isReal[j] * (1 - isReal[j - 1]) === 0;" },
            forge: async (fc) => {
              const f = (await base(fc)).set("main.isReal[3]", 0n);
              for (let i = 0; i < 16; i++) f.set(`main.assets[3][${i}]`, 0n).set(`main.liabilities[3][${i}]`, 0n);
              return f.recompute({ free });
            },
          },
          ...reservesForgeries(h, input, base),
          packingCollision(h),
          reservesWrap(h, ORDER),
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// Shielded notes (issue 8): JoinSplit(12) and BatchInsert(12, 2).

/** The inputs' owner's spending secret, and a thief's (who knows the notes' openings but not that secret). */
const NOTE_SECRET = 0x0c0f_fee0_5ec2_e7a1_1ce0_0000_1111_2222_3333_4444_5555_6666_7777_8888n;
const THIEF_SECRET = 0x0bad_c0de_0000_1111_2222_3333_4444_5555_6666_7777_8888_9999_aaaa_bbbbn;
const EXT_DATA_HASH = 0x5e11_ab1en;
const FAKE_AMOUNT = 10n ** 9n;

/** A note's leaf without the range checks of noteCommitment (the openings a forger writes): Poseidon(amount + slot * 2^96, Poseidon(ownerKey, blinding)). */
const noteLeaf = (h: SyncPoseidon, n: Note): bigint => h([mod(n.amount + BigInt(n.slot) * TWO_96), h([n.ownerKey, n.blinding])]);

/**
 * The anonymous components `parent` creates inline (`Template(..)(..)`, which circom names
 * `Template_<line>_<column>`), in source order: their names move with the source, the order does not.
 */
function inlineComponents(fc: ForgeCircuit, parent: string, template: string): string[] {
  const re = new RegExp(`^(${parent.replace(/\./g, "\\.")}\\.${template}_(\\d+)_\\d+)[.[]`);
  const found = new Map<string, number>();
  for (const s of fc.signals(`${parent}.${template}_`)) {
    const m = re.exec(s);
    if (m !== null) found.set(m[1]!, Number(m[2]));
  }
  return [...found].sort((x, y) => x[1] - y[1]).map(([n]) => n);
}

/** JoinSplit's inline components: the owner key, the inputs' and outputs' commitments, the nullifiers and the membership paths (arrays over k but the owner). */
interface JoinSplitParts {
  owner: string;
  inNote: string;
  outNote: string;
  nullifier: string;
  path: string;
}
function joinSplitParts(fc: ForgeCircuit): JoinSplitParts {
  const [inNote, outNote] = inlineComponents(fc, "main", "NoteCommitment");
  return {
    owner: inlineComponents(fc, "main", "NoteOwner")[0]!,
    inNote: inNote!,
    outNote: outNote!,
    nullifier: inlineComponents(fc, "main", "NoteNullifier")[0]!,
    path: inlineComponents(fc, "main", "QuadMerkleRoot")[0]!,
  };
}

/** The root reached from `node` at position `index` through each level's four children, bottom up, the node's own entry ignored (QuadMerkleRoot). */
const quadRoot = (h: SyncPoseidon, node: bigint, index: number, siblings: readonly (readonly bigint[])[]): bigint =>
  siblings.reduce((n, level, l) => h(withSlot(level, Math.floor(index / 4 ** l) % 4, n)), node);

async function joinSplitOracle(h: SyncPoseidon): Promise<CircuitOracle> {
  const rand = rng(8n);
  const field = (): bigint => rand(256) % P;
  // Five full batches of other notes, then batch 5: the spender's notes at leaves 81 to 85, between two others.
  const tree = new NoteTree(h);
  for (let b = 0; b < 5; b++) tree.insertBatch(Array.from({ length: NOTE_BATCH_SIZE }, field));
  const ownerKey = ownerKeyOf(h, NOTE_SECRET);
  const recipient = field();
  const owned = (n: Note, leafIndex: number): OwnedNote => {
    const commitment = noteLeaf(h, n);
    return { ...n, leafIndex, commitment, nullifier: noteNullifier(h, NOTE_SECRET, commitment, leafIndex) };
  };
  const first = tree.insertedBatches * NOTE_BATCH_SIZE + 1;
  const specs: [number, bigint][] = [[3, 100n], [3, 50n], [4, 70n], [15, MAX_AMOUNT], [15, MAX_AMOUNT]];
  const [a0, a1, a2, m0, m1] = specs.map(([slot, amount], i) => owned({ slot, amount, ownerKey, blinding: field() }, first + i)) as [OwnedNote, OwnedNote, OwnedNote, OwnedNote, OwnedNote];
  tree.insertBatch([field(), ...[a0, a1, a2, m0, m1].map((n) => n.commitment), field()]);
  /** A dummy input: amount 0, a fresh blinding, leaf 0 (its membership is not checked). */
  const dummy = (slot: number): OwnedNote => owned({ slot, amount: 0n, ownerKey, blinding: field() }, 0);
  const pay = (slot: number, amount: bigint, to = recipient): Note => ({ slot, amount, ownerKey: to, blinding: field() });
  const plan = (slot: number, inputs: OwnedNote[], outputs: [Note, Note], publicAmount: bigint): CircuitInput =>
    buildJoinSplit(h, tree, { spendingSecret: NOTE_SECRET, slot, inputs, outputs, publicAmount, extDataHash: EXT_DATA_HASH }).input as unknown as CircuitInput;

  const transferOut: [Note, Note] = [pay(3, 120n), pay(3, 30n, ownerKey)];
  const transfer = plan(3, [a0, a1], transferOut, 0n);
  const unshield = plan(3, [a0, a1], [pay(3, 39n), pay(3, 0n, ownerKey)], 111n);
  const withDummy = plan(4, [a2, dummy(4)], [pay(4, 50n), pay(4, 20n, ownerKey)], 0n);
  const bounds = plan(15, [m0, m1], [pay(15, MAX_AMOUNT), pay(15, 0n, ownerKey)], MAX_AMOUNT);
  const noop: CircuitInput = { ...plan(0, [dummy(0), dummy(0)], [pay(0, 0n), pay(0, 0n)], 0n), root: 777n };
  const honest: NamedInput[] = [
    { name: "a transfer: 100 + 50 into 120 + 30 (slot 3)", input: transfer },
    { name: "an unshield: 100 + 50 into 39 + 0, paying out 111 of slot 3", input: unshield },
    { name: "a dummy second input: 70 into 50 + 20 (slot 4)", input: withDummy },
    { name: "bounds: slot 15, inputs and an output of 2^96 - 1, public value 2^100 - 1", input: bounds },
    { name: "two dummies into two empty outputs, against any root", input: noop },
  ];

  const reseal = (input: CircuitInput, outputs: readonly Note[]): CircuitInput => ({
    ...input,
    outAmount: outputs.map((n) => n.amount),
    outOwner: outputs.map((n) => n.ownerKey),
    outBlinding: outputs.map((n) => n.blinding),
    outputCommitment: outputs.map((n) => noteLeaf(h, n)),
  });
  const transferNullifiers = transfer.inputNullifier as readonly bigint[];
  const dishonest: NamedInput[] = [
    { name: "proved against the empty tree's root", input: { ...transfer, root: tree.zeros[tree.levels]! } },
    {
      name: "a note claimed at another leaf (its nullifier taken there)",
      input: { ...transfer, inLeafIndex: [BigInt(a0.leafIndex), BigInt(a1.leafIndex + 4)], inputNullifier: [transferNullifiers[0]!, noteNullifier(h, NOTE_SECRET, a1.commitment, a1.leafIndex + 4)] },
    },
    { name: "the nullifiers swapped", input: { ...transfer, inputNullifier: [...transferNullifiers].reverse() } },
    { name: "a nullifier of another leaf index", input: { ...transfer, inputNullifier: [noteNullifier(h, NOTE_SECRET, a0.commitment, a0.leafIndex + 1), transferNullifiers[1]!] } },
    { name: "outputs one above the inputs", input: reseal(transfer, [{ ...transferOut[0], amount: 121n }, transferOut[1]]) },
    { name: "an output of p - 1 balancing one of 151", input: reseal(transfer, [{ ...transferOut[0], amount: 151n }, { ...transferOut[1], amount: P - 1n }]) },
    { name: "a public amount one above what the inputs leave", input: { ...unshield, publicValue: 112n + 3n * TWO_96 } },
    { name: "a public value in slot 4 for notes of slot 3", input: { ...unshield, publicValue: 111n + 4n * TWO_96 } },
  ];

  const free = ["main.inputNullifier[0]", "main.inputNullifier[1]", "main.outputCommitment[0]", "main.outputCommitment[1]"];
  /**
   * A forged join-split: the honest witness of `input`, `edit` writes what the cheating prover
   * chooses, every other signal is re-solved (the nullifiers and output commitments it publishes
   * included: the pool only checks that they are fresh; the root and the public value stay the
   * pool's).
   */
  const forgery = (name: string, target: Target, input: CircuitInput, edit: (f: Forgery, c: JoinSplitParts) => unknown): ForgedCase => ({
    name,
    target,
    forge: async (fc) => {
      const f = fc.forge(await fc.witness(input));
      edit(f, joinSplitParts(fc));
      return f.recompute({ free });
    },
  });
  /** Input k opened as `amount` (same blinding and owner: a note no one created), output 0 taking the difference. */
  const inflate = (f: Forgery, k: number, amount: bigint): Forgery =>
    f.set("main.outAmount[0]", f.get("main.outAmount[0]") + amount - f.get(`main.inAmount[${k}]`)).set(`main.inAmount[${k}]`, amount);
  /** Input k replaced by another of the spender's notes (its opening and path), output 0 taking the difference. */
  const spend = (f: Forgery, k: number, n: OwnedNote): Forgery => {
    inflate(f, k, n.amount).set(`main.inBlinding[${k}]`, n.blinding).set(`main.inLeafIndex[${k}]`, BigInt(n.leafIndex));
    tree.path(n.leafIndex).forEach((level, l) => f.setArray(`main.inSiblings[${k}][${l}]`, level));
    return f;
  };
  /**
   * Writes `signal` as the witness calculator computes it, from `source` once the rest is
   * re-solved: where the honest solve determines it from a check instead (inRoot[k] from the
   * membership equation, which knows it before the path is hashed; a path's node[0] from its mux).
   */
  const follow = (f: Forgery, signal: string, source: string): Forgery => f.recompute({ free }).set(signal, f.get(source));
  /** Input k's computed root written from its path (so that the membership check, not the copy, meets the forged path). */
  const walked = (f: Forgery, c: JoinSplitParts, k: number): Forgery => follow(f, `main.inRoot[${k}]`, `${c.path}[${k}].root`);
  /** Keeps `pins` at their honest values while input 0 becomes a note of FAKE_AMOUNT that is in no tree. */
  const fakeNote = (f: Forgery, pins: string[]): Forgery => inflate(f.keepAll(pins), 0, FAKE_AMOUNT);

  // A fake note proved a member through a forged digit indicator at level 0: with three != b0 * b1
  // the muxes are no longer one-hot, and the level's siblings can be solved so that every child is
  // the tree's (is_j != 1 for all j: s_j = (C_j - is_j * N) / (1 - is_j)).
  const digit = a0.leafIndex % 4;
  const [b0, b1] = [BigInt(digit & 1), BigInt(digit >> 1)];
  const indicators = (t: bigint): bigint[] => [1n - b0 - b1 + t, b0 - t, b1 - t, t].map(mod);
  let three = 2n;
  while (indicators(three).includes(1n)) three++;
  const fake = noteLeaf(h, { ...a0, amount: FAKE_AMOUNT });
  const children = tree.path(a0.leafIndex)[0]!;
  const solvedSiblings = indicators(three).map((is, j) => mod((children[j]! - is * fake) * inverse(1n - is)));

  const RANGE = (site: string): Target => ({ template: "Num2Bits", code: "lc1 === in;", site });
  const J = (code: string): Target => ({ template: "JoinSplit", code });
  const Q = (code: string): Target => ({ template: "QuadMerkleRoot", code });
  const MEMBERSHIP = J("(inRoot[k] - root) * inAmount[k] === 0;");
  const BALANCE = J("inAmount[0] + inAmount[1] === outAmount[0] + outAmount[1] + publicAmount;");
  const PUBLIC_NULLIFIER = J("inputNullifier[k] === inNullifier[k];");
  const IN_NOTE = J("inCommitment[k] <== NoteCommitment()(slot, inAmount[k], ownerKey, inBlinding[k]);");
  const OUT_NOTE = J("outCommitment[k] <== NoteCommitment()(slot, outAmount[k], outOwner[k], outBlinding[k]);");
  const PATH = J("inRoot[k] <== QuadMerkleRoot(levels)(inCommitment[k], inBits[k], inSiblings[k]);");
  const NULLIFIER = J("inNullifier[k] <== NoteNullifier()(spendingSecret, inCommitment[k], inLeafIndex[k]);");
  const bits0 = names("main.inBits[0]", 24);
  const forged: ForgedCase[] = [
    // Slot and public value.
    forgery("a slot of 4 + 10 / 2^96: the input opens with 10 less, each output is worth 10 more (mints 10)", RANGE("Num2Bits(NOTE_SLOT_BITS())(slot);"), withDummy, (f) =>
      f.set("main.slot", mod(4n + 10n * inverse(TWO_96))).set("main.inAmount[0]", 60n).set("main.outAmount[0]", 40n),
    ),
    forgery("a join-split in slot 16 + 3 (two dummies into two empty notes of no asset)", RANGE("Num2Bits(NOTE_SLOT_BITS())(slot);"), noop, (f) => f.set("main.slot", 19n)),
    forgery("a public value of 2^100 + 111 + 3 * 2^96 (its 100-bit split kept)", RANGE("Num2Bits(AMOUNT_BITS() + NOTE_SLOT_BITS())(publicValue);"), unshield, (f) =>
      f.set("main.publicValue", f.get("main.publicValue") + (1n << 100n)),
    ),
    forgery("the pool pays out 111, the circuit reads 110 (bit 0 forged) and mints 1 in an output", J("signal publicBits[AMOUNT_BITS() + NOTE_SLOT_BITS()] <== Num2Bits("), unshield, (f) =>
      f.set("main.publicBits[0]", 0n).set("main.outAmount[1]", 1n),
    ),
    forgery("an unshield paying out slot 4 from notes of slot 3", J("publicAmount * (publicSlot - slot) === 0;"), unshield, (f) => f.set("main.publicValue", 111n + 4n * TWO_96)),
    // Value.
    forgery("outputs one above the inputs", BALANCE, transfer, (f) => f.set("main.outAmount[0]", 121n)),
    forgery("a public amount one above what the inputs leave", BALANCE, unshield, (f) => f.set("main.publicValue", 112n + 3n * TWO_96)),
    forgery("an output of p - 1 (a note of 2^96 - 1 in slot 2) balancing one of 151", RANGE("Num2Bits(AMOUNT_BITS())(outAmount[k]);"), transfer, (f) =>
      f.set("main.outAmount[0]", 151n).set("main.outAmount[1]", P - 1n),
    ),
    forgery("an output of 2^96 (the unshield paying out one less)", RANGE("Num2Bits(AMOUNT_BITS())(outAmount[k]);"), bounds, (f) =>
      f.set("main.outAmount[0]", TWO_96).set("main.publicValue", MAX_AMOUNT - 1n + 15n * TWO_96),
    ),
    forgery("the slot-4 note of 70 spent as a slot-3 note of 2^96 + 70 (the same commitment)", RANGE("Num2Bits(AMOUNT_BITS())(inAmount[k]);"), withDummy, (f) =>
      f.set("main.slot", 3n).set("main.inAmount[0]", TWO_96 + 70n).set("main.outAmount[0]", MAX_AMOUNT).set("main.outAmount[1]", 71n),
    ),
    // Ownership.
    forgery("a thief's secret spending the owner's notes (the owner key kept)", J("signal ownerKey <== NoteOwner()(spendingSecret);"), transfer, (f) =>
      f.keepAll(["main.ownerKey"]).set("main.spendingSecret", THIEF_SECRET),
    ),
    forgery("a thief's secret spending the owner's note (NoteOwner's output kept)", { template: "NoteOwner", code: "ownerKey <== Poseidon(1)([spendingSecret]);" }, withDummy, (f, c) =>
      f.keepAll([`${c.owner}.ownerKey`]).set("main.spendingSecret", THIEF_SECRET),
    ),
    forgery("a thief's secret spending the owner's note (the commitment's inner hash kept)", { template: "NoteCommitment", code: "signal inner <== Poseidon(2)([ownerKey, blinding]);" }, withDummy, (f, c) =>
      f.keepAll([`${c.inNote}[0].inner`]).set("main.spendingSecret", THIEF_SECRET),
    ),
    // The inputs' commitments.
    forgery("input 0 opened as 1,100 under its commitment of 100 (the commitment kept)", { template: "NoteCommitment", code: "commitment <== Poseidon(2)([amount + slot * (1 << AMOUNT_BITS()), inner]);" }, transfer, (f, c) =>
      inflate(f.keepAll([`${c.inNote}[0].commitment`]), 0, 1100n),
    ),
    forgery("input 0 committed as 100 while the balance reads 1,100", IN_NOTE, transfer, (f, c) => inflate(f.keepAll([`${c.inNote}[0].amount`]), 0, 1100n)),
    forgery("input 0 replaced by the slot-4 note of 70 in a slot-3 join-split", IN_NOTE, transfer, (f, c) => spend(f, 0, a2).set(`${c.inNote}[0].slot`, 4n)),
    forgery("input 1 replaced by the slot-4 note of 70 in a slot-3 join-split", IN_NOTE, transfer, (f, c) => spend(f, 1, a2).set(`${c.inNote}[1].slot`, 4n)),
    // The outputs.
    forgery("output 0 committed in slot 4, paid with notes of slot 3", OUT_NOTE, transfer, (f, c) => f.set(`${c.outNote}[0].slot`, 4n)),
    forgery("output 0 committed as 10^6 while the balance reads 120", OUT_NOTE, transfer, (f, c) => f.set(`${c.outNote}[0].amount`, 10n ** 6n)),
    forgery("a public output commitment to a note of 10^6", J("outputCommitment[k] === outCommitment[k];"), transfer, (f) =>
      f.set("main.outputCommitment[0]", noteLeaf(h, { ...transferOut[0], amount: 10n ** 6n })),
    ),
    // Membership.
    forgery("a sibling of input 0 forged at level 3", MEMBERSHIP, transfer, (f, c) => {
      const j = (Math.floor(a0.leafIndex / 4 ** 3) + 1) % 4;
      return walked(f.set(`main.inSiblings[0][3][${j}]`, f.get(`main.inSiblings[0][3][${j}]`) + 1n), c, 0);
    }),
    forgery("input 1 claimed at another leaf (its index + 4: another digit at level 1)", MEMBERSHIP, transfer, (f, c) => walked(f.set("main.inLeafIndex[1]", BigInt(a1.leafIndex + 4)), c, 1)),
    forgery("input 0 a note of 10^9 that is in no tree (the honest path)", MEMBERSHIP, transfer, (f, c) => walked(inflate(f, 0, FAKE_AMOUNT), c, 0)),
    forgery("a 'dummy' second input of 10^6 that is in no tree", MEMBERSHIP, withDummy, (f) => inflate(f, 1, 10n ** 6n)),
    forgery("a fake note of 10^9 whose path starts from the real leaf (the path's leaf kept)", PATH, transfer, (f, c) => fakeNote(f, [`${c.path}[0].leaf`])),
    forgery("a path walked with the note's bits while the nullifier uses leaf index ^ 1", PATH, transfer, (f, c) =>
      f.keepAll(names(`${c.path}[0].pathBits`, 24)).set("main.inLeafIndex[0]", BigInt(a0.leafIndex ^ 1)),
    ),
    forgery("a fake note of 10^9 whose computed root is replaced by the public one", PATH, transfer, (f) => fakeNote(f, []).set("main.inRoot[0]", f.get("main.root"))),
    forgery("a fake note of 10^9 whose level-0 node is kept at the real leaf", Q("node[0] <== leaf;"), transfer, (f, c) => fakeNote(f, [`${c.path}[0].node[0]`])),
    forgery(`a fake note of 10^9 made a member by a forged digit indicator (three = ${three}, level-0 siblings solved)`, Q("three[i] <== b0 * b1;"), transfer, (f, c) =>
      fakeNote(f, []).set(`${c.path}[0].three[0]`, three).setArray("main.inSiblings[0][0]", solvedSiblings),
    ),
    forgery("a fake note of 10^9 whose mux output at its position is kept at the real leaf", Q("child[i][j] <== siblings[i][j] + is[j] * (node[i] - siblings[i][j]);"), transfer, (f, c) =>
      follow(fakeNote(f, [`${c.path}[0].child[0][${digit}]`]), `${c.path}[0].node[0]`, `${c.path}[0].leaf`),
    ),
    forgery("a fake note of 10^9 whose level-1 node is kept", Q("node[i + 1] <== Poseidon(4)(child[i]);"), transfer, (f, c) => fakeNote(f, [`${c.path}[0].node[1]`])),
    forgery("a fake note of 10^9 whose path output is kept", Q("root <== node[levels];"), transfer, (f, c) => fakeNote(f, [`${c.path}[0].root`])),
    // Leaf indices and nullifiers (a second nullifier for one note is a double spend).
    forgery("input 0 at leaf index + 2^24 (the same path, another nullifier)", RANGE("Num2Bits(2 * levels)(inLeafIndex[k]);"), transfer, (f) =>
      f.set("main.inLeafIndex[0]", BigInt(a0.leafIndex) + (1n << 24n)),
    ),
    forgery("the path bits of input 0 kept while its leaf index is index ^ 1", J("inBits[k] <== Num2Bits(2 * levels)(inLeafIndex[k]);"), transfer, (f) =>
      f.keepAll(bits0).set("main.inLeafIndex[0]", BigInt(a0.leafIndex ^ 1)),
    ),
    forgery("the public nullifier of input 0 taken at another leaf index", PUBLIC_NULLIFIER, transfer, (f) =>
      f.set("main.inputNullifier[0]", noteNullifier(h, NOTE_SECRET, a0.commitment, a0.leafIndex + 1)),
    ),
    forgery("the public nullifier of input 0 taken under another secret", PUBLIC_NULLIFIER, transfer, (f) =>
      f.set("main.inputNullifier[0]", noteNullifier(h, THIEF_SECRET, a0.commitment, a0.leafIndex)),
    ),
    forgery("the nullifier of input 0 hashed over another leaf index than its path's", NULLIFIER, transfer, (f, c) => f.set(`${c.nullifier}[0].leafIndex`, BigInt(a0.leafIndex + 1))),
    forgery("the nullifier of input 0 hashed under another secret than the owner key's", NULLIFIER, transfer, (f, c) => f.set(`${c.nullifier}[0].spendingSecret`, THIEF_SECRET)),
    forgery("the nullifier of input 0 forged to a fresh value", { template: "NoteNullifier", code: "nullifier <== Poseidon(3)([spendingSecret, commitment, leafIndex]);" }, transfer, (f, c) =>
      f.set(`${c.nullifier}[0].nullifier`, f.get(`${c.nullifier}[0].nullifier`) + 1n),
    ),
    // Bindings.
    forgery("the root's binding square forged", J("signal rootSquare <== root * root;"), transfer, (f) => f.set("main.rootSquare", 0n)),
    forgery("the external data's binding square forged", J("signal extDataSquare <== extDataHash * extDataHash;"), transfer, (f) => f.set("main.extDataSquare", 0n)),
  ];
  return {
    circuit: "note_join_split",
    sources: ["circuits/src/notes.circom"],
    targets: [{ main: "circuits/main/note_join_split.circom", honest, dishonest, forged }],
  };
}

async function batchInsertOracle(h: SyncPoseidon): Promise<CircuitOracle> {
  const rand = rng(9n);
  const field = (): bigint => rand(256) % P;
  const tree = new NoteTree(h);
  const firstLeaves = Array.from({ length: NOTE_BATCH_SIZE }, field);
  const full = buildBatchInsert(h, tree, firstLeaves);
  tree.insertBatch(firstLeaves);
  const queued = Array.from({ length: 5 }, field);
  const flush = buildBatchInsert(h, tree, queued);
  const flushInput = flush.input as unknown as CircuitInput;
  const fullInput = full.input as unknown as CircuitInput;
  // The tree's last batch, along a path of non-empty left subtrees (the circuit sees only the path).
  const last = NOTE_MAX_BATCHES - 1;
  const path = Array.from({ length: tree.levels - NOTE_BATCH_LEVELS }, () => [field(), field(), field(), field()]);
  const lastLeaf = field();
  const lastInput: CircuitInput = {
    oldRoot: quadRoot(h, tree.zeros[NOTE_BATCH_LEVELS]!, last, path),
    newRoot: quadRoot(h, new NoteTree(h).previewBatch([lastLeaf]).subtreeRoot, last, path),
    chain: batchChain(h, last, [lastLeaf]),
    batchIndex: BigInt(last),
    active: oneHot(NOTE_BATCH_SIZE, 0),
    leaves: withSlot(Array<bigint>(NOTE_BATCH_SIZE).fill(0n), 0, lastLeaf),
    siblings: path,
  };
  const honest: NamedInput[] = [
    { name: "a full batch (batch 0 of the empty tree)", input: fullInput },
    { name: "a partial flush of 5 leaves (batch 1)", input: flushInput },
    { name: "a flush of 1 leaf into the tree's last batch (index 2^20 - 1)", input: lastInput },
  ];
  const padded = flushInput.leaves as readonly bigint[];
  const active = flushInput.active as readonly bigint[];
  /** The flush with other leaves and flags (the new root recomputed: only the targeted check can fail). */
  const reflag = (leaves: readonly bigint[], flags: readonly bigint[], over: CircuitInput = {}): CircuitInput => ({
    ...flushInput,
    leaves,
    active: flags,
    newRoot: tree.previewBatch(leaves).newRoot,
    ...over,
  });
  const swapped = [padded[1]!, padded[0]!, ...padded.slice(2)];
  const gap = withSlot(withSlot(padded, 4, 0n), 5, padded[4]!);
  const dishonest: NamedInput[] = [
    { name: "leaves 0 and 1 swapped", input: reflag(swapped, active) },
    { name: "a non-zero padding leaf", input: reflag(withSlot(padded, 7, 42n), active) },
    { name: "a gap: leaf 4 written at position 5", input: reflag(gap, withSlot(withSlot(active, 4, 0n), 5, 1n)) },
    { name: "an empty batch", input: reflag(Array(NOTE_BATCH_SIZE).fill(0n), Array(NOTE_BATCH_SIZE).fill(0n), { chain: BigInt(flush.batchIndex), newRoot: flush.oldRoot }) },
    { name: "batch 0 again over a root that holds it", input: { ...fullInput, oldRoot: full.newRoot } },
  ];

  const free = ["main.newRoot"];
  /**
   * A forged insertion, rejected by BatchInsert's statement `code`: the honest witness of `input`,
   * `edit` writes what the prover chooses (given the old root's and the new root's paths), every
   * other signal is re-solved, the new root (the caller's) included; the old root and the chain
   * stay the pool's.
   */
  const forgery = (name: string, code: string, input: CircuitInput, edit: (f: Forgery, paths: { empty: string; batch: string }) => unknown): ForgedCase => ({
    name,
    target: { template: "BatchInsert", code },
    forge: async (fc) => {
      const f = fc.forge(await fc.witness(input));
      const [empty, batch] = inlineComponents(fc, "main", "QuadMerkleRoot");
      edit(f, { empty: empty!, batch: batch! });
      return f.recompute({ free });
    },
  });
  const other = field();
  const chainTo4 = batchChain(h, flush.batchIndex, queued.slice(0, 4));
  // Leaf 4 dropped (zeroed) while the chain still ends at the pool's: c5 = c4 + a * (Poseidon(c4, 0) - c4).
  const dropFlag = mod((flush.chain - chainTo4) * inverse(h([chainTo4, 0n]) - chainTo4));
  const Z2 = tree.zeros[NOTE_BATCH_LEVELS]!;
  const firstSubtree = new NoteTree(h).previewBatch(firstLeaves).subtreeRoot;
  const forged: ForgedCase[] = [
    // Which leaves are real.
    forgery("an empty batch (count 0: the chain is the seed)", "active[0] === 1;", flushInput, (f) =>
      f.setArray("main.active", Array(NOTE_BATCH_SIZE).fill(0n)).setArray("main.leaves", Array(NOTE_BATCH_SIZE).fill(0n)).set("main.chain", BigInt(flush.batchIndex)),
    ),
    forgery("queued leaf 4 dropped, its flag solved so that the chain still matches", "active[i] * (active[i] - 1) === 0;", flushInput, (f) =>
      f.set("main.leaves[4]", 0n).set("main.active[4]", dropFlag),
    ),
    forgery("an unqueued leaf written in the padding", "leaves[i] * (1 - active[i]) === 0;", flushInput, (f) => f.set("main.leaves[7]", other)),
    forgery("a gap: leaf 4 written at position 5 (the chain skips the inactive 4)", "active[i + 1] * (1 - active[i]) === 0;", flushInput, (f) =>
      f.set("main.leaves[4]", 0n).set("main.active[4]", 0n).set("main.leaves[5]", padded[4]!).set("main.active[5]", 1n),
    ),
    // The chain.
    forgery("the batch written at index 3 while the chain is seeded with the pool's index 1", "c[0] <== batchIndex;", flushInput, (f) =>
      f.keepAll(["main.c[0]"]).set("main.batchIndex", 3n),
    ),
    forgery("queued leaf 2 replaced, its chain step kept", "step[i] <== Poseidon(2)([c[i], leaves[i]]);", flushInput, (f) => f.keepAll(["main.step[2]"]).set("main.leaves[2]", other)),
    forgery("queued leaf 2 replaced, its chain link kept", "c[i + 1] <== c[i] + active[i] * (step[i] - c[i]);", flushInput, (f) => f.keepAll(["main.c[3]"]).set("main.leaves[2]", other)),
    forgery("a count of 4 for the 5 queued leaves", "chain === c[B];", flushInput, (f) => f.set("main.leaves[4]", 0n).set("main.active[4]", 0n)),
    forgery("a count of 6: an unqueued leaf after the 5", "chain === c[B];", flushInput, (f) => f.set("main.leaves[5]", other).set("main.active[5]", 1n)),
    forgery("queued leaves 0 and 1 swapped", "chain === c[B];", flushInput, (f) => f.set("main.leaves[0]", padded[1]!).set("main.leaves[1]", padded[0]!)),
    // The subtree.
    forgery("the subtree written with another leaf 1 than the chained one", "tree[i] <== leaves[i];", flushInput, (f) => f.set("main.tree[1]", other)),
    forgery("a subtree node that is not the hash of its four children", "tree[B + j] <== Poseidon(4)([tree[4 * j], tree[4 * j + 1], tree[4 * j + 2], tree[4 * j + 3]]);", flushInput, (f) =>
      f.set(`main.tree[${NOTE_BATCH_SIZE}]`, other),
    ),
    forgery("a subtree root other than the subtree's", "signal subtreeRoot <== tree[B + NODES - 1];", flushInput, (f) => f.set("main.subtreeRoot", other)),
    // The position and the roots.
    forgery("both paths walked at batch 3 while the index (and the chain) name batch 1", "signal bits[2 * H] <== Num2Bits(2 * H)(batchIndex);", flushInput, (f) => f.set("main.bits[1]", 1n)),
    forgery("batch 0 written over a root that already holds it", "oldRoot === emptyPathRoot;", fullInput, (f) => f.set("main.oldRoot", full.newRoot)),
    forgery("batch 0 inserted again over a root that holds it, the old root's path started from the written subtree", "signal emptyPathRoot <== QuadMerkleRoot(H)(NOTE_ZERO_SUBTREE(), bits, siblings);", fullInput, (f, p) =>
      f.set("main.oldRoot", full.newRoot).set(`${p.empty}.leaf`, firstSubtree),
    ),
    forgery("the new root's path with batch 0's subtree emptied (its notes destroyed), the old root's kept", "signal emptyPathRoot <== QuadMerkleRoot(H)(NOTE_ZERO_SUBTREE(), bits, siblings);", flushInput, (f, p) =>
      f.keepAll([`${p.empty}.siblings[0][0]`]).set("main.siblings[0][0]", Z2),
    ),
    forgery("the new root's path fed batch 0's subtree emptied (its notes destroyed)", "signal batchPathRoot <== QuadMerkleRoot(H)(subtreeRoot, bits, siblings);", flushInput, (f, p) => f.set(`${p.batch}.siblings[0][0]`, Z2)),
    forgery("the new root's path walked at batch 3", "signal batchPathRoot <== QuadMerkleRoot(H)(subtreeRoot, bits, siblings);", flushInput, (f, p) => f.set(`${p.batch}.pathBits[1]`, 1n)),
    forgery("the new root's path started from another subtree", "signal batchPathRoot <== QuadMerkleRoot(H)(subtreeRoot, bits, siblings);", flushInput, (f, p) => f.set(`${p.batch}.leaf`, other)),
    forgery("a new root other than the batch's (an unqueued leaf in it)", "newRoot === batchPathRoot;", flushInput, (f) => f.set("main.newRoot", tree.previewBatch(withSlot(padded, 7, other)).newRoot)),
  ];
  return {
    circuit: "note_batch_insert",
    sources: ["circuits/src/notes_batch.circom"],
    targets: [{ main: "circuits/main/note_batch_insert.circom", honest, dishonest, forged }],
  };
}

// ---------------------------------------------------------------------------
// Accounts absorb and emit notes (issue 8): AccountNoteUpdate(16, 12, EMIT) on AccountUpdateWithKeeper(16, 1).

async function accountNotesOracle(h: SyncPoseidon): Promise<CircuitOracle> {
  const crypto = await initNoteCrypto();
  const keeperKey = (await generateKeeperKey()).publicKey;
  const k: UpdateKeeper = { crypto, keeper: { keeperId: 5n, key: keeperKey }, nonce: 42n };
  const rand = rng(11n);
  const field = (): bigint => rand(256) % P;
  const basket = (amounts: readonly bigint[] = AMOUNTS): AccountOpening => ({ owner: OWNER, amounts: [...amounts], blinding: OLD_BLINDING });
  const NB = NEW_BLINDING;
  /** planUpdate's input of `base` changed privately at `index` by `amount` (what a forger's honest-looking update of another change is). */
  const changed = (index: number, amount: bigint, requirement = 0n, base = basket()): CircuitInput =>
    planUpdate(h, base, NO_DELTA, requirement, WEIGHTS, k, NB, { index, amount }).input as unknown as CircuitInput;

  // The tree: a full batch of others' notes, then the owner's notes at leaves 17 to 19 between two others.
  const tree = new NoteTree(h);
  tree.insertBatch(Array.from({ length: NOTE_BATCH_SIZE }, field));
  const ownerKey = ownerKeyOf(h, NOTE_SECRET);
  const owned = (slot: number, amount: bigint, leafIndex: number): OwnedNote => {
    const n: Note = { slot, amount, ownerKey, blinding: field() };
    const c = noteCommitment(h, n);
    return { ...n, leafIndex, commitment: c, nullifier: noteNullifier(h, NOTE_SECRET, c, leafIndex) };
  };
  const first = tree.insertedBatches * NOTE_BATCH_SIZE + 1;
  const a500 = owned(3, 500n, first);
  const zero = owned(4, 0n, first + 1);
  const max = owned(3, MAX_AMOUNT, first + 2);
  tree.insertBatch([field(), a500.commitment, zero.commitment, max.commitment, field()]);
  const absorbOf = (note: OwnedNote, base = basket()): CircuitInput =>
    planAbsorb(h, base, { note, spendingSecret: NOTE_SECRET, tree }, WEIGHTS, k, NB).input as unknown as CircuitInput;
  const absorb3 = absorbOf(a500);
  const absorbZero = absorbOf(zero);
  const absorbMax = absorbOf(max); // AMOUNTS[3] is 0: slot 3 ends at 2^96 - 1

  // Emits: all of slot 2; 10^7 of slot 1 at a requirement equal to what stays; 2^96 - 1 out of a full slot 15.
  const recipient = field();
  const pay = (slot: number, amount: bigint): Note => ({ slot, amount, ownerKey: recipient, blinding: field() });
  const emitOf = (note: Note, requirement = 0n, base = basket()): CircuitInput =>
    planEmit(h, base, note, requirement, WEIGHTS, k, NB).input as unknown as CircuitInput;
  const whole = pay(2, AMOUNTS[2]!);
  const emitWhole = emitOf(whole);
  const part = pay(1, 10n ** 7n);
  const remaining = valueOf(withSlot(AMOUNTS, 1, AMOUNTS[1]! - part.amount), WEIGHTS);
  const emitAtValue = emitOf(part, remaining);
  const emitMax = emitOf(pay(15, MAX_AMOUNT), 0n, basket(withSlot(AMOUNTS, 15, MAX_AMOUNT)));

  const absorbHonest: NamedInput[] = [
    { name: "an absorb of 500 at slot 3", input: absorb3 },
    { name: "an absorb of a note of amount 0 (slot 4)", input: absorbZero },
    { name: "an absorb of 2^96 - 1 into the empty slot 3 (landing on 2^96 - 1)", input: absorbMax },
  ];
  const emitHonest: NamedInput[] = [
    { name: "an emit of the whole of slot 2", input: emitWhole },
    { name: "an emit of 10^7 of slot 1 at a requirement equal to the remaining value", input: emitAtValue },
    { name: "an emit of 2^96 - 1 out of a full slot 15", input: emitMax },
  ];

  const absorbDishonest: NamedInput[] = [
    { name: "a root the note is not under", input: { ...absorb3, root: tree.root() + 1n } },
    { name: "the nullifier of another note", input: { ...absorb3, nullifier: zero.nullifier } },
    { name: "the note's nullifier at another leaf index", input: { ...absorb3, nullifier: noteNullifier(h, NOTE_SECRET, a500.commitment, a500.leafIndex + 1) } },
    { name: "a spending secret that is not the owner's", input: { ...absorb3, spendingSecret: THIEF_SECRET } },
    { name: "the slot-3 note credited at slot 4", input: { ...absorb3, ...changed(4, 500n), noteSlot: 3n } },
    { name: "the slot-3 note claimed at slot 4 (then not in the tree)", input: { ...absorb3, ...changed(4, 500n), noteSlot: 4n } },
    { name: "a note that is not in the tree (another blinding)", input: { ...absorb3, noteBlinding: 1n } },
    { name: "the amount-0 note of slot 4 claimed as 2^96 at slot 3 (the same packing)", input: { ...absorbZero, noteSlot: 3n, noteAmount: TWO_96 } },
    { name: "the 2^96 - 1 note of slot 3 claimed as p - 1 at slot 4 (a debit of 1)", input: { ...absorbMax, ...changed(4, -1n), noteSlot: 4n, noteAmount: P - 1n } },
  ];
  const over: Note = { ...whole, amount: whole.amount + 1n };
  const emitDishonest: NamedInput[] = [
    { name: "a requirement one above the remaining value", input: { ...emitAtValue, statement: remaining + 1n } },
    { name: "a note one above what slot 2 holds", input: { ...emitWhole, noteAmount: over.amount, noteCommitment: noteLeaf(h, over) } },
    {
      name: "a note of p - 1 (a credit of 1) with the update of a basket one richer at slot 2",
      input: { ...emitWhole, ...changed(2, 1n), noteAmount: P - 1n, noteCommitment: noteLeaf(h, { ...whole, amount: P - 1n }) },
    },
    { name: "a note commitment to another recipient", input: { ...emitWhole, noteCommitment: noteLeaf(h, { ...whole, ownerKey: ownerKey }) } },
    { name: "a note commitment to another amount", input: { ...emitWhole, noteCommitment: noteLeaf(h, { ...whole, amount: whole.amount - 1n }) } },
  ];

  const ABSORB_FREE = ["main.newCommitment", "main.binding", "main.nullifier"];
  const EMIT_FREE = ["main.newCommitment", "main.binding", "main.noteCommitment"];
  /** The inline components (`Template(..)(..)`) of AccountNoteUpdate: the absorb has one of each of its note templates. */
  const part1 = (fc: ForgeCircuit, parent: string, template: string): string => inlineComponents(fc, parent, template)[0]!;
  /**
   * A forged note update: the honest witness of `input`, `edit` writes what the prover chooses,
   * every other signal is re-solved (the new commitment, the binding and the nullifier or note
   * commitment the prover submits included; the old commitment, the statement, the weights hash,
   * the challenge and the root stay the chain's) unless `free` says otherwise.
   */
  const forgery = (emitting: boolean) => (name: string, target: Target, input: CircuitInput, edit: (f: Forgery, fc: ForgeCircuit) => unknown, free?: string[]): ForgedCase => ({
    name,
    target,
    forge: async (fc) => {
      const f = fc.forge(await fc.witness(input));
      edit(f, fc);
      return f.recompute({ free: free ?? (emitting ? EMIT_FREE : ABSORB_FREE) });
    },
  });
  const A = forgery(false);
  const E = forgery(true);
  const N = (code: string): Target => ({ template: "AccountNoteUpdate", code });
  const RANGE = (site: string): Target => ({ template: "Num2Bits", code: "lc1 === in;", site });
  const EXTRA = { template: "PrivateSlotChange", code: "extra[i] <== NEGATE == 1 ? -moved[i] : moved[i];" };
  const MOVED = { template: "PrivateSlotChange", code: "moved[i] <== selector[i] * amount;" };
  const AMOUNT_RANGE = RANGE("RangeCheck(AMOUNT_BITS())(amount);");
  const NEW_RANGE = RANGE("RangeCheck(AMOUNT_BITS())(total);");
  const MEMBERSHIP = N("computedRoot === root;");
  const NULLIFIER = N("computedNullifier === nullifier;");
  const NULLIFIER_HASH = N("signal computedNullifier <== NoteNullifier()(spendingSecret, commitment, noteLeafIndex);");
  const ABSORB_NOTE = N("signal commitment <== NoteCommitment()(noteSlot, noteAmount, ownerKey, noteBlinding);");
  const EMIT_NOTE = N("signal commitment <== NoteCommitment()(noteSlot, noteAmount, noteRecipient, noteBlinding);");
  const EMITTED = N("commitment === noteCommitment;");
  const SELECTED = N("SelectedRange(N)(change.selector, u.newAmounts);");
  const KW = "AccountUpdateWithKeeper";
  /** Moves the change of `from` to `to` in the array `name` (the other elements pinned too). */
  const move = (f: Forgery, name: string, from: number, to: number): Forgery => {
    const v = f.get(`${name}[${from}]`);
    f.keepAll(names(name, 16));
    return f.set(`${name}[${from}]`, 0n).set(`${name}[${to}]`, v);
  };
  /** The basket one token richer at `slot` (with its stored commitment): an account that holds `amount` there. */
  const holding = (f: Forgery, slot: number, amount: bigint, amounts = AMOUNTS): Forgery =>
    f.set(`main.amounts[${slot}]`, amount).set("main.oldCommitment", commitment(h, withSlot(amounts, slot, amount), OLD_BLINDING, OWNER));
  const richer = withSlot(AMOUNTS, 0, AMOUNTS[0]! + 10n ** 18n);
  const doubled = withSlot(WEIGHTS, 0, WEIGHTS[0]! * 2n);
  const digit3 = Math.floor(a500.leafIndex / 4 ** 3) % 4;

  // Forgeries both circuits share (the change vector, the selector, the wiring into the update).
  // `to`: a slot that holds enough for the move (the emit debits it); `gain`: what the forger adds to the change.
  const shared = (X: ReturnType<typeof forgery>, input: CircuitInput, slot: number, to: number, what: string, gain: bigint): ForgedCase[] => [
    X(`a change vector ${what} at slot ${to} instead of the note's slot ${slot}`, EXTRA, input, (f) => move(f, "main.change.extra", slot, to)),
    X(`a change vector ${what} nothing (the note's amount dropped from extra)`, EXTRA, input, (f) => f.set(`main.change.extra[${slot}]`, 0n)),
    X(`the moved amount put at slot ${to} instead of the note's slot ${slot}`, MOVED, input, (f) => move(f, "main.change.moved", slot, to)),
    X(`the selector one-hot of slot ${to} for a note of slot ${slot}`, SLOT_TARGET, input, (f, fc) => f.setArray(`${part1(fc, "main.change", "SlotSelector")}.out`, oneHot(16, to))),
    X(`the selector's copy one-hot of slot ${to} for a note of slot ${slot}`, { template: "PrivateSlotChange", code: "selector <== SlotSelector(N)(slot);" }, input, (f) =>
      f.setArray("main.change.selector", oneHot(16, to)),
    ),
    X(`the selector fed slot ${to} for a note of slot ${slot}`, N("change.slot <== noteSlot;"), input, (f) => f.set("main.change.slot", BigInt(to))),
    X(`the change fed ${gain > 0n ? "10^6 more" : "10^6 less"} than the note's amount`, N("change.amount <== noteAmount;"), input, (f) => f.set("main.change.amount", f.get("main.noteAmount") + gain)),
    X(`the update fed a change ${what} at slot ${to} (the note's change at slot ${slot})`, N("u.extra <== change.extra;"), input, (f) => move(f, "main.u.extra", slot, to)),
    X(`the basket update fed a change ${what} at slot ${to} (the note's change at slot ${slot})`, { template: KW, code: "update.extra <== extra;" }, input, (f) => move(f, "main.u.update.extra", slot, to)),
    // The update's public wiring.
    X("an update proven for a richer account than the stored commitment", N("u.oldCommitment <== oldCommitment;"), input, (f) =>
      f.set("main.u.oldCommitment", commitment(h, richer, OLD_BLINDING, OWNER)).setArray("main.amounts", richer),
    ),
    X("an update valued at other weights than the epoch's", N("u.weightsHash <== weightsHash;"), input, (f) => f.set("main.u.weightsHash", weightsHash(h, doubled)).setArray("main.weights", doubled)),
    X("an update proven for a deposit of 10^18 into slot 0 while the public statement has none", N("u.statement <== statement;"), input, (f) =>
      f.set("main.u.statement", f.get("main.statement") + updateStatement(0n, 10n ** 18n, 0n, 0)),
    ),
    X("a stored commitment other than the one proven", N("u.newCommitment <== newCommitment;"), input, (f) =>
      f.keepAll(["main.u.newCommitment"]).set("main.newCommitment", commitment(h, richer, 1n, OWNER)),
    ),
    X("a binding evaluated at another challenge than the public one", N("u.challenge <== challenge;"), input, (f) => f.set("main.u.challenge", f.get("main.challenge") + 1n)),
    X("a public binding other than the evaluation the circuit computes", N("u.binding <== binding;"), input, (f) => f.keepAll(["main.u.binding"]).set("main.binding", f.get("main.binding") + 1n)),
  ];

  const absorbForged: ForgedCase[] = [
    ...shared(A, absorb3, 3, 4, "crediting", 10n ** 6n),
    A("a change vector crediting 10^6 more than the note", EXTRA, absorb3, (f) => f.set("main.change.extra[3]", f.get("main.change.extra[3]") + 10n ** 6n)),
    A("the note credited twice (the selector's one forged to 2)", { template: "SlotSelector", code: "total === 1;" }, absorb3, (f, fc) =>
      f.set(`${part1(fc, "main.change", "SlotSelector")}.out[3]`, 2n),
    ),
    // The amounts' ranges.
    A("the slot-3 note of 2^96 - 1 absorbed as p - 1 at slot 4 (the same packing: a debit of 1)", AMOUNT_RANGE, absorbMax, (f) => f.set("main.noteSlot", 4n).set("main.noteAmount", P - 1n)),
    A("an absorb reaching 2^96 (the account holds 1 at slot 3, the note 2^96 - 1)", NEW_RANGE, absorbMax, (f) => holding(f, 3, 1n)),
    A("an absorb reaching 2^96 whose range check picks slot 4", SELECTED, absorbMax, (f, fc) => holding(f, 3, 1n).setArray(`${part1(fc, "main", "SelectedRange")}.selector`, oneHot(16, 4))),
    A("an absorb reaching 2^96 whose range check reads the honest new amount", SELECTED, absorbMax, (f, fc) => holding(f.keepAll([`${part1(fc, "main", "SelectedRange")}.values[3]`]), 3, 1n)),
    A("an absorb reaching 2^96 whose pick is forged to 0", { template: "SelectedRange", code: "picked[i] <== selector[i] * values[i];" }, absorbMax, (f, fc) =>
      holding(f, 3, 1n).set(`${part1(fc, "main", "SelectedRange")}.picked[3]`, 0n),
    ),
    A("an absorb reaching 2^96 whose new-amounts output is the honest basket's", { template: KW, code: "newAmounts <== update.newAmounts;" }, absorbMax, (f) =>
      holding(f.keepAll(["main.u.newAmounts[3]"]), 3, 1n),
    ),
    // Membership.
    A("a sibling forged at level 3", MEMBERSHIP, absorb3, (f) => {
      const j = (digit3 + 1) % 4;
      return f.set(`main.noteSiblings[3][${j}]`, f.get(`main.noteSiblings[3][${j}]`) + 1n);
    }),
    A("the note claimed at another leaf (its index + 4: another path digit at level 1, another nullifier)", MEMBERSHIP, absorb3, (f) => f.set("main.noteLeafIndex", BigInt(a500.leafIndex + 4))),
    A("a note of 10^9 that is in no tree (the honest path)", MEMBERSHIP, absorb3, (f) => f.set("main.noteAmount", FAKE_AMOUNT)),
    A("a note of 10^9 that is in no tree, its computed root replaced by the public one", N("signal computedRoot <== QuadMerkleRoot(levels)(commitment, pathBits, noteSiblings);"), absorb3, (f) =>
      f.set("main.noteAmount", FAKE_AMOUNT).set("main.computedRoot", f.get("main.root")),
    ),
    A("the note absorbed again at leaf index + 2^24 (the same path, another nullifier)", RANGE("Num2Bits(2 * levels)(noteLeafIndex);"), absorb3, (f) =>
      f.set("main.noteLeafIndex", BigInt(a500.leafIndex) + (1n << 24n)),
    ),
    A("the path bits kept while the leaf index (and the nullifier) is index ^ 1", N("signal pathBits[2 * levels] <== Num2Bits(2 * levels)(noteLeafIndex);"), absorb3, (f) =>
      f.keepAll(names("main.pathBits", 24)).set("main.noteLeafIndex", BigInt(a500.leafIndex ^ 1)),
    ),
    // Nullifier and ownership.
    A("the public nullifier taken at another leaf index", NULLIFIER, absorb3, (f) => f.set("main.nullifier", noteNullifier(h, NOTE_SECRET, a500.commitment, a500.leafIndex + 1))),
    A("the public nullifier taken under another secret", NULLIFIER, absorb3, (f) => f.set("main.nullifier", noteNullifier(h, THIEF_SECRET, a500.commitment, a500.leafIndex))),
    A("the nullifier hashed over another leaf index than the path's", NULLIFIER_HASH, absorb3, (f, fc) => f.set(`${part1(fc, "main", "NoteNullifier")}.leafIndex`, BigInt(a500.leafIndex + 1))),
    A("the nullifier hashed under another secret than the owner key's", NULLIFIER_HASH, absorb3, (f, fc) => f.set(`${part1(fc, "main", "NoteNullifier")}.spendingSecret`, THIEF_SECRET)),
    A("a computed nullifier replaced by a fresh one", NULLIFIER_HASH, absorb3, (f) => f.set("main.computedNullifier", f.get("main.computedNullifier") + 1n)),
    A("a thief's secret absorbing the owner's note (the owner key kept)", N("signal ownerKey <== NoteOwner()(spendingSecret);"), absorb3, (f) =>
      f.keepAll(["main.ownerKey"]).set("main.spendingSecret", THIEF_SECRET),
    ),
    A("the note opened as 10^9 under its commitment of 500 (the commitment kept)", ABSORB_NOTE, absorb3, (f) => f.keepAll(["main.commitment"]).set("main.noteAmount", FAKE_AMOUNT)),
    A("the slot-3 note opened at slot 4 (the commitment kept)", ABSORB_NOTE, absorb3, (f) => f.keepAll(["main.commitment"]).set("main.noteSlot", 4n)),
  ];

  const emitForged: ForgedCase[] = [
    ...shared(E, emitWhole, 2, 0, "debiting", -(10n ** 6n)),
    // The amounts' ranges and the margin.
    E("a note of 2^96 - 1 at slot 1 emitted as p - 1 at slot 2 (the same packing: slot 2 gains 1)", AMOUNT_RANGE, emitWhole, (f) => f.set("main.noteAmount", P - 1n)),
    E("an emit one above the slot's amount (slot 2 wraps to p - 1)", NEW_RANGE, emitWhole, (f) => f.set("main.noteAmount", AMOUNTS[2]! + 1n)),
    E("an emit one above the slot's amount whose range check reads the honest new amount", { template: KW, code: "newAmounts <== update.newAmounts;" }, emitWhole, (f) =>
      f.keepAll(["main.u.newAmounts[2]"]).set("main.noteAmount", AMOUNTS[2]! + 1n),
    ),
    E("an emit one above the slot's amount whose pick is forged to 0", { template: "SelectedRange", code: "picked[i] <== selector[i] * values[i];" }, emitWhole, (f, fc) =>
      f.set("main.noteAmount", AMOUNTS[2]! + 1n).set(`${part1(fc, "main", "SelectedRange")}.picked[2]`, 0n),
    ),
    E("an emit at a requirement one above the remaining value", RANGE("AssertGreaterEqThan(VALUE_BITS)([value, st.requirement]);"), emitAtValue, (f) => f.set("main.statement", remaining + 1n)),
    // The emitted note.
    E("the emitted commitment of another recipient", EMITTED, emitWhole, (f) => f.set("main.noteCommitment", noteLeaf(h, { ...whole, ownerKey }))),
    E("the emitted commitment of 10^6 more than the basket pays", EMITTED, emitWhole, (f) => f.set("main.noteCommitment", noteLeaf(h, { ...whole, amount: whole.amount + 10n ** 6n }))),
    E("the note committed as 10^6 more than the basket pays (the commitment's amount input)", EMIT_NOTE, emitWhole, (f, fc) =>
      f.set(`${part1(fc, "main", "NoteCommitment")}.amount`, whole.amount + 10n ** 6n),
    ),
    E("the basket debited 1 while the note kept commits the whole slot", EMIT_NOTE, emitWhole, (f) => f.keepAll(["main.commitment"]).set("main.noteAmount", 1n)),
  ];
  return {
    circuit: "account_notes",
    sources: ["circuits/src/account_notes.circom"],
    alsoChecks: ["AccountUpdateWithKeeper"],
    targets: [
      { main: "circuits/main/account_absorb.circom", honest: absorbHonest, dishonest: absorbDishonest, forged: absorbForged },
      { main: "circuits/main/account_emit.circom", honest: emitHonest, dishonest: emitDishonest, forged: emitForged },
    ],
  };
}

/** Every circuit's oracle (builds the inputs; about a second). */
export async function buildOracles(): Promise<CircuitOracle[]> {
  const h = await initPoseidon();
  return [await accountUpdateOracle(h), await insolvencyOracle(h), await reservesOracle(h), await joinSplitOracle(h), await batchInsertOracle(h), await accountNotesOracle(h), await portfolioOracle(h)];
}

/** Does a failure match a target? */
/** The portfolio-margin update (circuits/src/portfolio_update.circom), as test/portfolio/circuit.test.ts. */
async function portfolioOracle(h: SyncPoseidon): Promise<CircuitOracle> {
  const k: UpdateKeeper = { crypto: await initNoteCrypto(), keeper: { keeperId: 1n, key: (await generateKeeperKey()).publicKey }, nonce: 9n };
  const down = Array<bigint>(16).fill(0n);
  const up = Array<bigint>(16).fill(0n);
  ([[10n ** 8n, 10n ** 16n, 6], [2_700n * 10n ** 8n, 8n * 10n ** 16n, 18], [60_000n * 10n ** 8n, 10n ** 17n, 8]] as [bigint, bigint, number][]).forEach(([price, hc, d], i) => {
    down[i] = weightOf(price, hc, d);
    up[i] = upWeightOf(price, hc, d);
  });
  const grid = { down, up };
  const opening: AccountOpening = { owner: 0xabcn, amounts: withSlot(withSlot(Array<bigint>(16).fill(0n), 0, 1_000n * 10n ** 6n), 1, 2n * 10n ** 18n), blinding: 77n };
  const delta = { index: 0, amount: -100n * 10n ** 6n };
  const after = withSlot(opening.amounts, 0, 900n * 10n ** 6n);
  const tight = scenarioValues(after, grid).map((v) => v / FLOOR_UNIT);
  const plan = (floors: readonly bigint[]) => planPortfolioUpdate(h, opening, delta, grid, floors, k, 0xbeefn).input as unknown as CircuitInput;
  const honest = plan(tight);
  const loose = plan(Array<bigint>(SCENARIOS).fill(0n));
  const above = (s: number): CircuitInput => {
    const f = [...tight];
    f[s]! += 1n;
    const [lo, hi] = packFloors(f);
    return { ...honest, floorsLo: lo.toString(), floorsHi: hi.toString() };
  };
  const free = ["main.newCommitment", "main.binding"];
  const T = "PortfolioUpdateWithKeeper";
  const base = async (fc: ForgeCircuit, input: CircuitInput = honest): Promise<Forgery> => fc.forge(await fc.witness(input));
  const bumpedUp = [...(honest.upWeights as string[])];
  bumpedUp[1] = (BigInt(bumpedUp[1]!) + 1n).toString();
  return {
    circuit: "portfolio_update",
    sources: ["circuits/src/portfolio_update.circom"],
    targets: [
      {
        main: "circuits/main/account_update_portfolio.circom",
        honest: [
          { name: "the tightest floors", input: honest },
          { name: "zero floors", input: loose },
          { name: "a deposit of WBTC", input: planPortfolioUpdate(h, opening, { index: 2, amount: 10n ** 8n }, grid, tight, k, 5n).input as unknown as CircuitInput },
          {
            // Every amount 2^96 - 1 and every weight 2^128 - 1: V_s is just below 2^228 (the comparison's full width).
            name: "a basket and weights at their bounds",
            input: planPortfolioUpdate(
              h,
              { owner: (1n << 160n) - 1n, amounts: Array<bigint>(16).fill((1n << 96n) - 1n), blinding: P - 1n },
              { index: 0, amount: 0n },
              { down: Array<bigint>(16).fill((1n << 128n) - 1n), up: Array<bigint>(16).fill((1n << 128n) - 1n) },
              Array<bigint>(SCENARIOS).fill((1n << 62n) - 1n),
              k,
              3n,
            ).input as unknown as CircuitInput,
          },
        ],
        dishonest: [
          ...Array.from({ length: SCENARIOS }, (_, s) => ({ name: `floor ${s} one unit above the value`, input: above(s) })),
          { name: "up weights other than the hashed ones", input: { ...honest, upWeights: bumpedUp } },
          { name: "floorsHi of 2^248", input: { ...honest, floorsHi: (1n << 248n).toString() } },
        ],
        forged: [
          {
            name: "a scenario value that wraps the field: the floor one unit above it",
            target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck" },
            forge: async (fc) => (await base(fc)).set("main.floorsLo", BigInt(above(0).floorsLo as string)).recompute({ free: [...free, "main.floorsLo"] }),
          },
          {
            name: "a scenario value that wraps the field in scenario 4 (floorsHi)",
            target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck" },
            forge: async (fc) => (await base(fc)).set("main.floorsHi", BigInt(above(4).floorsHi as string)).recompute({ free: [...free, "main.floorsHi"] }),
          },
          {
            name: "a comparison fed another value than the scenario's sum",
            target: { template: T, code: "clears[s].in[0] <== v;" },
            forge: async (fc) => {
              const f = await base(fc, loose);
              return f.keepAll(["main.clears[1].in[0]"]).set("main.clears[1].in[0]", f.get("main.clears[1].in[0]") + 1n).recompute({ free });
            },
          },
          {
            name: "an up-move product that is not new[i] * upWeight[i]",
            target: { template: T, code: "up[i] <== core.newAmounts[i] * upWeights[i];" },
            forge: async (fc) => {
              const f = await base(fc, loose);
              return f.set("main.up[1]", f.get("main.up[1]") + 10n ** 30n).recompute({ free });
            },
          },
          {
            name: "a down-move product that is not new[i] * weight[i]",
            target: { template: T, code: "down[i] <== core.newAmounts[i] * weights[i];" },
            forge: async (fc) => {
              const f = await base(fc, loose);
              return f.set("main.down[1]", f.get("main.down[1]") + 10n ** 30n).recompute({ free });
            },
          },
          {
            name: "up weights other than the hashed ones (the hash recomputed)",
            target: { template: T, code: "uh.out === upHash;" },
            forge: async (fc) => {
              const f = await base(fc);
              return f.set("main.upWeights[1]", f.get("main.upWeights[1]") * 2n).recompute({ free });
            },
          },
          {
            name: "a floor whose bits do not recompose the public input",
            target: { template: "Num2Bits", code: "lc1 === in;", site: "component bits = Num2Bits(FLOORS_PER_INPUT() * FLOOR_BITS());" },
            forge: async (fc) => {
              const f = await base(fc, loose);
              return f.keepAll(fc.signals("main.lo.bits.out[")).set("main.lo.bits.out[1]", 1n - f.get("main.lo.bits.out[1]")).recompute({ free });
            },
          },
          {
            name: "a private change of the basket beside the public delta",
            target: { template: T, code: "core.extra[i] <== 0;" },
            forge: async (fc) => (await base(fc)).set("main.core.extra[1]", 10n ** 18n).recompute({ free }),
          },
          // Each input reaches the plain update through one copy: an input other than what the update
          // proves about (its copy kept) fails at that copy only.
          ...(
            [
              ["oldCommitment", "core.oldCommitment <== oldCommitment;"],
              ["newCommitment", "core.newCommitment <== newCommitment;"],
              ["weightsHash", "core.weightsHash <== weightsHash;"],
              ["statement", "core.statement <== statement;"],
              ["challenge", "core.challenge <== challenge;"],
              ["binding", "core.binding <== binding;"],
              ["owner", "core.owner <== owner;"],
              ["oldBlinding", "core.oldBlinding <== oldBlinding;"],
              ["newBlinding", "core.newBlinding <== newBlinding;"],
              ["nonce", "core.nonce <== nonce;"],
              ["amounts[1]", "core.amounts <== amounts;"],
              ["weights[1]", "core.weights <== weights;"],
              ["keeperKey[0]", "core.keeperKey <== keeperKey;"],
            ] as const
          ).map(([signal, code]): ForgedCase => ({
            name: `a ${signal} other than the plain update's`,
            target: { template: T, code },
            forge: async (fc) => {
              const f = await base(fc, loose);
              return f.keepAll([`main.core.${signal}`]).set(`main.${signal}`, f.get(`main.${signal}`) + 1n).recompute({ free });
            },
          })),
          ...(
            [
              ["floorsLo", "lo.packed <== floorsLo;", "lo"],
              ["floorsHi", "hi.packed <== floorsHi;", "hi"],
            ] as const
          ).map(([signal, code, c]): ForgedCase => ({
            name: `a ${signal} other than the unpacked one`,
            target: { template: T, code },
            forge: async (fc) => {
              const f = await base(fc, loose);
              return f.keepAll([`main.${c}.packed`]).set(`main.${signal}`, f.get(`main.${signal}`) + 1n).recompute({ free });
            },
          })),
        ],
      },
    ],
  };
}

export function matches(f: { template?: string; code?: string; stack: string[] }, t: Target): boolean {
  return f.template === t.template && (f.code ?? "").includes(t.code) && (t.site === undefined || f.stack.some((s) => s.includes(t.site!)));
}

export const idHashOf = (id: string): bigint => BigInt(`0x${createHash("sha256").update(Buffer.from(id, "utf8")).digest("hex")}`) >> 8n;
export { names };
