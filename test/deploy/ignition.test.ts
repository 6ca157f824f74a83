/**
 * The Hardhat Ignition deployment (ignition/modules): deploys the development world (DevWorld) on the
 * in-process network and checks the wiring of every contract, the constants, the Poseidon hashers and a
 * first oracle epoch, the shielded pool bound to the engine (a shield through the linked PoseidonT3);
 * then deploys the network-agnostic `Plimsoll` module from
 * ignition/parameters/example.json (its placeholders replaced by the development world's addresses).
 */
import { readDeploymentParameters } from "@nomicfoundation/hardhat-ignition/helpers";
import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";
import path from "node:path";
import { fileURLToPath } from "node:url";
import DevWorldModule, { DEV_FEED_DECIMALS, DEV_SETTLEMENT_ASSET } from "../../ignition/modules/DevWorld.js";
import PlimsollModule, {
  EMPTY_BASKET_HASH,
  POSEIDON_T3_ARTIFACT,
  POSEIDON_T4_ARTIFACT,
  POSEIDON_T5_ARTIFACT,
  RISK_FIELDS,
} from "../../ignition/modules/Plimsoll.js";
import { N_ASSETS } from "../../prover/src/constants.js";
import { DEV_ASSETS, DEV_MARKETS } from "../../prover/src/devnet.js";
import { accountCommitment, basketHash, weightsHash } from "../../prover/src/encoding.js";
import {
  OracleModel,
  annualVolToVariancePerSample,
  defaultRiskConfig,
  type OracleConfig,
  type RiskConfig,
} from "../../prover/src/oracle/index.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import { DEV_SOURCES_PER_ASSET } from "../../scripts/lib/deploy.js";
import type {
  AccountUpdateVerifier,
  MarginEngine,
  MockAggregator,
  MockERC20,
  PerpMarket,
  PlimsollOracle,
  KeeperRegistry,
  ShieldedPool,
  SubAccountFactory,
} from "../../types/ethers-contracts/index.js";

const { ethers, ignition, networkHelpers } = await network.create();

const EXAMPLE_PARAMETERS = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../ignition/parameters/example.json");
const GRID = 3600n;
const RISK = defaultRiskConfig(GRID);
const ZEROS = new Array<bigint>(N_ASSETS).fill(0n);

/** What the core modules return, as typed ethers contracts (the hashers have only the circomlibjs ABI). */
interface Core {
  oracle: PlimsollOracle;
  engine: MarginEngine;
  market: PerpMarket;
  verifier: AccountUpdateVerifier;
  keeperRegistry: KeeperRegistry;
  shieldedPool: ShieldedPool;
  poseidon3: Contract;
  poseidon4: Contract;
  /** poseidon-solidity's PoseidonT3 library (linked into the pool). */
  poseidonT3: Contract;
  /** The note verifiers: the pool's two, the engine's two. */
  joinSplitVerifier: Contract;
  batchInsertVerifier: Contract;
  absorbVerifier: Contract;
  emitVerifier: Contract;
  /** The engine's note concept library. */
  noteUpdates: Contract;
  /** Owners' isolated sub-accounts on the engine. */
  subAccountFactory: SubAccountFactory;
}

/** What DevWorld returns. */
interface DevWorld extends Core {
  /** tokens[slot], in DEV_ASSETS order. */
  tokens: MockERC20[];
  /** feeds[slot][source]. */
  feeds: MockAggregator[][];
}

/** A deployment result entry, typed; throws when the module did not return it. */
function pick<T>(result: Record<string, Contract>, name: string): T {
  const contract = result[name];
  if (contract === undefined) throw new Error(`the module returned no "${name}"`);
  return contract as unknown as T;
}

function coreOf(result: Record<string, Contract>): Core {
  return {
    oracle: pick(result, "oracle"),
    engine: pick(result, "engine"),
    market: pick(result, "market"),
    verifier: pick(result, "verifier"),
    keeperRegistry: pick(result, "keeperRegistry"),
    shieldedPool: pick(result, "shieldedPool"),
    poseidon3: pick(result, "poseidon3"),
    poseidon4: pick(result, "poseidon4"),
    poseidonT3: pick(result, "poseidonT3"),
    joinSplitVerifier: pick(result, "joinSplitVerifier"),
    batchInsertVerifier: pick(result, "batchInsertVerifier"),
    absorbVerifier: pick(result, "absorbVerifier"),
    emitVerifier: pick(result, "emitVerifier"),
    noteUpdates: pick(result, "NoteUpdates"),
    subAccountFactory: pick(result, "subAccountFactory"),
  };
}

