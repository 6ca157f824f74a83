/**
 * The trader commands' margin mode: `--margin simple|portfolio` switches the account on-chain
 * (`MarginEngine.chooseMarginMode`) before the action when it differs, the portfolio-margin check run
 * before a proof (every scenario floor cleared), and `account status`'s portfolio part (the eight
 * floors the engine computes, `portfolioFloorsOf`, and the worst one).
 */
import { artifacts, usd, type ChainView, type PositionState, type Trader } from "../../prover/src/index.js";
import { FLOOR_BITS, FLOOR_UNIT, portfolioHeadroom, SCENARIO_UP_MASKS, SCENARIOS, scenarioValues } from "../../prover/src/portfolio.js";
import { PORTFOLIO_CIRCUIT } from "../../prover/src/trader.js";
import type { Chain } from "../chain/connect.js";
import { explainChainError } from "../chain/contracts.js";
import { UsageError } from "../usage.js";
import type { TraderOptions } from "./common.js";

/** Help line of --margin (every command that proves for an account). */
export const MARGIN_HELP = `  --margin       simple | portfolio: the account's margin mode, switched on-chain (chooseMarginMode, one
                 transaction) before the action when it differs; the engine allows it only with no open
                 position and an account that is not frozen (MarginModeLocked). Default: the account's
                 current mode (simple for a new account). Not with --sub`;

/** The portfolio circuit's artifacts, as the CLI's --artifacts / $PLIMSOLL_ARTIFACTS name them. */
export const portfolioArtifacts = (): ReturnType<typeof artifacts.circuit> => artifacts.circuit(PORTFOLIO_CIRCUIT);

/** The mode `--margin` names (undefined: keep the account's). */
export function parseMargin(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "portfolio" || value === "simple") return value === "portfolio";
  throw new UsageError(`--margin must be simple or portfolio, got ${JSON.stringify(value)}`);
}

/**
 * Applies `--margin`: switches the account when it names the other mode (the engine's refusal decoded);
 * returns whether the account is in portfolio mode now. `check` tests the build's artifacts of a circuit.
 */
export async function applyMargin(trader: Trader, opts: Pick<TraderOptions, "margin" | "sub" | "json">, check: (circuit: string) => void): Promise<boolean> {
  const want = parseMargin(opts.margin);
  const current = await trader.isPortfolio();
  if (want !== undefined && want !== current) {
    if (opts.sub !== undefined) throw new UsageError("--margin with --sub: a sub-account's forwarder cannot choose a margin mode; sub-accounts stay on simple margin");
    if (want) check(PORTFOLIO_CIRCUIT);
    if (!opts.json) process.stderr.write(`choosing ${opts.margin} margin (chooseMarginMode)...\n`);
    try {
      await trader.chooseMarginMode(want);
    } catch (err) {
      const why = explainChainError(err);
      const hint = why.startsWith("MarginModeLocked") ? ": the mode changes only with no open position and an account that is not frozen; close the positions first" : "";
      throw new Error(`--margin ${opts.margin}: the engine refused to switch the account: ${why}${hint}`);
    }
    return want;
  }
  if (current) check(PORTFOLIO_CIRCUIT);
  return current;
}

/** "USDC down, ETH up, BTC down": how each of the deployment's assets moves in scenario `s`. */
export function scenarioMoves(c: Chain, s: number): string {
  return c.d.tokens.map((t) => `${t.symbol} ${((SCENARIO_UP_MASKS[s]! >> t.slot) & 1) === 1 ? "up" : "down"}`).join(", ");
}

/**
 * Throws a UsageError naming the first scenario the basket fails, when `basket` does not clear the portfolio
 * floors of `positions` at `margin` (the engine's rule for a portfolio account; checked before proving).
 */
export async function checkPortfolio(c: Chain, trader: Trader, v: ChainView, margin: "initial" | "maintenance", positions: ReadonlyMap<number, PositionState>, basket: readonly bigint[], what: string): Promise<void> {
  const { grid, floors } = await trader.portfolioRule(v, margin, positions);
  if (portfolioHeadroom(basket, grid, floors) >= 0n) return;
  const values = scenarioValues(basket, grid);
  const s = values.findIndex((x, i) => x < floors[i]! * FLOOR_UNIT);
  throw new UsageError(`${what} fails portfolio margin at ${margin} margin: scenario ${s} (${scenarioMoves(c, s)}) needs ${usd(floors[s]! * FLOOR_UNIT)}, the basket is worth ${usd(values[s]!)} there`);
}

/** One margin type's floors as `account status` shows them. */
export interface FloorsView {
  floors: string[];
  /** The scenario with the smallest headroom when the basket is known, else the largest floor. */
  worst: { scenario: number; moves: string; floor: string; basket?: string; headroom?: string };
}

/** The portfolio part of `account status`: the engine's floors at initial and maintenance margin, and the worst of each. */
export async function portfolioStatus(c: Chain, owner: string, trader: Trader | undefined, amounts: readonly bigint[] | undefined): Promise<{ initial: FloorsView; maintenance: FloorsView }> {
  const v = trader === undefined ? undefined : await trader.view();
  const one = async (initial: boolean): Promise<FloorsView> => {
    const [lo, hi] = await c.engine.portfolioFloorsOf(owner, initial);
    const mask = (1n << FLOOR_BITS) - 1n;
    const floors = Array.from({ length: SCENARIOS }, (_, s) => ((BigInt(s < 4 ? lo : hi) >> (FLOOR_BITS * BigInt(s % 4))) & mask) * FLOOR_UNIT);
    const largest = floors.reduce((m, f, s) => (f > floors[m]! ? s : m), 0);
    const shown = floors.map(usd);
    if (v === undefined || amounts === undefined) return { floors: shown, worst: { scenario: largest, moves: scenarioMoves(c, largest), floor: shown[largest]! } };
    const { grid } = await trader!.portfolioRule(v, initial ? "initial" : "maintenance", v.positions);
    const values = scenarioValues(amounts, grid);
    const headroom = values.map((x, s) => x - floors[s]!);
    const s = headroom.reduce((m, x, i) => (x < headroom[m]! ? i : m), 0);
    const signed = (x: bigint): string => (x < 0n ? `-${usd(-x)}` : usd(x));
    return { floors: shown, worst: { scenario: s, moves: scenarioMoves(c, s), floor: shown[s]!, basket: usd(values[s]!), headroom: signed(headroom[s]!) } };
  };
  return { initial: await one(true), maintenance: await one(false) };
}

/** The text lines of `portfolioStatus`. */
export function portfolioLines(p: { initial: FloorsView; maintenance: FloorsView }): string {
  return (["initial", "maintenance"] as const).map((k) => {
    const w = p[k].worst;
    const worst = w.headroom === undefined ? `largest: scenario ${w.scenario} (${w.moves}) ${w.floor}` : `worst: scenario ${w.scenario} (${w.moves}), floor ${w.floor}, basket ${w.basket}, headroom ${w.headroom}`;
    return `  floors (${k.padEnd(11)}) ${p[k].floors.join(" | ")}\n  ${"".padEnd(26)}${worst}`;
  }).join("\n");
}
