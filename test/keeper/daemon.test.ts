/**
 * The keeper daemon against the in-process network, with real proofs: it decrypts the openings
 * addressed to its key and nothing else, survives notes it cannot decrypt, liquidates an insolvent
 * account after a restart without rescanning from genesis, leaves a healthy account alone, and
 * force-closes an expired lease. Then `plimsoll keeper` (keygen, flag errors, and one tick over a
 * real JSON-RPC connection to the same in-process chain through a small HTTP bridge).
 */
import assert from "node:assert/strict";
import { expect } from "chai";
import { Interface, Wallet, type Signer } from "ethers";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import type { AccountOpening } from "../../prover/src/account.js";
import type { TokenContract } from "../../prover/src/contracts.js";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import {
  ENGINE_KEEPER_ABI,
  ERC20_KEEPER_ABI,
  generateKeeperKey,
  KEEPER_LEGACY_STATE_FILE,
  KEEPER_STATE_FILE,
  KeeperDaemon,
  keeperFileLogger,
  loadKeeperKey,
  ORACLE_KEEPER_ABI,
  readChainView,
  readKeeperState,
  REGISTRY_KEEPER_ABI,
  saveKeeperKey,
  oracleAt,
  engineAt,
  type KeeperDaemonOptions,
  type KeeperLogEntry,
} from "../../prover/src/keeper/index.js";
import { remainderOpening, type Seizure } from "../../prover/src/liquidation/witness.js";
import { planLiquidation, readLiquidationRules, readSeizureMarket, submitLiquidation, type LiquidationPlan } from "../../prover/src/liquidation/index.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import type { Prover } from "../../prover/src/prover.js";
import { OpeningStore } from "../../prover/src/store.js";
import { Trader } from "../../prover/src/trader.js";
import { runKeeperCli } from "../../cli/keeper.js";
import {
  ACCOUNT_UPDATE_ARTIFACTS,
  createWorld,
  elapse,
  fund,
  INSOLVENCY_ARTIFACTS,
  nextEpoch,
  registerKeeper,
  seedPool,
  type World,
  type WorldKeeper,
} from "../../scripts/lib/world.js";
import { ETH_PERP, e18, e6, traderAt, USDC, WETH } from "../contracts/helpers.js";
import { sql } from "../helpers/sqlite.js";
import { legacyKeeperStateJson } from "./legacyState.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const h = await initPoseidon();

interface Setup {
  w: World;
  alice: Signer;
  bob: Signer;
  /** Pays liquidations (holds USDC and some WETH, approves nothing: the daemon approves). */
  liquidator: Signer;
  /** A second registered keeper, named by bob. */
  keeper2: WorldKeeper;
  /** Alice's opening: 5,000 USDC and 1 WETH, long 10 ETH-PERP from $3,000; she names the world's keeper. */
  opening: AccountOpening;
  /** The block before alice's first note: where the daemons start on a first start. */
  startBlock: number;
}

/** Alice names the world's keeper (three notes), bob names a second keeper (one note). */
async function watchedAccounts(): Promise<Setup> {
  const signers = await ethers.getSigners();
  const [, lp, alice, bob, liquidator, operator2] = signers;
  const w = await createWorld(ethers);
  const startBlock = await ethers.provider.getBlockNumber();
  await seedPool(w, lp!, 1_000_000n * e6);
  await fund(w, alice!, new Map([[USDC, 5_000n * e6], [WETH, e18]]));
  const t = await traderAt(w, alice!);
  await t.deposit(USDC, 5_000n * e6);
  await t.deposit(WETH, e18);
  await t.trade(ETH_PERP, 10n * e18);

  const keeper2 = await registerKeeper(ethers, w.d, operator2! as unknown as Signer);
  await fund(w, bob!, new Map([[USDC, 1_000n * e6]]));
  const tb = await Trader.load({
    engine: w.d.engine.connect(bob!) as typeof w.d.engine,
    oracle: w.d.oracle,
    signer: bob!,
    prover: w.prover,
    artifacts: ACCOUNT_UPDATE_ARTIFACTS,
    store: new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-keeper-bob-"))),
    keeper: { keeperId: keeper2.keeperId, key: keeper2.key.publicKey },
  });
  await tb.deposit(USDC, 1_000n * e6);

  const usdc = w.d.tokens[USDC]!.connect(liquidator!) as TokenContract;
  await (await usdc.mint(await liquidator!.getAddress(), 100_000n * e6)).wait();
  // A working liquidator already holds some of what it seizes (as in test/contracts/liquidation.test.ts).
  await (await (w.d.tokens[WETH]! as TokenContract).mint(await liquidator!.getAddress(), e18)).wait();
  return { w, alice: alice!, bob: bob!, liquidator: liquidator!, keeper2, opening: t.opening, startBlock };
}

const worlds = new Set<World>();

