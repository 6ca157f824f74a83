/**
 * Private portfolio margin: the scenario grid, the fixed family of joint moves, the floors the engine
 * derives from the public positions, their packing, and the planning of one portfolio update.
 * Bit for bit the twin of circuits/src/portfolio_update.circom (family, packing) and
 * contracts/engine/PortfolioMargin.sol (floors, packing); the grid is the oracle's
 * (PlimsollOracle.upWeightVectors, OracleModel.upWeightVectors in prover/src/oracle/model.ts).
 *
 * A scenario moves every asset slot up or down by its haircut (h = hIM for initial margin, hMM for
 * maintenance): the basket is valued at the up weights floor(P (1 + h)) or the down weights
 * floor(P (1 - h)) (the epoch's weights), and each position's underlying moves the same way. The
 * proof shows, for every scenario s, basket value V_s >= floor_s, where floor_s is what the positions
 * lose in s (unrealised loss at the mark included) plus a cushion of marginFloor x notional.
 */
import { N_ASSETS, WAD } from "./constants.js";
import { weightsHash, type BasketDelta } from "./encoding.js";
import { fundingLoss, type PositionState } from "./margin.js";
import type { SyncPoseidon } from "./poseidon.js";
import { planUpdate, type AccountOpening, type PlannedUpdate, type UpdateKeeper, randomBlinding } from "./account.js";
import { WitnessInputError } from "./validate.js";

/** Number of scenarios (the circuit's S). */
export const SCENARIOS = 8;
/** Bits of one packed floor. */
export const FLOOR_BITS = 62n;
/** Floors per public input (4 x 62 = 248 bits). */
export const FLOORS_PER_INPUT = 4;
/** Value units (1e-30 USD) per floor unit: floors are in 1e-6 USD, rounded up. */
export const FLOOR_UNIT = 10n ** 24n;
/** WAD x FLOOR_UNIT: the engine's floor divisor. */
const FLOOR_DIVISOR = WAD * FLOOR_UNIT;
/** 1e-18 (size) x 1e-8 (price) = 1e-26 USD; x 1e4 gives the value unit. */
const VALUE_SCALE = 10n ** 4n;

/**
 * Up masks of the fixed family (bit i set: slot i moves up; clear: down). s = 0 all down, 1 all up, then
 * for b = 0, 1, 2 the slots with bit b of their index up (2 + 2b) and its mirror (3 + 2b).
 */
export const SCENARIO_UP_MASKS: readonly number[] = [0x0000, 0xffff, 0xaaaa, 0x5555, 0xcccc, 0x3333, 0xf0f0, 0x0f0f];

/** True if slot `slot` moves up in scenario `s`. */
export function movesUp(s: number, slot: number): boolean {
  return ((SCENARIO_UP_MASKS[s]! >> slot) & 1) === 1;
}

/** One margin type's scenario grid: the down weights (the epoch's weights) and the up weights. */
export interface ScenarioGrid {
  down: bigint[];
  up: bigint[];
}

/** Basket value in each scenario: sum_i amounts[i] * (up(s, i) ? up[i] : down[i]). */
export function scenarioValues(amounts: readonly bigint[], grid: ScenarioGrid): bigint[] {
  return SCENARIO_UP_MASKS.map((_, s) => {
    let v = 0n;
    for (let i = 0; i < N_ASSETS; i++) v += amounts[i]! * (movesUp(s, i) ? grid.up[i]! : grid.down[i]!);
    return v;
  });
}

/** A position as the floors see it: the engine's position, its market's mark, its underlying slot and haircut. */
export interface ScenarioPosition extends PositionState {
  mark: bigint;
  underlying: number;
  /** The underlying's haircut (WAD): hIM for initial margin, hMM for maintenance. */
  haircut: bigint;
  /** Its market's funding index now (the engine's `fundingIndexOf`; absent: 0, no funding). */
  marketFundingIndex?: bigint;
  /**
   * An option position: its value per unit (WAD USD) when the underlying moves up and down by `haircut`
   * and the volatility moves against its side (OptionsMarket.scenarioValues, `optionScenarioValues`),
   * in place of the linear mark (WAD +- haircut).
   */
  option?: { up: bigint; down: bigint };
}

/** An option's scenario value (WAD USD) times this is in mark x WAD units (PortfolioMargin.PRICE_TO_WAD_MARK). */
const PRICE_TO_WAD_MARK = 10n ** 8n;

/**
 * X_s of each scenario (PortfolioMargin.packedFloors), in value units x WAD:
 *   X_s = sum_j (|size| * mark * 1e4 * cushion - size * (mark * (WAD +- h) - entry * WAD) * 1e4 + owed_j * WAD),
 * with + when the underlying moves up in s and owed_j the funding the position owes (PortfolioMargin.addOwed);
 * an option's scenario value x 1e8 replaces mark * (WAD +- h) (PortfolioMargin.addMoves).
 */
function scenarioTotals(positions: readonly ScenarioPosition[], cushion: bigint): bigint[] {
  return SCENARIO_UP_MASKS.map((_, s) => {
    let x = 0n;
    for (const p of positions) {
      if (p.size === 0n) continue;
      const abs = p.size < 0n ? -p.size : p.size;
      const up = movesUp(s, p.underlying);
      const moved = p.option !== undefined ? (up ? p.option.up : p.option.down) * PRICE_TO_WAD_MARK : p.mark * (up ? WAD + p.haircut : WAD - p.haircut);
      x += abs * p.mark * VALUE_SCALE * cushion - p.size * (moved - p.entryPrice * WAD) * VALUE_SCALE;
      x += fundingLoss(p.size, p.fundingIndex ?? 0n, p.marketFundingIndex ?? 0n) * WAD;
    }
    return x;
  });
}

