/**
 * Deploys a Poseidon4 hasher, mock price sources and a PlimsollOracle, and drives the sources.
 * Reusable by any suite that needs oracle epochs: wrap `deployOracleFixture` in a named function for
 * `networkHelpers.loadFixture`.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import type { Contract, ContractTransactionReceipt } from "ethers";
import {
  annualVolToVariancePerSample,
  defaultRiskConfig,
  type OracleConfig,
  type OracleModel,
  type RiskConfig,
  type SourceReading,
} from "../../prover/src/oracle/index.js";
import { poseidonArtifact } from "../../scripts/lib/poseidonContracts.js";
import type { MockAggregator, PlimsollOracle } from "../../types/ethers-contracts/index.js";

/** One asset slot of the fixture. */
export interface AssetOptions {
  /** Token decimals (0..18). */
  decimals: number;
  /** Decimals of each mock source; one source per entry. */
  sourceDecimals: readonly number[];
  /** Starting per-sample variance (WAD); default 80% annual volatility on the grid. */
  initialVariance?: bigint;
  /** Token address; default a distinct placeholder (the oracle never calls it). */
  token?: string;
}

/** What to deploy. */
export interface OracleFixtureOptions {
  /** The risk constants; default `defaultRiskConfig(3600)`. */
  risk?: RiskConfig;
  /** The asset slots; default `defaultOracleAssets()`. */
  assets?: readonly AssetOptions[];
  /** Each market's underlying slot; default [0, 1]. */
  marketUnderlyings?: readonly number[];
}

/** What `deployOracleFixture` deployed. */
export interface OracleFixture {
  oracle: PlimsollOracle;
  /** The circomlibjs Poseidon hasher of four inputs. */
  hasher: Contract;
  /** sources[asset][source], in constructor order. */
  sources: MockAggregator[][];
  /** The decimals each source was deployed with, sourceDecimals[asset][source]. */
  sourceDecimals: number[][];
  /** The constructor arguments (without the hasher), ready for `new OracleModel(config, poseidon)`. */
  config: OracleConfig;
}

/** Three assets like ETH (18 decimals), BTC (8) and USDC (6), with three sources of mixed decimals each. */
export function defaultOracleAssets(): AssetOptions[] {
  return [
    { decimals: 18, sourceDecimals: [8, 18, 6] },
    { decimals: 8, sourceDecimals: [8, 8, 18] },
    { decimals: 6, sourceDecimals: [6, 8, 18] },
  ];
}

/** A distinct non-zero placeholder token address for slot `i`. */
export function placeholderToken(i: number): string {
  return "0x" + (0x7011 * 0x10000 + i).toString(16).padStart(40, "0");
}

/** Deploys the hasher, one MockAggregator per source and the oracle. */
export async function deployOracleFixture(
  ethers: HardhatEthers,
  opts: OracleFixtureOptions = {},
): Promise<OracleFixture> {
  const risk = opts.risk ?? defaultRiskConfig(3600);
  const assetOpts = opts.assets ?? defaultOracleAssets();
  const [signer] = await ethers.getSigners();

  const { abi, bytecode } = poseidonArtifact(4);
  const hasher = (await new ethers.ContractFactory(abi as never, bytecode, signer).deploy()) as Contract;
  await hasher.waitForDeployment();

  const sources: MockAggregator[][] = [];
  for (const a of assetOpts) {
    const row: MockAggregator[] = [];
    for (const d of a.sourceDecimals) row.push(await ethers.deployContract("MockAggregator", [d]));
    sources.push(row);
  }

  const config: OracleConfig = {
    risk,
    assets: await Promise.all(
      assetOpts.map(async (a, i) => ({
        token: a.token ?? placeholderToken(i),
        decimals: a.decimals,
        sources: await Promise.all(sources[i]!.map((s) => s.getAddress())),
        initialVariance: a.initialVariance ?? annualVolToVariancePerSample(0.8, risk.gridSeconds),
      })),
    ),
    marketUnderlyings: opts.marketUnderlyings ?? [0, 1],
  };
  const oracle = await ethers.deployContract("PlimsollOracle", oracleConstructorArgs(await hasher.getAddress(), config));
  return { oracle, hasher, sources, sourceDecimals: assetOpts.map((a) => [...a.sourceDecimals]), config };
}