async function load(): Promise<Setup> {
  const s = await networkHelpers.loadFixture(watchedAccounts);
  worlds.add(s.w);
  // loadFixture reverts the chain, not JavaScript state: restore the world's price array.
  s.w.prices.splice(0, s.w.prices.length, ...s.w.d.specs.map((x) => x.price));
  return s;
}

const stateDir = (): string => mkdtempSync(join(tmpdir(), "plimsoll-keeper-state-"));

/** A daemon of the world's keeper paid by `s.liquidator`, logging into `entries` (and `also`). */
async function daemonFor(
  s: Setup,
  dir: string,
  extra: Partial<KeeperDaemonOptions> = {},
  also?: (e: KeeperLogEntry) => void,
): Promise<{ daemon: KeeperDaemon; entries: KeeperLogEntry[] }> {
  const entries: KeeperLogEntry[] = [];
  const daemon = await KeeperDaemon.open({
    engine: await s.w.d.engine.getAddress(),
    keeperPrivateKey: s.w.keeper.key.privateKey,
    keeperId: s.w.keeper.keeperId,
    signer: s.liquidator,
    prover: s.w.prover,
    artifacts: INSOLVENCY_ARTIFACTS,
    stateDir: dir,
    fromBlock: s.startBlock,
    logger: (e) => {
      entries.push(e);
      also?.(e);
    },
    ...extra,
  });
  return { daemon, entries };
}

const plain = (o: AccountOpening): { amounts: bigint[]; blinding: bigint } => ({ amounts: o.amounts, blinding: o.blinding });