/** Checks that `core`'s shielded pool is bound to its engine, on its oracle's tokens and its verifiers. */
async function expectPoolBound(core: Core): Promise<void> {
  const { shieldedPool: pool, engine, oracle } = core;
  const poolAddress = await pool.getAddress();
  expect(await pool.engine()).to.equal(await engine.getAddress());
  expect(await engine.shieldedPool()).to.equal(poolAddress);
  expect(await engine.absorbVerifier()).to.equal(await core.absorbVerifier.getAddress());
  expect(await engine.emitVerifier()).to.equal(await core.emitVerifier.getAddress());
  expect(await pool.joinSplitVerifier()).to.equal(await core.joinSplitVerifier.getAddress());
  expect(await pool.batchVerifier()).to.equal(await core.batchInsertVerifier.getAddress());
  const count = await oracle.assetCount();
  expect(await pool.assetCount()).to.equal(count);
  for (let slot = 0n; slot < count; slot++) expect(await pool.token(slot)).to.equal((await oracle.asset(slot))[0]);
  // Bound once: nobody can take the pool over afterwards.
  await expect(pool.bindEngine()).to.be.revertedWithCustomError(pool, "EngineAlreadyBound").withArgs(await engine.getAddress());
  // The engine's runtime code calls the NoteUpdates library it was linked to.
  const noteUpdates = (await core.noteUpdates.getAddress()).toLowerCase().slice(2);
  expect(await ethers.provider.getCode(await engine.getAddress())).to.include(noteUpdates);
}

/** Every source of every asset answers its DEV_ASSETS price, updated at `updatedAt`. */
async function refreshFeeds(world: DevWorld, updatedAt: bigint): Promise<void> {
  for (const [slot, row] of world.feeds.entries()) {
    for (const feed of row) await (await feed.setAnswer(DEV_ASSETS[slot]!.price, updatedAt)).wait();
  }
}

/** Poseidon of a hasher contract (the circomlibjs ABI overloads `poseidon` for bytes32[n] and uint256[n]). */
async function hashOnChain(hasher: Contract, inputs: bigint[]): Promise<bigint> {
  return hasher.getFunction(`poseidon(uint256[${inputs.length}])`)(inputs) as Promise<bigint>;
}

async function riskOf(oracle: PlimsollOracle): Promise<RiskConfig> {
  const risk = {} as RiskConfig;
  for (const field of RISK_FIELDS) risk[field] = (await oracle.getFunction(field)()) as bigint;
  return risk;
}

