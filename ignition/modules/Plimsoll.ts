/**
 * The Plimsoll core deployment as Hardhat Ignition modules, network-agnostic: the same module runs on
 * the in-process network and on any EVM network given by an RPC URL (see ignition/README.md).
 *
 * What it deploys, in dependency order:
 *  - `PlimsollPoseidon`: the circomlibjs Poseidon hashers PoseidonT4 (3 inputs, for the engine) and
 *    PoseidonT5 (4 inputs, for the oracle's weight hashes), and poseidon-solidity's PoseidonT3 library
 *    (Poseidon(2), linked into the shielded pool). The circomlibjs hashers are generated EVM bytecode
 *    with no Solidity source, and PoseidonT3 is deployed from its published bytecode (the viaIR build of
 *    its source is over the 24 KB limit), so all three come from Ignition artifact objects built here
 *    at load time.
 *  - `PlimsollVerifier`: the generated Groth16 verifiers (contracts/generated/, `npm run build`):
 *    AccountUpdateVerifier, InsolvencyVerifier, the pool's NoteJoinSplitVerifier and
 *    NoteBatchInsertVerifier, the engine's AccountAbsorbVerifier, AccountEmitVerifier and
 *    AccountUpdatePortfolioVerifier.
 *  - `Plimsoll`: the PlimsollOracle (hasher, RiskConfig, AssetConfig[], market underlyings), the
 *    KeeperRegistry, the PerpMarket (quoted by the oracle, in the settlement token read with
 *    `m.staticCall(oracle, "asset", ...)`), its InsuranceFund, the ShieldedPool (the oracle, the
 *    join-split and batch verifiers; linked to PoseidonT3), the engine's linked concept libraries
 *    (AccountUpdates, NoteUpdates, Positions, Leases, Liquidation) and the MarginEngine (a Config struct:
 *    oracle, update and insolvency verifiers, poseidon3, emptyBasketHash, settlementAsset, leaseMaxAge,
 *    leaseGrace, keeperRegistry, market, insuranceFund, shieldedPool, absorbVerifier, emitVerifier, portfolioVerifier),
 *    whose constructor binds the market, the fund and the pool to itself (`bindEngine()`, once each).
 *
 * Governance-free: no contract has an owner or a setter; every constant is a constructor argument.
 *
 * Parameters of the `Plimsoll` module (ignition/parameters/example.json shows all of them):
 *  - one per `RiskConfig` field, named like the field (`gridSeconds`, `maxStaleness`, ... `maxBonus`, `leaseBandWad`, `jumpBps`, `confirmSources`, `markLambda`, `markBandBps`, `breakerKWad`, `breakerSamples`);
 *    each defaults to `defaultRiskConfig(3600)` (prover/src/oracle/model.ts). The per-sample fields
 *    (lambdaFast, lambdaSlow, peakDecay, varianceFloor, horizonSamples) depend on the grid: when
 *    `gridSeconds` is not 3600, give all of them (from `defaultRiskConfig(gridSeconds)` or your own).
 *  - `assets` (required): AssetConfig[] = [{ token, decimals, sources: address[], initialVariance }].
 *  - `marketUnderlyings` (required): the underlying asset slot of each perp market, e.g. [1, 2] (or []).
 *  - `settlementAsset` (default 0): the asset slot whose token is the perp market's quote token.
 *  - `leaseMaxAge` (default 86400) and `leaseGrace` (default 3600): seconds until a solvency lease lapses,
 *    and seconds a lapsed lease may still be renewed before anyone can force-close the account.
 *  - `keeperBondToken` (required: the settlement asset's token, which the engine checks), `keeperBond`
 *    and `keeperDrawCap` (required: the most one shortfall draws from a bond, 1 to keeperBond),
 *    `keeperExitDelay` (default leaseMaxAge + leaseGrace): the KeeperRegistry's bond, draw cap and exit delay.
 * Integers above 2^53 must be written as strings ending in `n` in a parameters file ("940000000000000000n").
 *
 * A module's parameters cannot be futures of another module, so a world that deploys its own tokens
 * and price sources (ignition/modules/DevWorld.ts) cannot `m.useModule` the `Plimsoll` module with
 * them. It calls `addPlimsollCore(m, inputs)` instead, which adds the same futures to its own module.
 */