describe("KeeperDaemon", function () {
  after(async function () {
    await Promise.all([...worlds].map((w) => w.prover.close()));
  });

  describe("#tick: notes", function () {
    it("decrypts the openings addressed to its key (equal to the owner's own) and ignores a note for another keeper", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const bob = await s.bob.getAddress();
      const dir = stateDir();
      const { daemon, entries } = await daemonFor(s, dir);
      const report = await daemon.tick();

      expect(report.notes).to.deep.equal({ decrypted: 3, invalid: 0, foreign: 1 });
      const watched = daemon.snapshot.accounts.get(alice)!;
      expect(watched.opening).to.deep.equal(plain(s.opening));
      expect(watched.commitment).to.equal((await s.w.d.engine.accountOf(alice)).commitment);
      expect(watched.keeperId).to.equal(s.w.keeper.keeperId);
      expect(daemon.snapshot.accounts.has(bob)).to.equal(false);
      const foreign = entries.find((e) => e.event === "note.foreign");
      expect(foreign?.account).to.equal(bob);
      expect(foreign?.level).to.equal("debug");
      expect(foreign?.message).to.include(`note for keeper ${s.keeper2.keeperId}, not ours`);

      // The state is on disk, private, and says the same.
      const path = join(dir, KEEPER_STATE_FILE);
      expect(statSync(path).mode & 0o777).to.equal(0o600);
      const onDisk = readKeeperState(path);
      expect(onDisk.lastBlock).to.equal(await ethers.provider.getBlockNumber());
      expect(onDisk.accounts.get(alice)!.opening).to.deep.equal(plain(s.opening));
      // The account is healthy at this epoch: the decision is logged.
      expect(report.decisions).to.have.length(1);
      expect(report.decisions[0]).to.include({ account: alice, decision: "healthy" });
      expect(entries.some((e) => e.event === "health" && e.account === alice && e.message.startsWith("healthy"))).to.equal(true);
    });

    it("logs 'not a valid opening' and skips the notes when its private key is not its id's, without crashing", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const { daemon, entries } = await daemonFor(s, stateDir(), { keeperPrivateKey: s.keeper2.key.privateKey });
      expect(entries.some((e) => e.event === "key" && e.level === "warn" && e.message.includes("not the one keeper"))).to.equal(true);
      const report = await daemon.tick();
      expect(report.notes).to.deep.equal({ decrypted: 0, invalid: 3, foreign: 1 });
      const invalid = entries.filter((e) => e.event === "note.invalid");
      expect(invalid).to.have.length(3);
      for (const e of invalid) {
        expect(e.level).to.equal("warn");
        expect(e.account).to.equal(alice);
        expect(e.message).to.match(/^not a valid opening: /);
      }
      // Still watched (for its lease), with no opening; the next tick runs fine.
      expect(daemon.snapshot.accounts.get(alice)!.opening).to.equal(null);
      await nextEpoch(s.w);
      const next = await daemon.tick();
      expect(next.decisions).to.deep.equal([{ account: alice, decision: "no-opening" }]);
    });
  });

  describe("#tick: liquidation", function () {
    it("liquidates an insolvent account after a restart mid-way, resuming from its last block", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const dir = stateDir();
      const path = join(dir, KEEPER_STATE_FILE);

      // Daemon A learns the opening, then dies without a word (a crash: no stop(), no final save).
      const a = await daemonFor(s, dir);
      await a.daemon.tick();
      const lastA = readKeeperState(path).lastBlock!;
      expect(readKeeperState(path).accounts.get(alice)!.opening).to.deep.equal(plain(s.opening));

      // ETH falls from $3,000 to $2,400 in a new epoch.
      const epoch = await nextEpoch(s.w, new Map([[WETH, 2_400_00000000n]]));

      // Daemon B on the same state folder; its fromBlock (0) only applies to a first start.
      const fileLog = keeperFileLogger(dir, { console: false });
      const b = await daemonFor(s, dir, { fromBlock: 0 }, fileLog);
      const report = await b.daemon.tick();

      expect(report.scanned!.fromBlock).to.equal(lastA + 1);
      const scans = b.entries.filter((e) => e.event === "scan");
      expect(scans[0]!.fromBlock).to.equal(lastA + 1);
      expect(scans.every((e) => (e.fromBlock as number) > lastA)).to.equal(true);
      expect(b.entries.find((e) => e.event === "start")!.message).to.include(`resuming at block ${lastA + 1}`);

      expect(report.decisions).to.have.length(1);
      expect(report.decisions[0]).to.include({ account: alice, decision: "insolvent" });
      expect(report.decisions[0]!.value!).to.be.lessThan(report.decisions[0]!.requirement!);
      expect(report.liquidations).to.have.length(1);
      const events = await s.w.d.engine.queryFilter(s.w.d.engine.filters.Liquidated!(alice), lastA + 1);
      expect(events).to.have.length(1);
      const ev = (events[0] as unknown as { args: Record<string, unknown> }).args;
      expect(ev.liquidator).to.equal(await s.liquidator.getAddress());
      expect(ev.epoch).to.equal(epoch);
      expect(report.liquidations[0]!.txHash).to.equal(events[0]!.transactionHash);
      expect((await s.w.d.engine.accountOf(alice)).openMarkets).to.equal(0n);
      // The seized assets were credited (pull payments) and the same tick claimed them: nothing is left.
      const liquidatorAddr = await s.liquidator.getAddress();
      const seizedSlots = report.liquidations[0]!.seizures.filter((x) => x.amount > 0n).map((x) => x.index);
      for (const c of report.claimed) expect((await s.w.d.engine.queryFilter(s.w.d.engine.filters.Claimed!(liquidatorAddr, c.asset))).some((e) => e.transactionHash === c.txHash)).to.equal(true);
      for (const slot of seizedSlots) expect(await s.w.d.engine.claimableOf!(liquidatorAddr, slot)).to.equal(0n);
      expect(report.claimed.length).to.be.greaterThan(0);
      console.log(`      liquidation by the daemon: proof ${report.liquidations[0]!.proveMs.toFixed(0)} ms, gas ${report.liquidations[0]!.gasUsed}`);

      // The decision is in keeper.log as a JSON line.
      const logged = readFileSync(join(dir, "keeper.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as KeeperLogEntry);
      expect(logged.some((e) => e.event === "health" && e.account === alice && e.message.startsWith("insolvent: liquidating"))).to.equal(true);

      // The next tick reads the Liquidated event: the opening becomes the remainder the chain holds.
      await b.daemon.tick();
      const seizures: Seizure[] = [
        { index: Number(ev.indexA), amount: BigInt(ev.amountA as bigint) },
        { index: Number(ev.indexB), amount: BigInt(ev.amountB as bigint) },
      ].filter((x) => x.amount > 0n);
      const remainder = remainderOpening(h, s.opening, seizures);
      const watched = b.daemon.snapshot.accounts.get(alice)!;
      expect(watched.opening).to.deep.equal(plain(remainder));
      expect(watched.commitment).to.equal((await s.w.d.engine.accountOf(alice)).commitment);
      expect(accountCommitment(h, remainder.amounts, remainder.blinding, remainder.owner)).to.equal(watched.commitment);
    });

    it("logs a liquidation that loses the race to another liquidator by its custom error, then follows the winner's remainder", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const [, , , , , , other] = await ethers.getSigners();
      const usdc = s.w.d.tokens[USDC]!.connect(other!) as TokenContract;
      await (await usdc.mint(await other!.getAddress(), 100_000n * e6)).wait();
      await (await usdc.approve(await s.w.d.engine.getAddress(), 100_000n * e6)).wait();
      // While the daemon proves, another liquidator (who also knows the opening) gets there first.
      let winner: LiquidationPlan | undefined;
      const racing = {
        prove: async (...args: Parameters<Prover["prove"]>) => {
          const out = await s.w.prover.prove(...args);
          const view = await readChainView(h, oracleAt(await s.w.d.oracle.getAddress(), ethers.provider), s.w.d.engine, alice);
          const rules = await readLiquidationRules(s.w.d.engine);
          winner = planLiquidation(h, { opening: s.opening, view, market: await readSeizureMarket(s.w.d.oracle, USDC), liquidator: await other!.getAddress(), quoteDecimals: 6, rules, bonusBps: rules.auctionStartBps });
          await submitLiquidation({ engine: s.w.d.engine, liquidator: other!, prover: s.w.prover, artifacts: INSOLVENCY_ARTIFACTS, account: alice, epoch: view.epoch, plan: winner });
          return out;
        },
      } as unknown as Prover;
      const { daemon, entries } = await daemonFor(s, stateDir(), { prover: racing });
      await daemon.tick();
      await nextEpoch(s.w, new Map([[WETH, 2_400_00000000n]]));
      const lost = await daemon.tick();
      expect(lost.liquidations).to.deep.equal([]);
      expect(lost.failures).to.deep.equal([{ account: alice, action: "liquidate", reason: `NoOpenPosition(${alice})` }]);
      expect(entries.some((e) => e.event === "liquidation.failed" && e.message === `liquidation failed: NoOpenPosition(${alice})`)).to.equal(true);
      // The next tick reads the winner's Liquidated event: nothing left to liquidate, the opening follows.
      const after = await daemon.tick();
      expect(after.failures).to.deep.equal([]);
      expect(after.decisions).to.deep.equal([{ account: alice, decision: "no-position" }]);
      const remainder = remainderOpening(h, s.opening, winner!.seizures);
      expect(daemon.snapshot.accounts.get(alice)!.opening).to.deep.equal(plain(remainder));
      const otherAddress = await other!.getAddress();
      expect(entries.some((e) => e.event === "liquidated" && e.message.startsWith(`liquidated by ${otherAddress}`))).to.equal(true);
    });

    it("leaves a healthy account alone after a small move, and logs the decision", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const { daemon, entries } = await daemonFor(s, stateDir());
      await daemon.tick();
      // No new epoch, no new note: nothing is evaluated again.
      expect((await daemon.tick()).decisions).to.deep.equal([]);

      const epoch = await nextEpoch(s.w, new Map([[WETH, 2_950_00000000n]])); // ETH -1.7%
      const report = await daemon.tick();
      expect(report.epoch).to.equal(epoch);
      expect(report.decisions).to.have.length(1);
      expect(report.decisions[0]).to.include({ account: alice, decision: "healthy" });
      expect(report.decisions[0]!.value!).to.be.at.least(report.decisions[0]!.requirement!);
      expect(report.liquidations).to.deep.equal([]);
      const decision = entries.filter((e) => e.event === "health" && e.epoch === epoch);
      expect(decision).to.have.length(1);
      expect(decision[0]!.message).to.match(/^healthy: value \$[\d,]+\.\d\d >= maintenance requirement \$[\d,]+\.\d\d$/);
      expect(decision[0]).to.include({ value: report.decisions[0]!.value, requirement: report.decisions[0]!.requirement });
      expect(await s.w.d.engine.queryFilter(s.w.d.engine.filters.Liquidated!(alice))).to.deep.equal([]);
      expect((await s.w.d.engine.accountOf(alice)).openMarkets).to.not.equal(0n);
      // The health check used the same view a trader reads.
      const view = await readChainView(h, oracleAt(await s.w.d.oracle.getAddress(), ethers.provider), engineAt(await s.w.d.engine.getAddress(), ethers.provider), alice);
      expect(view.epoch).to.equal(epoch);
      expect(view.positions.get(ETH_PERP)).to.deep.equal({ size: 10n * e18, entryPrice: 3_000_00000000n, fundingIndex: 0n });
    });
  });

  describe("#tick: leases", function () {
    it("force-closes an account whose lease expired (logging the revert while the oracle is stale)", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const { daemon, entries } = await daemonFor(s, stateDir());
      expect((await daemon.tick()).forceClosed).to.deep.equal([]);
      await elapse(s.w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      // Expired, but nobody poked the oracle for a day: the engine refuses, the daemon logs why and goes on.
      const stale = await daemon.tick();
      expect(stale.forceClosed).to.deep.equal([]);
      expect(stale.failures).to.have.length(1);
      expect(stale.failures[0]).to.include({ account: alice, action: "forceClose" });
      expect(stale.failures[0]!.reason).to.match(/^OracleStale\(\d+, 7200\)$/);
      expect(entries.some((e) => e.event === "forceClose.failed" && e.level === "warn" && e.message.startsWith("force-close failed: OracleStale("))).to.equal(true);
      const epoch = await nextEpoch(s.w);
      expect((await s.w.d.engine.leaseOf(alice))[0]).to.equal(3n); // Expired
      const report = await daemon.tick();
      expect(report.forceClosed).to.have.length(1);
      expect(report.forceClosed[0]!.account).to.equal(alice);
      const events = await s.w.d.engine.queryFilter(s.w.d.engine.filters.ForceClosed!(alice));
      expect(events).to.have.length(1);
      const ev = (events[0] as unknown as { args: Record<string, unknown> }).args;
      expect(ev.caller).to.equal(await s.liquidator.getAddress());
      expect(ev.epoch).to.equal(epoch);
      expect(entries.some((e) => e.event === "forceClose" && e.account === alice && e.message === "lease expired: force-closing")).to.equal(true);
      expect((await s.w.d.engine.accountOf(alice)).openMarkets).to.equal(0n);
      // Nothing left to close.
      expect((await daemon.tick()).forceClosed).to.deep.equal([]);
    });
  });

  describe("#tick: partial liquidation, auction timing and frozen-account seizure", function () {
    it("partially liquidates an account a partial close restores, and follows its remainder (the delta included)", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const { daemon } = await daemonFor(s, stateDir());
      await daemon.tick();
      await nextEpoch(s.w, new Map([[WETH, 2_500_00000000n]]));
      const report = await daemon.tick();
      expect(report.liquidations).to.have.length(1);
      const done = report.liquidations[0]!;
      expect(done.mode).to.equal("partial");
      expect(done.closeBps).to.be.greaterThan(0).and.lessThan(10_000);
      expect(done.bonusBps).to.equal(Number(await s.w.d.engine.auctionStartBps()));
      const events = await s.w.d.engine.queryFilter(s.w.d.engine.filters.PartiallyLiquidated!(alice));
      expect(events).to.have.length(1);
      const ev = (events[0] as unknown as { args: Record<string, unknown> }).args;
      expect(ev.liquidator).to.equal(await s.liquidator.getAddress());
      // The next tick reads the event: the opening is the remainder and the account is healthy.
      const after = await daemon.tick();
      const opening = daemon.snapshot.accounts.get(alice)!.opening!;
      expect(accountCommitment(h, opening.amounts, opening.blinding, BigInt(alice))).to.equal((await s.w.d.engine.accountOf(alice)).commitment);
      const seizures: Seizure[] = [{ index: Number(ev.indexA), amount: BigInt(ev.amountA as bigint) }, { index: Number(ev.indexB), amount: BigInt(ev.amountB as bigint) }];
      expect(opening).to.deep.equal(plain(remainderOpening(h, s.opening, seizures, BigInt(ev.basketDelta as bigint))));
      expect(after.liquidations).to.deep.equal([]);
      await nextEpoch(s.w);
      const healthy = await daemon.tick();
      expect(healthy.decisions).to.have.length(1);
      expect(healthy.decisions[0]).to.include({ account: alice, decision: "healthy" });
    });

    it("flags an insolvent account and waits for the Dutch auction to reach --min-bonus-bps, then liquidates at that bid", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const { daemon, entries } = await daemonFor(s, stateDir(), { minBonusBps: 10_000 });
      await daemon.tick();
      await nextEpoch(s.w, new Map([[WETH, 2_500_00000000n]]));
      const first = await daemon.tick();
      expect(first.flagged).to.have.length(1);
      expect(first.liquidations).to.deep.equal([]);
      expect(first.waiting).to.deep.equal([{ account: alice, factor: Number(await s.w.d.engine.auctionStartBps()), minBonusBps: 10_000 }]);
      expect((await s.w.d.engine.distressOf(alice)).flagEpoch).to.equal(await s.w.d.oracle.currentEpoch());
      // Still below the bid asked: no second flag, still waiting (and no failed attempt counted).
      const second = await daemon.tick();
      expect(second.flagged).to.deep.equal([]);
      expect(second.waiting).to.have.length(1);
      expect(entries.some((e) => e.event === "flag")).to.equal(true);
      await elapse(s.w, BigInt(await s.w.d.engine.auctionDuration()));
      const third = await daemon.tick();
      expect(third.liquidations).to.have.length(1);
      expect(third.liquidations[0]!.bonusBps).to.equal(10_000);
      expect(third.liquidations[0]!.mode).to.equal("partial");
    });

    it("seizes a frozen account's unsettled debt after the deadline, repaying the keeper's bond and the insurance fund", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const usdc = s.w.d.tokens[USDC]! as TokenContract;
      const fundAddr = await s.w.d.engine.insuranceFund();
      await (await usdc.mint(fundAddr, 50_000n * e6)).wait();
      const fundBefore = await usdc.balanceOf(fundAddr);
      const { daemon, entries } = await daemonFor(s, stateDir());
      await daemon.tick();
      await elapse(s.w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      await nextEpoch(s.w, new Map([[WETH, 2_900_00000000n]]));
      expect((await daemon.tick()).forceClosed).to.have.length(1);
      // The 1,000 loss is advanced by the named keeper's bond (its draw cap), then the fund; the seizure repays both.
      const cap = await s.w.d.keeperRegistry.drawCap();
      expect(await usdc.balanceOf(fundAddr)).to.equal(fundBefore - (1_000n * e6 - cap));
      // Before the deadline: nothing to seize.
      expect((await daemon.tick()).seized).to.deep.equal([]);
      await elapse(s.w, BigInt(await s.w.d.engine.seizeDelay()));
      await nextEpoch(s.w);
      const report = await daemon.tick();
      expect(report.failures).to.deep.equal([]);
      expect(report.seized).to.have.length(1);
      expect(report.seized[0]!.payment).to.equal(1_000n * e6);
      expect(await usdc.balanceOf(fundAddr)).to.equal(fundBefore);
      expect(await s.w.d.keeperRegistry.isNameable(s.w.keeper.keeperId)).to.equal(true);
      expect((await s.w.d.engine.accountOf(alice)).frozen).to.equal(false);
      expect(entries.some((e) => e.event === "seize" && e.account === alice)).to.equal(true);
      // It follows the remainder, and there is nothing left to seize.
      const again = await daemon.tick();
      expect(again.seized).to.deep.equal([]);
      const opening = daemon.snapshot.accounts.get(alice)!.opening!;
      expect(accountCommitment(h, opening.amounts, opening.blinding, BigInt(alice))).to.equal((await s.w.d.engine.accountOf(alice)).commitment);
    });
  });

  describe("state database", function () {
    it("refuses a state folder kept for another keeper, and names the field of a damaged state file", async function () {
      const s = await load();
      const dir = stateDir();
      await (await daemonFor(s, dir)).daemon.tick();
      const rejection = async (extra: Partial<KeeperDaemonOptions>): Promise<string> => {
        try {
          await daemonFor(s, dir, extra);
        } catch (err) {
          return (err as Error).message;
        }
        return "opened";
      };
      expect(await rejection({ keeperId: s.keeper2.keeperId, keeperPrivateKey: s.keeper2.key.privateKey }))
        .to.include(`kept for keeper ${s.w.keeper.keeperId}, not keeper ${s.keeper2.keeperId}`);
      const path = join(dir, KEEPER_STATE_FILE);
      sql(path, "UPDATE keeper SET last_epoch_evaluated = '-1'");
      expect(await rejection({})).to.equal(`${path}: keeper.last_epoch_evaluated is not a non-negative decimal integer string`);
    });

    it("refuses a state folder another live daemon holds, takes over a dead one's lock, and releases it on close", async function () {
      const s = await load();
      const dir = stateDir();
      const lock = join(dir, ".lock");
      // Another process holds the folder: a live pid in its lock file.
      const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
      try {
        writeFileSync(lock, String(other.pid));
        let message = "opened";
        try {
          await daemonFor(s, dir);
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message).to.equal(`${dir} is in use by another keeper daemon (pid ${other.pid}); wait for it or remove ${lock} if it is gone`);
        expect(readFileSync(lock, "utf8")).to.equal(String(other.pid));
      } finally {
        other.kill("SIGKILL");
        await once(other, "exit");
      }
      // Its process is gone: the lock is stale and taken over; close() releases it.
      const { daemon } = await daemonFor(s, dir);
      expect(readFileSync(lock, "utf8")).to.equal(String(process.pid));
      await daemon.close();
      expect(existsSync(lock)).to.equal(false);
    });

    it("migrates an older release's keeper-state.json on open (kept as .bak) and resumes from its last block", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const first = stateDir();
      await (await daemonFor(s, first)).daemon.tick();
      const saved = readKeeperState(join(first, KEEPER_STATE_FILE));
      // The same state as an older release left it: keeper-state.json, no database.
      const dir = stateDir();
      const json = join(dir, KEEPER_LEGACY_STATE_FILE);
      writeFileSync(json, legacyKeeperStateJson(saved), { mode: 0o600 });
      await nextEpoch(s.w);
      const { daemon, entries } = await daemonFor(s, dir, { fromBlock: 0 });
      expect(entries.find((e) => e.event === "state.migrated")!.message).to.include(`the JSON file is kept as ${json}.bak`);
      expect(entries.find((e) => e.event === "start")!.message).to.include(`resuming at block ${saved.lastBlock! + 1} with 1 watched account(s)`);
      expect(existsSync(json)).to.equal(false);
      expect(readFileSync(`${json}.bak`, "utf8")).to.equal(legacyKeeperStateJson(saved));
      const report = await daemon.tick();
      expect(report.scanned!.fromBlock).to.equal(saved.lastBlock! + 1);
      expect(report.decisions.map((d) => [d.account, d.decision])).to.deep.equal([[alice, "healthy"]]);
      await daemon.close();
      const after = readKeeperState(join(dir, KEEPER_STATE_FILE));
      expect(after.accounts.get(alice)!.opening).to.deep.equal(plain(s.opening));
      expect(after.lastBlock).to.equal(await ethers.provider.getBlockNumber());
      expect(statSync(join(dir, KEEPER_STATE_FILE)).mode & 0o777).to.equal(0o600);
    });
  });

  describe("#run", function () {
    it("ticks every pollIntervalMs until stop(), and returns at once on an aborted signal", async function () {
      const s = await load();
      const dir = stateDir();
      const { daemon, entries } = await daemonFor(s, dir, { pollIntervalMs: 20 });
      const running = daemon.run();
      while (entries.filter((e) => e.event === "scan").length === 0) await new Promise((r) => setTimeout(r, 10));
      await nextEpoch(s.w);
      const head = await ethers.provider.getBlockNumber();
      while (daemon.snapshot.lastBlock !== head) await new Promise((r) => setTimeout(r, 10));
      daemon.stop();
      await running;
      expect(entries[entries.length - 1]!.event).to.equal("stop");
      expect(readKeeperState(join(dir, KEEPER_STATE_FILE)).lastBlock).to.equal(head);
      const aborted = AbortSignal.abort();
      await daemon.run({ signal: aborted });
    });
  });

  describe("#tick on a chain without the engine", function () {
    it("says that the engine has no code any more (a reset node) instead of ethers' undecodable result", async function () {
      const s = await load();
      const { daemon } = await daemonFor(s, stateDir());
      try {
        await daemon.tick();
        const engine = await s.w.d.engine.getAddress();
        await nextEpoch(s.w);
        // What a node reset to an empty chain looks like to a running daemon: the address answers with no code.
        await ethers.provider.send("hardhat_setCode", [engine, "0x"]);
        const chainId = (await ethers.provider.getNetwork()).chainId;
        const expected = new RegExp(`^no contract at the engine ${engine} on chain ${chainId} any more: was the node reset.*could not decode result data`);
        await assert.rejects(daemon.tick(), (err: Error) => expected.test(err.message));
      } finally {
        await daemon.close();
      }
    });
  });

  describe("ABI slices", function () {
    it("match the compiled engine, oracle, registry and token, fragment by fragment", async function () {
      const s = await load();
      const pairs: Array<[readonly string[], Interface]> = [
        [ENGINE_KEEPER_ABI, s.w.d.engine.interface],
        [ORACLE_KEEPER_ABI, s.w.d.oracle.interface],
        [REGISTRY_KEEPER_ABI, s.w.d.keeperRegistry.interface],
        [ERC20_KEEPER_ABI, s.w.d.tokens[USDC]!.interface],
      ];
      for (const [abi, compiled] of pairs) {
        const ours = new Interface(abi);
        ours.forEachFunction((f) => {
          const c = compiled.getFunction(f.selector);
          expect(c, f.format()).to.not.equal(null);
          expect(c!.outputs.map((o) => o.format("sighash")), f.format()).to.deep.equal(f.outputs.map((o) => o.format("sighash")));
          expect(c!.stateMutability, f.format()).to.equal(f.stateMutability);
        });
        ours.forEachEvent((e) => {
          const c = compiled.getEvent(e.topicHash);
          expect(c, e.format()).to.not.equal(null);
          expect(c!.inputs.map((i) => i.indexed === true), e.format()).to.deep.equal(e.inputs.map((i) => i.indexed === true));
        });
        ours.forEachError((e) => expect(compiled.getError(e.selector), e.format()).to.not.equal(null));
      }
    });
  });
});

