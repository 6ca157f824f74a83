/**
 * The production contracts that `npm run mutate:contracts` (scripts/mutateContracts.ts) mutates, and
 * the suites run against each mutant.
 */

/** The oracle's suites: the constructor, the limits, the breakers, poke, the plausibility rules and the model, bit for bit. */
const ORACLE_SUITES = ["test/oracle/constructor.test.ts", "test/oracle/limits.test.ts", "test/oracle/breaker.test.ts", "test/oracle/poke.test.ts", "test/oracle/plausibility.test.ts", "test/oracle/property.test.ts"];

/** Each production contract, its source file, and the suites that cover it. */
export const TARGETS: Record<string, { file: string; tests: string[] }> = {
  MarginEngine: {
    file: "contracts/engine/MarginEngine.sol",
    tests: ["test/contracts/reentrancy.test.ts", "test/contracts/engine.test.ts", "test/contracts/lease.test.ts", "test/contracts/liquidation.test.ts"],
  },
  // lease.test.ts: the only suite that reaches requireNotFrozen (AccountFrozen); portfolio/engine.test.ts: the portfolio
  // verifier's InvalidProof (a proof for another grid or other floors).
  AccountUpdates: {
    file: "contracts/engine/AccountUpdates.sol",
    tests: ["test/portfolio/engine.test.ts", "test/contracts/engine.test.ts", "test/contracts/keeperNaming.test.ts", "test/contracts/keeperNoteBinding.test.ts", "test/contracts/lease.test.ts"],
  },
  // The fast suites first (accepting verifiers or few proofs), engine.test.ts's real proofs last: funding.test.ts: the index,
  // its bounds and a renewal's funding; engineChecks.test.ts: the trade's own MarketHalted; poolReserve.test.ts: open interest
  // and poolReserve; oracleStates.test.ts: MarketHalted; lease.test.ts: closeAll (forceClose); options/market.test.ts:
  // UnknownMarket on an engine whose quoter answers UnknownSeries (a perp engine's oracle answers UnknownMarket too);
  // engine.test.ts: the trade's input checks (ZeroAmount, NoMarkPrice, PositionTooLarge, PnlTooLarge, RequirementTooLarge).
  Positions: {
    file: "contracts/engine/Positions.sol",
    tests: [
      "test/funding/funding.test.ts",
      "test/contracts/engineChecks.test.ts",
      "test/contracts/poolReserve.test.ts",
      "test/contracts/reentrancy.test.ts",
      "test/contracts/oracleStates.test.ts",
      "test/contracts/lease.test.ts",
      "test/options/market.test.ts",
      "test/contracts/engine.test.ts",
    ],
  },
  Leases: { file: "contracts/engine/Leases.sol", tests: ["test/contracts/lease.test.ts", "test/contracts/reentrancy.test.ts", "test/contracts/keeperBond.test.ts"] },
  // liquidationAuction.test.ts: the flag, the auction's factor, the partial bid and seizeFrozen; keeperBond.test.ts: a
  // frozen seizure that refills the keeper's bond (payIn's toKeeper leg); portfolio/engine.test.ts: PortfolioAccount
  // from liquidate, liquidatePartial and flagLiquidatable (real portfolio proofs: last, only survivors pay for it).
  Liquidation: {
    file: "contracts/engine/Liquidation.sol",
    tests: [
      "test/contracts/liquidation.test.ts",
      "test/contracts/reentrancy.test.ts",
      "test/contracts/engineChecks.test.ts",
      "test/contracts/claim.test.ts",
      "test/contracts/liquidationAuction.test.ts",
      "test/contracts/keeperBond.test.ts",
      "test/portfolio/engine.test.ts",
    ],
  },
  // The pool's logic is MarketPool (PerpMarket and OptionsMarket derive from it).
  MarketPool: { file: "contracts/market/MarketPool.sol", tests: ["test/contracts/market.test.ts", "test/contracts/poolReserve.test.ts", "test/contracts/tokenCallbacks.test.ts"] },
  // portfolio/options.test.ts: scenarioValues against its twin, bit for bit (the rounding of the shocked variance and the moves).
  OptionsMarket: { file: "contracts/market/OptionsMarket.sol", tests: ["test/options/market.test.ts", "test/portfolio/options.test.ts"] },
  BlackScholes: { file: "contracts/libraries/BlackScholes.sol", tests: ["test/options/math.test.ts"] },
  FixedPointMath: { file: "contracts/libraries/FixedPointMath.sol", tests: ["test/options/math.test.ts"] },
  InsuranceFund: { file: "contracts/fund/InsuranceFund.sol", tests: ["test/contracts/insuranceFund.test.ts", "test/contracts/reentrancy.test.ts", "test/contracts/liquidation.test.ts"] },
  KeeperRegistry: { file: "contracts/keeper/KeeperRegistry.sol", tests: ["test/keeper/registry.test.ts", "test/contracts/tokenCallbacks.test.ts", "test/contracts/keeperNaming.test.ts", "test/contracts/keeperBond.test.ts"] },
  ReserveRegistry: { file: "contracts/reserves/ReserveRegistry.sol", tests: ["test/reserves/registry.test.ts", "test/reserves/registryChecks.test.ts"] },
  // plausibility.test.ts: the freeze, jump and mark rules; property.test.ts: Solidity against its TypeScript twin, bit for bit,
  // along random paths (the rounding and comparison mutants the scenario tests cannot see). Quick suites first: mocha bails.
  PlimsollOracle: {
    file: "contracts/oracle/PlimsollOracle.sol",
    tests: ORACLE_SUITES,
  },
  // Portfolio margin's floors, compiled into AccountUpdates and Liquidation: floors.test.ts runs them through
  // PortfolioMarginHarness against the TypeScript twin (fast); the engine's suites with accepting verifiers, then real proofs.
  PortfolioMargin: {
    file: "contracts/engine/PortfolioMargin.sol",
    tests: ["test/portfolio/floors.test.ts", "test/portfolio/options.test.ts", "test/portfolio/oracleStates.test.ts", "test/portfolio/engine.test.ts"],
  },
  // The oracle's pure formulas, compiled into PlimsollOracle: math.test.ts (sqrt and median over their whole domain, through
  // OracleMathHarness), then the oracle's suites, the model's bit-for-bit property test included.
  OracleMath: {
    file: "contracts/oracle/OracleMath.sol",
    tests: ["test/oracle/math.test.ts", ...ORACLE_SUITES],
  },
  MarginMath: { file: "contracts/libraries/MarginMath.sol", tests: ["test/contracts/marginMath.test.ts"] },
  // The keeper key proof's curve arithmetic (KeeperRegistry): babyjubjub.test.ts, bit for bit against circomlibjs.
  BabyJubJub: { file: "contracts/libraries/BabyJubJub.sol", tests: ["test/keeper/babyjubjub.test.ts", "test/keeper/keys.test.ts"] },
  // The tokens' transfer wrappers: market.test.ts runs SafeTransferHarness on quirky tokens; tokenCallbacks.test.ts.
  SafeTransferLib: { file: "contracts/libraries/SafeTransferLib.sol", tests: ["test/contracts/market.test.ts", "test/contracts/tokenCallbacks.test.ts"] },
  SubAccount: { file: "contracts/accounts/SubAccount.sol", tests: ["test/accounts/subAccounts.test.ts"] },
  SubAccountFactory: { file: "contracts/accounts/SubAccountFactory.sol", tests: ["test/accounts/subAccounts.test.ts"] },
  NoteUpdates: {
    file: "contracts/engine/NoteUpdates.sol",
    tests: ["test/notes/account.test.ts", "test/contracts/reentrancy.test.ts", "test/contracts/oracleStates.test.ts"],
  },
  ShieldedPool: {
    file: "contracts/notes/ShieldedPool.sol",
    tests: ["test/notes/pool.test.ts", "test/notes/poolChecks.test.ts", "test/notes/account.test.ts"],
  },
};