import { DEV_LEASE, DEV_LIQUIDATION } from "../../prover/src/index.js";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, Artifact, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { N_ASSETS } from "../../prover/src/index.js";
import { basketHash } from "../../prover/src/index.js";
import { defaultRiskConfig, type RiskConfig } from "../../prover/src/index.js";
import { initPoseidon } from "../../prover/src/index.js";
import { poseidonArtifact, poseidonT3Bytecode, poseidonT3LibraryName } from "../../scripts/lib/poseidonContracts.js";

/** basketHash of the zero basket, the MarginEngine's `emptyBasketHash` (computed once, at load time). */
export const EMPTY_BASKET_HASH: bigint = basketHash(await initPoseidon(), new Array<bigint>(N_ASSETS).fill(0n));

/** The risk constants the `Plimsoll` module uses when a field is not given as a parameter. */
export const DEFAULT_RISK: RiskConfig = defaultRiskConfig(3600);

/** The `RiskConfig` fields in struct order (also the names of the module's risk parameters). */
export const RISK_FIELDS = [
  "gridSeconds",
  "maxStaleness",
  "maxDeviationBps",
  "minSources",
  "lambdaFast",
  "lambdaSlow",
  "peakDecay",
  "peakWeight",
  "varianceFloor",
  "kWad",
  "zWad",
  "horizonSamples",
  "haircutFloor",
  "haircutCap",
  "marginFloor",
  "marginCap",
  "imMultiplier",
  "maxTightenStep",
  "maxLoosenStep",
  "freezeStep",
  "maxBonus",
  "leaseBandWad",
  "jumpBps",
  "confirmSources",
  "markLambda",
  "markBandBps",
  "breakerKWad",
  "breakerSamples",
] as const satisfies readonly (keyof RiskConfig)[];

/**
 * The runtime code a circomlibjs init code returns. circomlibjs' `createTxData` prefixes the runtime
 * code with a fixed loader: CODESIZE, PUSHn <loader length>, PUSH1 0, CODECOPY, PUSHn <code length>,
 * PUSH1 0, RETURN; the runtime code is everything after the loader.
 */
export function circomlibjsRuntimeCode(initCode: string): string {
  const hex = initCode.startsWith("0x") ? initCode.slice(2) : initCode;
  const byte = (i: number): number => parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const push = byte(1);
  if (byte(0) !== 0x38 || push < 0x60 || push > 0x7f) throw new Error("unexpected circomlibjs init code: no CODESIZE/PUSH loader");
  const loaderLength = parseInt(hex.slice(4, 4 + 2 * (push - 0x5f)), 16);
  if (!(loaderLength > 0 && 2 * loaderLength < hex.length)) throw new Error(`unexpected circomlibjs loader length ${loaderLength}`);
  return "0x" + hex.slice(2 * loaderLength);
}

/**
 * The Ignition artifact of the circomlibjs Poseidon hasher of `nInputs` field elements
 * (`poseidonArtifact(nInputs)` of scripts/lib/poseidonContracts.ts, completed to Ignition's `Artifact`).
 * There is no Solidity source (`sourceName` names the generator), so the hashers cannot be verified
 * on a block explorer.
 */
export function poseidonIgnitionArtifact(nInputs: number): Artifact {
  const a = poseidonArtifact(nInputs);
  return {
    _format: "hh3-artifact-1",
    contractName: a.contractName,
    sourceName: "circomlibjs/src/poseidon_gencontract.js",
    abi: a.abi,
    bytecode: a.bytecode,
    deployedBytecode: circomlibjsRuntimeCode(a.bytecode),
    linkReferences: {},
    deployedLinkReferences: {},
    immutableReferences: {},
  };
}

