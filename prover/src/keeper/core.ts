/**
 * What the parts of a keeper daemon share: its options, the engine context, the state, what was
 * evaluated in this process, and the log. The daemon (daemon.ts) owns one; the steps of a tick
 * (events.ts, health.ts, liquidate.ts, leases.ts) work on it.
 */
import type { DaemonContext } from "./context.js";
import type { KeeperLogger, KeeperLogLevel } from "./log.js";
import type { ResolvedDaemonOptions } from "./options.js";
import type { KeeperState } from "./state.js";

/** The shared state of one daemon. */
export interface DaemonCore {
  readonly o: ResolvedDaemonOptions;
  readonly c: DaemonContext;
  readonly state: KeeperState;
  /** Evaluations done in this process: account -> `${epoch}:${commitment}`. */
  readonly evaluated: Map<string, string>;
  /** Failed attempts per `${account}:${epoch}:${commitment}` (retried on the next tick up to MAX_ATTEMPTS). */
  readonly attempts: Map<string, number>;
  /** Last message logged per account and topic, to log repeats at debug. */
  readonly said: Map<string, string>;
  /** Logs one entry. */
  emit(level: KeeperLogLevel, event: string, message: string, fields?: Record<string, unknown>): void;
  /** Logs at `level` the first time `message` is said about `account` under `event`, at debug when repeated. */
  say(level: KeeperLogLevel, event: string, account: string, message: string, fields?: Record<string, unknown>): void;
}

/** Evaluation attempts of one account at one epoch and commitment before the daemon gives up until the next. */
export const MAX_ATTEMPTS = 3;

/** A core over these parts, logging to `log`. */
export function createCore(o: ResolvedDaemonOptions, c: DaemonContext, state: KeeperState, log: KeeperLogger): DaemonCore {
  const said = new Map<string, string>();
  const emit = (level: KeeperLogLevel, event: string, message: string, fields: Record<string, unknown> = {}): void => {
    log({ time: new Date().toISOString(), level, event, message, ...fields });
  };
  const core: DaemonCore = {
    o,
    c,
    state,
    evaluated: new Map(),
    attempts: new Map(),
    said,
    emit,
    say(level, event, account, message, fields = {}) {
      const key = `${account}:${event}`;
      const repeated = said.get(key) === message;
      said.set(key, message);
      emit(repeated ? "debug" : level, event, message, { account, ...fields });
    },
  };
  // What was evaluated before a restart stays evaluated: only a new epoch or a new commitment re-evaluates.
  for (const [account, a] of state.accounts) core.evaluated.set(account, `${state.lastEpochEvaluated}:${a.commitment}`);
  return core;
}