/** The PlimsollOracle constructor arguments for `config` (mutable copies, as ethers wants them). */
export function oracleConstructorArgs(
  hasher: string,
  config: OracleConfig,
): [string, RiskConfig, { token: string; decimals: number; sources: string[]; initialVariance: bigint }[], number[]] {
  return [
    hasher,
    config.risk,
    config.assets.map((a) => ({ ...a, sources: [...a.sources] })),
    [...config.marketUnderlyings],
  ];
}

/** Makes `source` answer `reading` (sending only the transactions that change something). */
export async function setReading(source: MockAggregator, reading: SourceReading): Promise<void> {
  if ("reverts" in reading) {
    if (!(await source.reverts())) await source.setReverts(true);
    return;
  }
  if (await source.reverts()) await source.setReverts(false);
  if (Number(await source.decimals()) !== reading.decimals) await source.setDecimals(reading.decimals);
  await source.setAnswer(reading.answer, reading.updatedAt);
}

/** Makes every source answer `readings[asset][source]`. */
export async function setReadings(
  sources: readonly (readonly MockAggregator[])[],
  readings: readonly (readonly SourceReading[])[],
): Promise<void> {
  for (let i = 0; i < sources.length; i++) {
    for (let j = 0; j < sources[i]!.length; j++) await setReading(sources[i]![j]!, readings[i]![j]!);
  }
}

/** An 8-decimal price expressed with `decimals` decimals (floored when fewer). */
export function scalePrice(price8: bigint, decimals: number): bigint {
  return decimals >= 8 ? price8 * 10n ** BigInt(decimals - 8) : price8 / 10n ** BigInt(8 - decimals);
}

/** Mines the next block at `timestamp` with a `poke()`; returns the receipt. */
export async function pokeAt(
  oracle: PlimsollOracle,
  networkHelpers: NetworkHelpers,
  timestamp: bigint,
): Promise<ContractTransactionReceipt> {
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
  const receipt = await (await oracle.poke()).wait();
  if (receipt === null) throw new Error("poke was not mined");
  return receipt;
}

/**
 * Drives an oracle fixture through grid steps: sets the sources, pokes at a chosen time, and mirrors every
 * sample into an `OracleModel` when one is given.
 */
export class OracleDriver {
  /** The grid step of the last poke (or of the chain time when the driver started). */
  step: bigint;

  private constructor(
    readonly fixture: OracleFixture,
    private readonly networkHelpers: NetworkHelpers,
    readonly model: OracleModel | undefined,
    step: bigint,
  ) {
    this.step = step;
  }

  /** A driver starting at the chain's current grid step. */
  static async start(fixture: OracleFixture, networkHelpers: NetworkHelpers, model?: OracleModel): Promise<OracleDriver> {
    const step = BigInt(await networkHelpers.time.latest()) / fixture.config.risk.gridSeconds;
    return new OracleDriver(fixture, networkHelpers, model, step);
  }

  /** Advances `gap` grid steps and returns that step's start plus `offset` seconds. */
  nextTime(gap = 1n, offset = 0n): bigint {
    this.step += gap;
    return this.step * this.fixture.config.risk.gridSeconds + offset;
  }

  /** Readings of `prices8[asset]` (8 decimals) from every source, in each source's decimals, updated at `updatedAt`. */
  freshReadings(prices8: readonly bigint[], updatedAt: bigint): SourceReading[][] {
    return this.fixture.sourceDecimals.map((row, i) =>
      row.map((d) => ({ answer: scalePrice(prices8[i]!, d), updatedAt, decimals: d })),
    );
  }

  /** Sets every source to `readings` and pokes at block time `t` (mirrored into the model). */
  async pokeWith(readings: readonly (readonly SourceReading[])[], t: bigint): Promise<ContractTransactionReceipt> {
    await setReadings(this.fixture.sources, readings);
    const receipt = await pokeAt(this.fixture.oracle, this.networkHelpers, t);
    this.model?.sample(t, readings);
    return receipt;
  }

  /** Pokes at the start of the next grid step with every source fresh at `prices8`. */
  async pokePrices(prices8: readonly bigint[]): Promise<ContractTransactionReceipt> {
    const t = this.nextTime();
    return this.pokeWith(this.freshReadings(prices8, t), t);
  }
}