export const POSEIDON_T4_ARTIFACT = poseidonIgnitionArtifact(3);
export const POSEIDON_T5_ARTIFACT = poseidonIgnitionArtifact(4);

/**
 * The runtime code a solc (legacy code generator) library init code returns: the init code starts
 * PUSH2 <runtime length>, PUSH2 <runtime offset>, PUSH1 0x0b, DUP3, DUP3, DUP3, CODECOPY, and the
 * runtime follows at that offset. It starts with PUSH20 0 (the library's address placeholder, which
 * the init code replaces with the deployed address: the library's call guard).
 */
export function solcLibraryRuntimeCode(initCode: string): string {
  const hex = initCode.startsWith("0x") ? initCode.slice(2) : initCode;
  const m = /^61([0-9a-f]{4})61([0-9a-f]{4})600b82828239/i.exec(hex);
  if (m === null) throw new Error("unexpected library init code: no PUSH2 length, PUSH2 offset, CODECOPY prologue");
  const length = parseInt(m[1]!, 16);
  const offset = parseInt(m[2]!, 16);
  if (2 * (offset + length) !== hex.length) throw new Error(`unexpected library init code: runtime ${offset}+${length} does not end the code (${hex.length / 2} bytes)`);
  const runtime = hex.slice(2 * offset);
  if (!runtime.startsWith("73" + "00".repeat(20))) throw new Error("unexpected library runtime code: no PUSH20 address placeholder");
  return "0x" + runtime;
}

/**
 * The Ignition artifact of poseidon-solidity's PoseidonT3 library (`hash(uint256[2])`, the shielded
 * pool's Poseidon(2)), from its published creation bytecode (`poseidonT3Bytecode()` of
 * scripts/lib/poseidonContracts.ts). Its `contractName` is the library name the pool links to.
 * `sourceName` names the package file holding the bytecode, not the Solidity source: Hardhat's viaIR
 * build of that source is another (and oversized) bytecode, so it cannot be verified against it.
 */
export function poseidonT3IgnitionArtifact(): Artifact {
  const bytecode = poseidonT3Bytecode();
  const [source, name] = poseidonT3LibraryName().split(":") as [string, string];
  return {
    _format: "hh3-artifact-1",
    contractName: name,
    sourceName: source.replace(/PoseidonT3\.sol$/, "deploy/PoseidonT3.js"),
    abi: [
      { type: "function", name: "hash", stateMutability: "pure", inputs: [{ name: "", type: "uint256[2]", internalType: "uint256[2]" }], outputs: [{ name: "", type: "uint256", internalType: "uint256" }] },
    ],
    bytecode,
    deployedBytecode: solcLibraryRuntimeCode(bytecode),
    linkReferences: {},
    deployedLinkReferences: {},
    immutableReferences: {},
  };
}

export const POSEIDON_T3_ARTIFACT = poseidonT3IgnitionArtifact();

/**
 * The Poseidon hashers: `poseidon3` (circomlibjs PoseidonT4) for the engine, `poseidon4` (circomlibjs
 * PoseidonT5) for the oracle, and the library `poseidonT3` (poseidon-solidity) for the shielded pool.
 */
export const PoseidonModule = buildModule("PlimsollPoseidon", (m) => {
  const poseidon3 = m.contract(POSEIDON_T4_ARTIFACT.contractName, POSEIDON_T4_ARTIFACT, []);
  const poseidon4 = m.contract(POSEIDON_T5_ARTIFACT.contractName, POSEIDON_T5_ARTIFACT, []);
  const poseidonT3 = m.library(POSEIDON_T3_ARTIFACT.contractName, POSEIDON_T3_ARTIFACT);
  return { poseidon3, poseidon4, poseidonT3 };
});