// ------------------------------------------------------------------------------------------------

/** Runs the CLI in-process with stdout and stderr captured. */
async function keeperCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await runKeeperCli(argv);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/**
 * An HTTP JSON-RPC endpoint in front of the in-process network (requests, batches included, are
 * forwarded in order to the connection's provider): lets the CLI's JsonRpcProvider reach the same chain.
 */
async function rpcBridge(): Promise<{ url: string; server: Server }> {
  const forward = async (r: { id: unknown; method: string; params?: unknown[] }): Promise<unknown> => {
    try {
      return { jsonrpc: "2.0", id: r.id, result: await connection.provider.request({ method: r.method, params: r.params ?? [] }) };
    } catch (e) {
      const x = e as { code?: number; message?: string; data?: unknown };
      return { jsonrpc: "2.0", id: r.id, error: { code: typeof x.code === "number" ? x.code : -32603, message: x.message ?? String(e), data: x.data } };
    }
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      void (async () => {
        const payload = JSON.parse(body) as Parameters<typeof forward>[0] | Array<Parameters<typeof forward>[0]>;
        let answer: unknown;
        if (Array.isArray(payload)) {
          const all: unknown[] = [];
          for (const r of payload) all.push(await forward(r));
          answer = all;
        } else answer = await forward(payload);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(answer, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("plimsoll keeper", function () {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-keeper-cli-"));
  const key = join(dir, "existing-key.json");
  before(async function () {
    await saveKeeperKey(key, await generateKeeperKey());
  });

  describe("keygen", function () {
    it("writes a private key file and prints its public key; refuses to overwrite it", async function () {
      const out = join(dir, "keeper-key.json");
      const r = await keeperCli("keygen", "--out", out, "--json");
      expect(r.code).to.equal(0);
      const printed = JSON.parse(r.stdout) as { publicKey: [string, string] };
      const key = await loadKeeperKey(out);
      expect(printed.publicKey).to.deep.equal([key.publicKey[0].toString(), key.publicKey[1].toString()]);
      expect(statSync(out).mode & 0o777).to.equal(0o600);
      const again = await keeperCli("keygen", "--out", out);
      expect(again.code).to.equal(2);
      expect(again.stderr).to.include("already exists");
    });
  });

  describe("run", function () {
    it("names the flag that is missing or malformed (exit 2)", async function () {
      const engine = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
      const cases: Array<[string[], string]> = [
        [["run", "--key", key, "--keeper-id", "1", "--state", dir], "--engine is required"],
        [["run", "--engine", "0x12", "--key", key, "--keeper-id", "1", "--state", dir], "--engine must be an address"],
        [["run", "--engine", engine, "--key", key, "--keeper-id", "one", "--state", dir], "--keeper-id must be a non-negative integer"],
        [["run", "--engine", engine, "--key", key, "--keeper-id", "1"], "--state is required"],
        [["run", "--engine", engine, "--key", join(dir, "missing.json"), "--keeper-id", "1", "--state", dir], "--key"],
        [["run", "--engine", engine, "--key", key, "--keeper-id", "1", "--state", dir, "--rpc", "ws://127.0.0.1:1"], "--rpc must be an http(s) URL"],
        [["run", "--engine", engine, "--key", key, "--keeper-id", "1", "--state", dir, "--interval", "0"], "--interval must be a positive number"],
        [["run", "--engine", engine, "--key", key, "--keeper-id", "1", "--state", dir, "--private-key", "0xabc"], "Unknown option '--private-key'"],
      ];
      for (const [argv, message] of cases) {
        const r = await keeperCli(...argv);
        expect(r.code, argv.join(" ")).to.equal(2);
        expect(r.stderr, argv.join(" ")).to.include(message);
      }
      const help = await keeperCli("run", "--help");
      expect(help.code).to.equal(0);
      for (const flag of ["--engine", "--key", "--keeper-id", "--state", "--rpc", "--private-key-env", "--from-block", "--interval", "--once", "--json", "in-process"]) expect(help.stdout).to.include(flag);
    });

    it("fails with exit 1 and says so when no node answers at --rpc", async function () {
      const r = await keeperCli("run", "--engine", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--key", key, "--keeper-id", "1", "--state", dir, "--rpc", "http://127.0.0.1:9");
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("no JSON-RPC node answers");
    });

    it("runs one tick over JSON-RPC (--once): decrypts the openings and force-closes with the wallet from --private-key-env", async function () {
      const s = await load();
      const alice = await s.alice.getAddress();
      const keyFile = join(mkdtempSync(join(tmpdir(), "plimsoll-keeper-key-")), "keeper.json");
      await saveKeeperKey(keyFile, s.w.keeper.key);
      const wallet = Wallet.createRandom();
      await networkHelpers.setBalance(wallet.address, 10n ** 20n);
      process.env.PLIMSOLL_TEST_KEEPER_KEY = wallet.privateKey;
      await elapse(s.w, DEV_LEASE.maxAge + DEV_LEASE.grace);
      await nextEpoch(s.w);
      const state = stateDir();
      const { url, server } = await rpcBridge();
      try {
        const r = await keeperCli(
          "run", "--engine", await s.w.d.engine.getAddress(), "--key", keyFile, "--keeper-id", s.w.keeper.keeperId.toString(),
          "--state", state, "--rpc", url, "--private-key-env", "PLIMSOLL_TEST_KEEPER_KEY", "--from-block", String(s.startBlock),
          "--interval", "0.2", "--once", "--json",
        );
        expect(r.code, r.stderr).to.equal(0);
        const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
        const report = lines.find((l) => l.event === "tick.report")!;
        expect(report.notes).to.deep.equal({ decrypted: 3, invalid: 0, foreign: 1 });
        expect(lines.some((l) => l.event === "forceClose" && l.message === "lease expired: force-closing")).to.equal(true);
      } finally {
        delete process.env.PLIMSOLL_TEST_KEEPER_KEY;
        server.close();
      }
      const events = await s.w.d.engine.queryFilter(s.w.d.engine.filters.ForceClosed!(alice));
      expect(events).to.have.length(1);
      expect((events[0] as unknown as { args: { caller: string } }).args.caller).to.equal(wallet.address);
      expect(readKeeperState(join(state, KEEPER_STATE_FILE)).accounts.get(alice)!.opening).to.deep.equal(plain(s.opening));
    });
  });
});