describe("Ignition deployment", function () {
  let h: SyncPoseidon;
  let world: DevWorld;
  let pricesUpdatedAt: bigint;

  before(async function () {
    h = await initPoseidon();
    pricesUpdatedAt = BigInt(await networkHelpers.time.latest());
    const started = performance.now();
    const deployed = await ignition.deploy(DevWorldModule, { parameters: { DevWorld: { pricesUpdatedAt } } });
    console.log(`      DevWorld deployed by Ignition in ${Math.round(performance.now() - started)} ms`);
    const r = deployed as Record<string, Contract>;
    world = {
      ...coreOf(r),
      tokens: DEV_ASSETS.map((a) => pick<MockERC20>(r, `token${a.symbol}`)),
      feeds: DEV_ASSETS.map((a) => Array.from({ length: DEV_SOURCES_PER_ASSET }, (_, k) => pick<MockAggregator>(r, `feed${a.symbol}${k}`))),
    };
  });

  describe("DevWorld", function () {
    it("deploys the sub-account factory on the engine, with its implementation", async function () {
      const { engine, subAccountFactory } = world;
      expect(await subAccountFactory.engine()).to.equal(await engine.getAddress());
      const impl = await ethers.getContractAt("SubAccount", await subAccountFactory.implementation());
      expect(await impl.engine()).to.equal(await engine.getAddress());
      expect(await impl.owner()).to.equal(ethers.ZeroAddress);
    });

    it("wires the engine to the oracle, the verifier and the three-input hasher", async function () {
      const { oracle, engine, verifier, poseidon3, poseidon4 } = world;
      expect(await engine.oracle()).to.equal(await oracle.getAddress());
      expect(await engine.verifier()).to.equal(await verifier.getAddress());
      expect(await engine.poseidon3()).to.equal(await poseidon3.getAddress());
      expect(await oracle.hasher()).to.equal(await poseidon4.getAddress());
      expect(await ethers.provider.getCode(await verifier.getAddress())).to.not.equal("0x");
    });

    it("exposes the market and the fund the engine admitted, bound to it and quoted in the settlement token", async function () {
      const { engine, market, tokens } = world;
      expect(await market.getAddress()).to.equal(await engine.market());
      expect(await market.engine()).to.equal(await engine.getAddress());
      const fund = await ethers.getContractAt("InsuranceFund", await engine.insuranceFund());
      expect(await fund.engine()).to.equal(await engine.getAddress());
      expect(await fund.pool()).to.equal(await market.getAddress());
      expect(await engine.quoter()).to.equal(await world.oracle.getAddress());
      expect(await engine.settlementAsset()).to.equal(BigInt(DEV_SETTLEMENT_ASSET));
      const settlementToken = await tokens[DEV_SETTLEMENT_ASSET]!.getAddress();
      expect(await engine.settlementToken()).to.equal(settlementToken);
      expect(await market.quoteToken()).to.equal(settlementToken);
      expect(await market.quoteDecimals()).to.equal(BigInt(DEV_ASSETS[DEV_SETTLEMENT_ASSET]!.decimals));
    });

    it("gives the engine the basket hash of zeros and the matching empty commitments", async function () {
      const { engine } = world;
      const empty = basketHash(h, ZEROS);
      expect(EMPTY_BASKET_HASH).to.equal(empty);
      expect(await engine.emptyBasketHash()).to.equal(empty);
      for (const signer of (await ethers.getSigners()).slice(0, 3)) {
        const owner = await signer.getAddress();
        expect(await engine.emptyCommitment(owner)).to.equal(accountCommitment(h, ZEROS, 0n, BigInt(owner)));
        expect(await engine.commitmentOf(owner)).to.equal(accountCommitment(h, ZEROS, 0n, BigInt(owner)));
      }
    });

    it("configures the oracle's assets, sources and markets like devnet.ts", async function () {
      const { oracle, engine, tokens, feeds } = world;
      expect(await oracle.assetCount()).to.equal(BigInt(DEV_ASSETS.length));
      expect(await oracle.marketCount()).to.equal(BigInt(DEV_MARKETS.length));
      expect(await engine.assetCount()).to.equal(BigInt(DEV_ASSETS.length));
      expect(await engine.marketCount()).to.equal(BigInt(DEV_MARKETS.length));
      for (const [slot, spec] of DEV_ASSETS.entries()) {
        const token = tokens[slot]!;
        const [address, decimals] = await oracle.asset(slot);
        expect(address).to.equal(await token.getAddress());
        expect(decimals).to.equal(BigInt(spec.decimals));
        expect(await token.symbol()).to.equal(spec.symbol);
        expect(await token.decimals()).to.equal(BigInt(spec.decimals));
        expect(await engine.tokenOf(slot)).to.equal(await token.getAddress());
        expect(await oracle.sources(slot)).to.deep.equal(await Promise.all(feeds[slot]!.map((f) => f.getAddress())));
        const [varFast, varSlow, varPeak, frozen] = await oracle.volatility(slot);
        const initialVariance = annualVolToVariancePerSample(spec.annualVol, GRID);
        expect([varFast, varSlow, varPeak, frozen]).to.deep.equal([initialVariance, initialVariance, initialVariance, false]);
        for (const feed of feeds[slot]!) {
          expect(await feed.decimals()).to.equal(BigInt(DEV_FEED_DECIMALS));
          const [, answer, , updatedAt] = await feed.latestRoundData();
          expect([answer, updatedAt]).to.deep.equal([spec.price, pricesUpdatedAt]);
        }
      }
      for (const [index, m] of DEV_MARKETS.entries()) expect(await oracle.marketUnderlying(index)).to.equal(BigInt(m.underlying));
    });

    it("sets every oracle constant to defaultRiskConfig(3600)", async function () {
      expect(await riskOf(world.oracle)).to.deep.equal(RISK);
    });

    it("deploys Poseidon hashers that hash like circomlibjs, with the artifacts' runtime code", async function () {
      const { poseidon3, poseidon4 } = world;
      for (const inputs of [
        [0n, 0n, 0n],
        [1n, 2n, 3n],
        [basketHash(h, ZEROS), 12345n, BigInt("0x" + "ab".repeat(20))],
      ]) {
        expect(await hashOnChain(poseidon3, inputs)).to.equal(h(inputs));
      }
      for (const inputs of [
        [0n, 0n, 0n, 0n],
        [1n, 2n, 3n, 4n],
        [10n ** 30n, 2n ** 127n, 7n, 2n ** 250n],
      ]) {
        expect(await hashOnChain(poseidon4, inputs)).to.equal(h(inputs));
      }
      expect(await ethers.provider.getCode(await poseidon3.getAddress())).to.equal(POSEIDON_T4_ARTIFACT.deployedBytecode);
      expect(await ethers.provider.getCode(await poseidon4.getAddress())).to.equal(POSEIDON_T5_ARTIFACT.deployedBytecode);
    });

    it("binds the shielded pool to the engine, with the note verifiers and the NoteUpdates library", async function () {
      await expectPoolBound(world);
      const { poseidonT3 } = world;
      // PoseidonT3 is the published library: its runtime code, with its own address in the call guard.
      const t3 = (await poseidonT3.getAddress()).toLowerCase().slice(2);
      expect(await ethers.provider.getCode(await poseidonT3.getAddress())).to.equal(`0x73${t3}${POSEIDON_T3_ARTIFACT.deployedBytecode.slice(2 + 42)}`);
    });

    it("shields into the pool through the linked PoseidonT3, the engine holding the tokens", async function () {
      const { shieldedPool: pool, engine, tokens } = world;
      const [, user] = await ethers.getSigners();
      const slot = 1;
      const amount = 3n * 10n ** 18n;
      const inner = 123456789n;
      await (await tokens[slot]!.mint(await user!.getAddress(), amount)).wait();
      await (await tokens[slot]!.connect(user!).approve(await pool.getAddress(), amount)).wait();
      const none = { ephemeralKey: [0n, 0n] as [bigint, bigint], ciphertext: [0n, 0n] as [bigint, bigint] };
      const rc = await (await pool.connect(user!).shield(slot, amount, inner, none)).wait();
      // The leaf is Poseidon(value, inner) with value = amount + slot * 2^96: circomlibjs' Poseidon(2).
      await expect(rc).to.emit(pool, "NoteQueued").withArgs(0n, h([amount + (BigInt(slot) << 96n), inner]), [[0n, 0n], [0n, 0n]]);
      expect(await tokens[slot]!.balanceOf(await engine.getAddress())).to.equal(amount);
      expect(await tokens[slot]!.balanceOf(await pool.getAddress())).to.equal(0n);
    });

    it("closes epoch 1 after a grid step with refreshed feeds, hashing the published weight vectors", async function () {
      const { oracle, feeds, tokens } = world;
      expect(await oracle.currentEpoch()).to.equal(0n);
      const nextStep = (BigInt(await networkHelpers.time.latest()) / GRID + 1n) * GRID;
      await networkHelpers.time.increaseTo(nextStep + 60n);
      const updatedAt = BigInt(await networkHelpers.time.latest());
      await refreshFeeds(world, updatedAt);

      const receipt = await (await oracle.poke()).wait();
      const block = await ethers.provider.getBlock(receipt!.blockNumber);
      const sampledAt = BigInt(block!.timestamp);
      const stepStart = (sampledAt / GRID) * GRID;
      expect(await oracle.currentEpoch()).to.equal(1n);
      const epoch = await oracle.epoch(1n);
      const [initial, maintenance] = await oracle.weightVectors();
      expect(epoch.timestamp).to.equal(stepStart);
      expect(epoch.initialWeightsHash).to.equal(weightsHash(h, [...initial]));
      expect(epoch.maintenanceWeightsHash).to.equal(weightsHash(h, [...maintenance]));
      await expect(receipt).to.emit(oracle, "EpochClosed").withArgs(1n, stepStart, epoch.initialWeightsHash, epoch.maintenanceWeightsHash);
      await expect(receipt).to.not.emit(oracle, "PriceFrozen");
      for (const [slot, spec] of DEV_ASSETS.entries()) expect(await oracle.price(slot)).to.equal(spec.price);

      // The bit-exact model built from the deployed configuration publishes the same epoch.
      const config: OracleConfig = {
        risk: RISK,
        assets: await Promise.all(
          DEV_ASSETS.map(async (spec, slot) => ({
            token: await tokens[slot]!.getAddress(),
            decimals: spec.decimals,
            sources: await Promise.all(feeds[slot]!.map((f) => f.getAddress())),
            initialVariance: annualVolToVariancePerSample(spec.annualVol, GRID),
          })),
        ),
        marketUnderlyings: DEV_MARKETS.map((m) => m.underlying),
      };
      const model = new OracleModel(config, h);
      expect(model.sample(sampledAt, DEV_ASSETS.map((spec, slot) => feeds[slot]!.map(() => ({ answer: spec.price, updatedAt, decimals: DEV_FEED_DECIMALS }))))).to.equal(true);
      expect(model.epoch(1n)).to.deep.equal({ timestamp: epoch.timestamp, initialWeightsHash: epoch.initialWeightsHash, maintenanceWeightsHash: epoch.maintenanceWeightsHash });
      expect(model.weightVectors()).to.deep.equal({ initial: [...initial], maintenance: [...maintenance] });
    });
  });

  describe("Plimsoll module with ignition/parameters/example.json", function () {
    it("deploys the core on the given tokens and sources with the file's constants", async function () {
      const example = await readDeploymentParameters(EXAMPLE_PARAMETERS);
      const params = structuredClone(example.Plimsoll) as Record<string, unknown> & {
        assets: { token: string; decimals: number; sources: string[]; initialVariance: bigint }[];
      };
      // The example's risk constants are defaultRiskConfig(3600), its assets those of devnet.ts.
      const fromFile = {} as RiskConfig;
      for (const field of RISK_FIELDS) fromFile[field] = BigInt(params[field] as bigint | number);
      expect(fromFile).to.deep.equal(RISK);
      expect(params.assets.map((a) => [a.decimals, a.initialVariance, a.sources.length])).to.deep.equal(
        DEV_ASSETS.map((s) => [s.decimals, annualVolToVariancePerSample(s.annualVol, GRID), DEV_SOURCES_PER_ASSET]),
      );
      expect(params.marketUnderlyings).to.deep.equal(DEV_MARKETS.map((m) => m.underlying));

      // Fill the placeholders with the development world's tokens and sources.
      for (const [slot, a] of params.assets.entries()) {
        expect(a.token).to.match(/^<.*>$/);
        a.token = await world.tokens[slot]!.getAddress();
        a.sources = await Promise.all(world.feeds[slot]!.map((f) => f.getAddress()));
      }
      expect(params.keeperBondToken).to.match(/^<.*>$/);
      params.keeperBondToken = await world.tokens[0]!.getAddress();
      const started = performance.now();
      const core = coreOf((await ignition.deploy(PlimsollModule, { parameters: { Plimsoll: params as never } })) as Record<string, Contract>);
      console.log(`      Plimsoll deployed by Ignition in ${Math.round(performance.now() - started)} ms`);

      expect(await core.engine.oracle()).to.equal(await core.oracle.getAddress());
      expect(await core.engine.verifier()).to.equal(await core.verifier.getAddress());
      expect(await core.engine.poseidon3()).to.equal(await core.poseidon3.getAddress());
      expect(await core.oracle.hasher()).to.equal(await core.poseidon4.getAddress());
      expect(await core.market.getAddress()).to.equal(await core.engine.market());
      expect(await core.engine.emptyBasketHash()).to.equal(basketHash(h, ZEROS));
      expect(await core.engine.settlementToken()).to.equal(await world.tokens[0]!.getAddress());
      expect(await core.engine.keeperRegistry()).to.equal(await core.keeperRegistry.getAddress());
      await expectPoolBound(core);
      expect(await core.keeperRegistry.bondToken()).to.equal(await world.tokens[0]!.getAddress());
      expect(await riskOf(core.oracle)).to.deep.equal(RISK);
      expect(await core.oracle.assetCount()).to.equal(3n);
      expect(await core.oracle.marketCount()).to.equal(2n);
      for (const [slot, a] of params.assets.entries()) {
        expect(await core.oracle.sources(slot)).to.deep.equal(a.sources);
        expect((await core.oracle.volatility(slot))[0]).to.equal(a.initialVariance);
      }
      // A fresh deployment: new hashers, verifiers and pool, not DevWorld's.
      expect(await core.poseidon3.getAddress()).to.not.equal(await world.poseidon3.getAddress());
      expect(await core.shieldedPool.getAddress()).to.not.equal(await world.shieldedPool.getAddress());
      expect(await hashOnChain(core.poseidon3, [1n, 2n, 3n])).to.equal(h([1n, 2n, 3n]));
    });

    it("requires the assets and the market underlyings", async function () {
      let error: unknown;
      try {
        await ignition.deploy(PlimsollModule, { parameters: {} });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/Module parameter 'assets' requires a value/);
    });
  });
});