/**
 * The generated Groth16 verifiers. Their verifying keys are whatever `npm run build` compiled into
 * contracts/generated/: for production they must come from a real ceremony.
 */
export const VerifierModule = buildModule("PlimsollVerifier", (m) => {
  const verifier = m.contract("AccountUpdateVerifier", []);
  const insolvencyVerifier = m.contract("InsolvencyVerifier", []);
  const joinSplitVerifier = m.contract("NoteJoinSplitVerifier", []);
  const batchInsertVerifier = m.contract("NoteBatchInsertVerifier", []);
  const absorbVerifier = m.contract("AccountAbsorbVerifier", []);
  const emitVerifier = m.contract("AccountEmitVerifier", []);
  const portfolioVerifier = m.contract("AccountUpdatePortfolioVerifier", []);
  return { verifier, insolvencyVerifier, joinSplitVerifier, batchInsertVerifier, absorbVerifier, emitVerifier, portfolioVerifier };
});

/** What the oracle and the engine are built from: literals, module parameters or futures (for addresses). */
export interface PlimsollCoreInputs {
  /** The oracle's `RiskConfig`, field by field. */
  risk: { [K in keyof RiskConfig]: ArgumentType };
  /** The oracle's `AssetConfig[]`: `{ token, decimals, sources, initialVariance }` per slot. */
  assets: ArgumentType;
  /** The underlying asset slot of each perp market. */
  marketUnderlyings: ArgumentType;
  /** The asset slot of the perp market's quote token. */
  settlementAsset: ArgumentType;
  /** Seconds until a solvency lease lapses, and the grace period after it. */
  leaseMaxAge: ArgumentType;
  leaseGrace: ArgumentType;
  /** Liquidation constants (see `IMarginEngine.Config`). */
  targetHealthBps: ArgumentType;
  auctionStartBps: ArgumentType;
  auctionDuration: ArgumentType;
  seizeDelay: ArgumentType;
  /** The keeper registry's bond: token (a future or an address), amount, and exit delay in seconds. */
  keeperBondToken: ArgumentType;
  keeperBond: ArgumentType;
  keeperExitDelay: ArgumentType;
  keeperDrawCap: ArgumentType;
  /** The perp market's funding rule, [coefficient, cap, floor] (see `PerpMarket.funding`). */
  funding: ArgumentType;
}

/**
 * Adds the core system to module `m`: the hashers and the verifiers (as submodules), the oracle, the
 * keeper registry, the market and its insurance fund, the shielded pool, the engine's libraries,
 * the engine and the sub-account factory. Shared
 * by the `Plimsoll` module (inputs from parameters) and DevWorld (inputs holding futures of its mock
 * tokens and price sources).
 */