/**
 * The floor of each scenario, in FLOOR_UNIT: floor_s = X_s <= 0 ? 0 : ceil(X_s / (WAD * FLOOR_UNIT)) (see
 * `scenarioTotals`). Throws when a floor does not fit FLOOR_BITS.
 */
export function portfolioFloors(positions: readonly ScenarioPosition[], cushion: bigint): bigint[] {
  return scenarioTotals(positions, cushion).map((x, s) => {
    const f = x <= 0n ? 0n : (x + FLOOR_DIVISOR - 1n) / FLOOR_DIVISOR;
    if (f >> FLOOR_BITS !== 0n) throw new RangeError(`floor of scenario ${s} (${f}) does not fit ${FLOOR_BITS} bits`);
    return f;
  });
}

/**
 * The signed need of each scenario in value units, ceil(X_s / WAD) (see `scenarioTotals`): what the basket
 * must be worth in s, negative when the positions gain more than the cushion in s. The floors are these
 * clamped at 0 and rounded up to FLOOR_UNIT; this is for reporting a margin figure (`marginUsed`).
 */
export function scenarioNeeds(positions: readonly ScenarioPosition[], cushion: bigint): bigint[] {
  return scenarioTotals(positions, cushion).map((x) => (x >= 0n ? (x + WAD - 1n) / WAD : -(-x / WAD)));
}

/**
 * The margin a rule uses, in value units: the basket's value at the mark (`markWeights`) less its smallest
 * headroom over the rule's checks. Portfolio: min_s (V_s - need_s). Simple: pass one check,
 * `[value at the weights]` and `[requirement]`. Comparable across the two rules for the same account.
 */
export function marginUsed(amounts: readonly bigint[], markWeights: readonly bigint[], values: readonly bigint[], needs: readonly bigint[]): bigint {
  let atMark = 0n;
  for (let i = 0; i < N_ASSETS; i++) atMark += amounts[i]! * markWeights[i]!;
  const headroom = values.reduce((m, v, s) => (v - needs[s]! < m ? v - needs[s]! : m), values[0]! - needs[0]!);
  return atMark - headroom;
}

/** floorsLo = floor_0 + floor_1 2^62 + floor_2 2^124 + floor_3 2^186; floorsHi the same for 4..7. */
export function packFloors(floors: readonly bigint[]): [bigint, bigint] {
  if (floors.length !== SCENARIOS) throw new RangeError(`${floors.length} floors, expected ${SCENARIOS}`);
  const pack = (part: readonly bigint[]): bigint =>
    part.reduce((acc, f, k) => {
      if (f < 0n || f >> FLOOR_BITS !== 0n) throw new RangeError(`floor ${f} is outside [0, 2^${FLOOR_BITS})`);
      return acc | (f << (FLOOR_BITS * BigInt(k)));
    }, 0n);
  return [pack(floors.slice(0, FLOORS_PER_INPUT)), pack(floors.slice(FLOORS_PER_INPUT))];
}

/** The portfolio requirement as one number for display: the largest floor, in value units. */
export function portfolioRequirement(floors: readonly bigint[]): bigint {
  return floors.reduce((m, f) => (f > m ? f : m), 0n) * FLOOR_UNIT;
}

/** The smallest headroom over the scenarios, in value units (negative: the basket fails some scenario). */
export function portfolioHeadroom(amounts: readonly bigint[], grid: ScenarioGrid, floors: readonly bigint[]): bigint {
  const v = scenarioValues(amounts, grid);
  return v.reduce((m, x, s) => (x - floors[s]! * FLOOR_UNIT < m ? x - floors[s]! * FLOOR_UNIT : m), v[0]! - floors[0]! * FLOOR_UNIT);
}

/** A planned portfolio update: the plain update's plan plus the grid and floors inputs. */
export interface PlannedPortfolioUpdate extends PlannedUpdate {
  publicSignals: PlannedUpdate["publicSignals"] & { upHash: bigint; floorsLo: bigint; floorsHi: bigint };
}

/**
 * Plans a portfolio update of `current` by `delta` under `grid` and `floors` (requirement field 0, as the
 * engine packs it). Throws a WitnessInputError naming the first scenario the new basket fails.
 */
export function planPortfolioUpdate(
  h: SyncPoseidon,
  current: AccountOpening,
  delta: BasketDelta,
  grid: ScenarioGrid,
  floors: readonly bigint[],
  k: UpdateKeeper,
  newBlinding: bigint = randomBlinding(),
): PlannedPortfolioUpdate {
  const [floorsLo, floorsHi] = packFloors(floors);
  const plan = planUpdate(h, current, delta, 0n, grid.down, k, newBlinding);
  const values = scenarioValues(plan.next.amounts, grid);
  values.forEach((v, s) => {
    if (v < floors[s]! * FLOOR_UNIT) throw new WitnessInputError(`floors[${s}]`, `is ${floors[s]! * FLOOR_UNIT}, above the new basket's value ${v} in scenario ${s}`);
  });
  const upHash = weightsHash(h, grid.up);
  const s = (x: bigint): string => x.toString(10);
  return {
    ...plan,
    input: { ...plan.input, upWeights: grid.up.map(s), upHash: s(upHash), floorsLo: s(floorsLo), floorsHi: s(floorsHi) },
    publicSignals: { ...plan.publicSignals, upHash, floorsLo, floorsHi },
  };
}