export function addPlimsollCore(m: IgnitionModuleBuilder, inputs: PlimsollCoreInputs) {
  const { poseidon3, poseidon4, poseidonT3 } = m.useModule(PoseidonModule);
  const verifiers = m.useModule(VerifierModule);
  const { verifier, insolvencyVerifier } = verifiers;
  const risk: Record<string, ArgumentType> = {};
  for (const field of RISK_FIELDS) risk[field] = inputs.risk[field];

  const oracle = m.contract("PlimsollOracle", [poseidon4, risk, inputs.assets, inputs.marketUnderlyings]);
  const keeperRegistry = m.contract("KeeperRegistry", [inputs.keeperBondToken, inputs.keeperBond, inputs.keeperExitDelay, inputs.keeperDrawCap]);
  // The market and its fund are deployed unbound; the engine's constructor binds both (`bindEngine()`).
  const settlementToken = m.staticCall(oracle, "asset", [inputs.settlementAsset], "token", { id: "SettlementToken" });
  const settlementDecimals = m.staticCall(oracle, "asset", [inputs.settlementAsset], "decimals", { id: "SettlementDecimals" });
  const market = m.contract("PerpMarket", [oracle, settlementToken, settlementDecimals, inputs.funding]);
  const insuranceFund = m.contract("InsuranceFund", [settlementToken, market]);
  // The pool is deployed unbound too; the engine's constructor binds it and holds its tokens.
  const shieldedPool = m.contract("ShieldedPool", [oracle, verifiers.joinSplitVerifier, verifiers.batchInsertVerifier], {
    libraries: { [POSEIDON_T3_ARTIFACT.contractName]: poseidonT3 },
  });
  const libraries = {
    AccountUpdates: m.library("AccountUpdates"),
    NoteUpdates: m.library("NoteUpdates"),
    Positions: m.library("Positions"),
    Leases: m.library("Leases"),
    Liquidation: m.library("Liquidation"),
  };
  const engine = m.contract("MarginEngine", [
    {
      oracle,
      updateVerifier: verifier,
      insolvencyVerifier,
      poseidon3,
      emptyBasketHash: EMPTY_BASKET_HASH,
      settlementAsset: inputs.settlementAsset,
      leaseMaxAge: inputs.leaseMaxAge,
      leaseGrace: inputs.leaseGrace,
      targetHealthBps: inputs.targetHealthBps,
      auctionStartBps: inputs.auctionStartBps,
      auctionDuration: inputs.auctionDuration,
      seizeDelay: inputs.seizeDelay,
      keeperRegistry,
      market,
      insuranceFund,
      shieldedPool,
      absorbVerifier: verifiers.absorbVerifier,
      emitVerifier: verifiers.emitVerifier,
      portfolioVerifier: verifiers.portfolioVerifier,
    },
  ], { libraries });
  // Owners' isolated sub-accounts on the engine (contracts/accounts/); its constructor deploys the SubAccount implementation.
  const subAccountFactory = m.contract("SubAccountFactory", [engine]);
  return { oracle, engine, market, insuranceFund, shieldedPool, keeperRegistry, subAccountFactory, poseidon3, poseidon4, poseidonT3, ...verifiers, ...libraries };
}

/** The risk config as module parameters, one per field, defaulting to `DEFAULT_RISK`. */
export function riskParameters(m: IgnitionModuleBuilder): PlimsollCoreInputs["risk"] {
  const risk = {} as { [K in keyof RiskConfig]: ArgumentType };
  for (const field of RISK_FIELDS) risk[field] = m.getParameter<bigint>(field, DEFAULT_RISK[field]);
  return risk;
}

/** The core system for a real network: tokens and price sources are given by parameters. */
const PlimsollModule = buildModule("Plimsoll", (m) =>
  addPlimsollCore(m, {
    risk: riskParameters(m),
    assets: m.getParameter("assets"),
    marketUnderlyings: m.getParameter("marketUnderlyings"),
    settlementAsset: m.getParameter<number>("settlementAsset", 0),
    leaseMaxAge: m.getParameter<bigint>("leaseMaxAge", DEV_LEASE.maxAge),
    leaseGrace: m.getParameter<bigint>("leaseGrace", DEV_LEASE.grace),
    targetHealthBps: m.getParameter<number>("targetHealthBps", DEV_LIQUIDATION.targetHealthBps),
    auctionStartBps: m.getParameter<number>("auctionStartBps", DEV_LIQUIDATION.auctionStartBps),
    auctionDuration: m.getParameter<bigint>("auctionDuration", DEV_LIQUIDATION.auctionDuration),
    seizeDelay: m.getParameter<bigint>("seizeDelay", DEV_LIQUIDATION.seizeDelay),
    keeperBondToken: m.getParameter<string>("keeperBondToken"),
    keeperBond: m.getParameter<bigint>("keeperBond"),
    keeperExitDelay: m.getParameter<bigint>("keeperExitDelay", DEV_LEASE.maxAge + DEV_LEASE.grace),
    keeperDrawCap: m.getParameter<bigint>("keeperDrawCap"),
    funding: m.getParameter<bigint[]>("funding", [0n, 0n, 0n]),
  }),
);

export default PlimsollModule;
