/**
 * Engine checks of the liquidation entry points no other suite reaches: a stale oracle (OracleStale), a
 * remainder commitment outside the field (CommitmentNotInField), a seizure slot the oracle does not
 * configure (UnknownAsset, either slot of the seizure), an account without a position (NoOpenPosition,
 * from `liquidate`, `liquidatePartial` and `flagLiquidatable`: only the accepting verifier can reach it, no
 * insolvency proof exists against a requirement of 0), requirements of 2^150 value units or more
 * (RequirementTooLarge: what was open of a full or partial close, the cap of what stays open), a partial
 * close's delta of 2^96 base units or more (PnlTooLarge), all of which no proof could carry, and the
 * rounding up of each seized value on an 18-decimal settlement token (the one place it shows); and a trade's
 * own MarketHalted check, which names the traded market where the requirement would name the first halted one. The engine
 * here verifies with `AcceptingVerifier` and `AcceptingInsolvencyVerifier` (accept every proof): each check
 * must stop the call by itself, and with the check removed the call would go on (through, or to another
 * error), which the control cases and the errors' arguments show.
 */
import { expect } from "chai";
import type { ContractTransactionReceipt, Result, Signer } from "ethers";
import { network } from "hardhat";
import { FIELD_MODULUS, WAD } from "../../prover/src/constants.js";
import type { TokenContract } from "../../prover/src/contracts.js";
import { positionRequirement, seizurePayment } from "../../prover/src/margin.js";
import { createWorld, elapse, frozenEpoch, nextEpoch, seedPool, type World } from "../../scripts/lib/world.js";
import type { MarginEngine } from "../../types/ethers-contracts/index.js";
import { BTC_PERP, deployAcceptingEngine, ETH_PERP, e18, e6, fundFor, GARBAGE_NOTE, GARBAGE_PROOF, LIMIT_150, LIMIT_96, markBtcAt, USDC, WBTC, WETH } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

interface Setup {
  w: World;
  engine: MarginEngine;
  /** Deposited 10,000 USDC and 5 WETH, long 10 ETH-PERP; ETH then fell from $3,000 to $2,900. */
  alice: string;
  /** The liquidator. */
  bob: Signer;
  epoch: bigint;
}

async function setup(): Promise<Setup> {
  const w = await createWorld(ethers);
  const [, lp, alice, bob] = await ethers.getSigners();
  const { engine } = await deployAcceptingEngine(ethers, w, { lp: lp!, liquidity: 1_000_000n * e6 });
  await fundFor(w, await engine.getAddress(), alice!, new Map([[USDC, 10_000n * e6], [WETH, 5n * e18]]));
  let c = 100n;
  const a = engine.connect(alice!);
  const epoch0 = await w.d.oracle.currentEpoch();
  await (await a.deposit(USDC, 10_000n * e6, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.deposit(WETH, 5n * e18, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.trade(ETH_PERP, 10n * e18, epoch0, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  const epoch = await nextEpoch(w, new Map([[WETH, 2_900_00000000n]]));
  return { w, engine, alice: await alice!.getAddress(), bob: bob!, epoch };
}

const SEIZE_100_USDC = { indexA: USDC, amountA: 100n * e6, indexB: WETH, amountB: 0n };
/** Seizes nothing, with the settlement slot second: a partial close's delta (its PnL) may be non-zero. */
const SEIZE_NOTHING = { indexA: WETH, amountA: 0n, indexB: USDC, amountB: 0n };

interface Huge {
  s: Setup;
  /** Long `long` BTC-PERP from `entry`: its initial requirement was about 0.9 * 2^150 value units. */
  carol: string;
  long: bigint;
  /** Short `short` BTC-PERP from `entry`, the same notional. */
  dave: string;
  short: bigint;
  entry: bigint;
  /** The epoch at BTC 1.5 x `entry`. */
  epoch: bigint;
}

/**
 * Two BTC-PERP positions as large as a requirement below 2^150 value units (about 1.4e15 USD) allows, opened at
 * BTC 1,000,000 USD (sizes are below 2^96 base units, so only a high price gets there), then BTC 1,500,000.
 */
async function hugePositions(): Promise<Huge> {
  const s = await setup();
  const [, , , , carolSigner, daveSigner] = await ethers.getSigners();
  const entry = 1_000_000_00000000n;
  let epoch = await markBtcAt(s.w, entry);
  const [, im] = await s.w.d.oracle.marketQuote(BTC_PERP);
  const size = (((LIMIT_150 * 9n) / 10n) * 10n ** 18n) / (entry * 10n ** 4n * im);
  expect(size).to.be.below(1n << 96n);
  let c = 500n;
  const open = async (signer: Signer, sizeDelta: bigint): Promise<string> => {
    await fundFor(s.w, await s.engine.getAddress(), signer, new Map([[USDC, 10_000n * e6]]));
    const e = s.engine.connect(signer) as typeof s.engine;
    await (await e.deposit(USDC, 10_000n * e6, epoch, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    await (await e.trade(BTC_PERP, sizeDelta, epoch, ++c, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    return signer.getAddress();
  };
  const carol = await open(carolSigner!, size);
  const dave = await open(daveSigner!, -size);
  epoch = await markBtcAt(s.w, (entry * 3n) / 2n);
  return { s, carol, long: size, dave, short: -size, entry, epoch };
}

/**
 * A WETH-settled engine: Alice deposited 1,000 WETH and went long 1 ETH-PERP at $3,000; ETH then fell to $2,900.
 * (The perps' PnL is in quote base units, one whole token a dollar: her loss is about 100 WETH.)
 */
async function wethSettled(): Promise<Setup> {
  const w = await createWorld(ethers);
  const [, lp, alice, bob] = await ethers.getSigners();
  const { engine } = await deployAcceptingEngine(ethers, w, { lp: lp!, liquidity: 1_000n * e18 }, undefined, WETH);
  await fundFor(w, await engine.getAddress(), alice!, new Map([[WETH, 1_000n * e18]]));
  const a = engine.connect(alice!) as typeof engine;
  const epoch0 = await w.d.oracle.currentEpoch();
  await (await a.deposit(WETH, 1_000n * e18, epoch0, 101n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  await (await a.trade(ETH_PERP, e18, epoch0, 102n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
  const epoch = await nextEpoch(w, new Map([[WETH, 2_900_00000000n]]));
  return { w, engine, alice: await alice!.getAddress(), bob: bob!, epoch };
}

/** The arguments of the engine's event `name` in `receipt` (a failed assertion when it was not emitted). */
function emitted(engine: MarginEngine, receipt: ContractTransactionReceipt | null, name: string): Result {
  const event = receipt?.logs.map((l) => engine.interface.parseLog(l)).find((e) => e?.name === name);
  if (event == null) expect.fail(`${name} was not emitted`);
  return event.args;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** x with a * x = 1 (mod m), for a and m coprime (extended Euclid). */
function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, x0, x1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, x0, x1] = [r1, r0 - q * r1, x1, x0 - q * x1];
  }
  expect(r0, "coprime").to.equal(1n);
  return ((x0 % m) + m) % m;
}

describe("MarginEngine #liquidate checks (accepting verifiers)", function () {
  it("reverts OracleStale with the epoch's timestamp and the maximum age once nobody poked for two grid steps, and goes through after a poke", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [, timestamp] = await (await ethers.getContractAt("PlimsollOracle", await s.w.d.oracle.getAddress())).currentEpochParams(true);
    const maxAge = await s.engine.maxEpochAge();
    expect(maxAge).to.equal(2n * s.w.gridSeconds);
    await elapse(s.w, maxAge + 1n);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "OracleStale")
      .withArgs(timestamp, maxAge);
    const fresh = await nextEpoch(s.w);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, fresh, SEIZE_100_USDC, 7n, GARBAGE_PROOF)).to.emit(s.engine, "Liquidated");
  });

  it("accepts an epoch exactly at the maximum age (the bound is inclusive)", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [, timestamp] = await (await ethers.getContractAt("PlimsollOracle", await s.w.d.oracle.getAddress())).currentEpochParams(true);
    const maxAge = await s.engine.maxEpochAge();
    await ethers.provider.send("evm_setNextBlockTimestamp", [`0x${(timestamp + maxAge).toString(16)}`]);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, 7n, GARBAGE_PROOF)).to.emit(s.engine, "Liquidated");
  });

  it("reverts CommitmentNotInField for a remainder at or above the field modulus, while modulus - 1 goes through", async function () {
    const s = await networkHelpers.loadFixture(setup);
    for (const bad of [FIELD_MODULUS, FIELD_MODULUS + 1n, (1n << 256n) - 1n]) {
      await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, bad, GARBAGE_PROOF), `remainder ${bad}`)
        .to.be.revertedWithCustomError(s.engine, "CommitmentNotInField")
        .withArgs(bad);
    }
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, SEIZE_100_USDC, FIELD_MODULUS - 1n, GARBAGE_PROOF))
      .to.emit(s.engine, "Liquidated");
    expect((await s.engine.accountOf(s.alice)).commitment).to.equal(FIELD_MODULUS - 1n);
  });

  it("reverts NoOpenPosition for an account without a position: one that never traded, and one that closed its position", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [, , , , carol] = await ethers.getSigners();
    const stranger = await carol!.getAddress();
    await expect(s.engine.connect(s.bob).liquidate(stranger, s.epoch, SEIZE_100_USDC, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "NoOpenPosition")
      .withArgs(stranger);
    // Alice closes her position: she still holds collateral, but nothing can be liquidated.
    const alice = await ethers.getSigner(s.alice);
    await (await s.engine.connect(alice).trade(ETH_PERP, -10n * e18, s.epoch, 999n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    expect((await s.engine.accountOf(s.alice)).openMarkets).to.equal(0n);
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, { indexA: WETH, amountA: 1n, indexB: USDC, amountB: 0n }, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "NoOpenPosition")
      .withArgs(s.alice);
  });

  it("reverts NoOpenPosition from liquidatePartial and flagLiquidatable for an account without a position, while Alice's go through", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [, , , , carol] = await ethers.getSigners();
    const stranger = await carol!.getAddress();
    const bob = s.engine.connect(s.bob) as typeof s.engine;
    await expect(bob.liquidatePartial(stranger, s.epoch, 5_000, 0, SEIZE_NOTHING, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "NoOpenPosition")
      .withArgs(stranger);
    await expect(bob.flagLiquidatable(stranger, s.epoch, 7n, GARBAGE_PROOF)).to.be.revertedWithCustomError(s.engine, "NoOpenPosition").withArgs(stranger);
    await expect(bob.flagLiquidatable(s.alice, s.epoch, 7n, GARBAGE_PROOF)).to.emit(s.engine, "Flagged");
    await expect(bob.liquidatePartial(s.alice, s.epoch, 5_000, 0, SEIZE_NOTHING, 8n, GARBAGE_PROOF)).to.emit(s.engine, "PartiallyLiquidated");
  });

  it("reverts RequirementTooLarge from liquidate when what was open needs 2^150 value units or more (a short at BTC 1.5 x its entry)", async function () {
    const h = await networkHelpers.loadFixture(hugePositions);
    const [mark, , mm] = await h.s.w.d.oracle.marketQuote(BTC_PERP);
    // The requirement of the close is at least the position's (funding owed comes on top).
    expect(positionRequirement(h.short, h.entry, mark, mm)).to.be.at.least(LIMIT_150);
    await expect((h.s.engine.connect(h.s.bob) as typeof h.s.engine).liquidate(h.dave, h.epoch, SEIZE_100_USDC, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(h.s.engine, "RequirementTooLarge")
      .withArgs((x: bigint) => x >= LIMIT_150);
  });

  it("reverts RequirementTooLarge from liquidatePartial with the requirement of what was open, not the (smaller) cap of what stays open, when both reach 2^150", async function () {
    const h = await networkHelpers.loadFixture(hugePositions);
    const [mark, im, mm] = await h.s.w.d.oracle.marketQuote(BTC_PERP);
    // Funding owed only adds to the requirement: it is at least the position's maintenance requirement and loss.
    const requirement = positionRequirement(h.short, h.entry, mark, mm);
    const cap = positionRequirement(h.short - h.short / 2n, h.entry, mark, im);
    expect(cap).to.be.at.least(LIMIT_150).and.below(requirement);
    await expect((h.s.engine.connect(h.s.bob) as typeof h.s.engine).liquidatePartial(h.dave, h.epoch, 5_000, 0, SEIZE_NOTHING, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(h.s.engine, "RequirementTooLarge")
      .withArgs((x: bigint) => x >= requirement);
  });

  it("reverts RequirementTooLarge(cap) from liquidatePartial when what stays open needs 2^150 value units or more at initial margin, though the requirement of what was open does not", async function () {
    const h = await networkHelpers.loadFixture(hugePositions);
    const [mark, im, mm] = await h.s.w.d.oracle.marketQuote(BTC_PERP);
    const closeBps = 1n;
    const stays = h.long - (h.long * closeBps) / 10_000n;
    const cap = positionRequirement(stays, h.entry, mark, im);
    // The long is in profit: no loss; its maintenance requirement (and the little funding it owes) stays below 2^150,
    // so the requirement's own check (the line before the cap's) passes.
    expect(positionRequirement(h.long, h.entry, mark, mm)).to.be.below(LIMIT_150);
    expect(cap).to.be.at.least(LIMIT_150);
    await expect((h.s.engine.connect(h.s.bob) as typeof h.s.engine).liquidatePartial(h.carol, h.epoch, Number(closeBps), 0, SEIZE_NOTHING, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(h.s.engine, "RequirementTooLarge")
      .withArgs(cap);
  });

  it("rounds each seized value up before the payment's ceiling: on a WETH-settled engine, a seizure whose floored discounted value is a whole number of payment units pays one unit more", async function () {
    // With a 6-decimal settlement token every seized value and the payment's unit share a factor far above
    // 1 + bonus, so the inner ceiling never shows; with an 18-decimal one it can. Seizing the settlement token
    // itself, value = amount * unit; the discounted value floor(amount * unit * WAD / D), D = WAD + bonus, is a
    // whole number of units while a remainder was dropped when r = amount * WAD mod D is in (0, D / unit).
    const s = await networkHelpers.loadFixture(wethSettled);
    const [price, decimals, bound] = await s.w.d.oracle.seizureQuote(WETH);
    expect(decimals).to.equal(18n);
    const unit = price * 10n ** 4n; // one WETH base unit in value units: price * 10^(22 - 18)
    let found: { bps: bigint; amount: bigint } | undefined;
    for (let bps = BigInt(await s.engine.auctionStartBps()); bps >= 1n && found === undefined; bps--) {
      const D = WAD + (bound * bps) / 10_000n;
      const g = gcd(WAD, D);
      if (g * unit >= D) continue;
      const inverse = modInverse(WAD / g, D / g);
      for (let m = 1n; m * g * unit < D && found === undefined; m++) {
        const amount = (m * inverse) % (D / g); // amount * WAD = m * g (mod D)
        if (amount > 0n && amount <= e18) found = { bps, amount };
      }
    }
    if (found === undefined) expect.fail("no bid below the auction's opening gives such a seizure at these quotes");
    const { bps, amount } = found;
    const bonus = (bound * bps) / 10_000n;
    const payment = seizurePayment([{ amount, quote: { price, decimals: 18, bonus } }], { price, decimals: 18 });
    const floored = (amount * unit * WAD) / (WAD + bonus);
    expect(floored % unit).to.equal(0n);
    expect(payment).to.equal(floored / unit + 1n);
    const seizure = { indexA: USDC, amountA: 0n, indexB: WETH, amountB: amount };
    const receipt = await (await (s.engine.connect(s.bob) as typeof s.engine).liquidatePartial(s.alice, s.epoch, 5_000, Number(bps), seizure, 7n, GARBAGE_PROOF)).wait();
    const event = emitted(s.engine, receipt, "PartiallyLiquidated");
    expect(event.payment).to.equal(payment);
    // The liquidator is credited the seized WETH less what it paid.
    expect((await s.engine.claimableOf(await s.bob.getAddress(), WETH))).to.equal(amount - payment);
  });

  it("reverts PnlTooLarge from liquidatePartial when the closed part's loss reaches 2^96 base units of an 18-decimal settlement token (a delta no proof could carry)", async function () {
    const s = await networkHelpers.loadFixture(wethSettled);
    const [, , , , carolSigner] = await ethers.getSigners();
    // Carol: short 1,000,000 BTC-PERP at $60,000 (her basket does not matter to an accepting verifier); BTC then
    // reaches $1,000,000: half the position loses 4.7e11 "dollars", 4.7e29 WETH base units, above 2^96 (7.9e28).
    const carol = s.engine.connect(carolSigner!) as typeof s.engine;
    const epoch0 = await s.w.d.oracle.currentEpoch();
    await fundFor(s.w, await s.engine.getAddress(), carolSigner!, new Map([[WETH, e18]]));
    await (await carol.deposit(WETH, e18, epoch0, 201n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    await (await carol.trade(BTC_PERP, -1_000_000n * e18, epoch0, 202n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    const epoch = await markBtcAt(s.w, 1_000_000_00000000n);
    const seizure = { indexA: USDC, amountA: 0n, indexB: WETH, amountB: 0n };
    await expect((s.engine.connect(s.bob) as typeof s.engine).liquidatePartial(await carolSigner!.getAddress(), epoch, 5_000, 0, seizure, 7n, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "PnlTooLarge")
      .withArgs((delta: bigint) => delta <= -LIMIT_96);
  });

  it("reverts UnknownAsset for a seizure slot the oracle does not configure, in either place and even with amount 0", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const count = Number(await s.w.d.oracle.assetCount());
    const seizures = [
      { indexA: count, amountA: 1n, indexB: USDC, amountB: 0n },
      { indexA: count, amountA: 0n, indexB: USDC, amountB: 0n },
      { indexA: USDC, amountA: 100n * e6, indexB: count, amountB: 1n },
      { indexA: USDC, amountA: 100n * e6, indexB: 255, amountB: 0n },
    ];
    for (const seizure of seizures) {
      const bad = seizure.indexA >= count ? seizure.indexA : seizure.indexB;
      await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, seizure, 7n, GARBAGE_PROOF), JSON.stringify(seizure, (_, v) => (typeof v === "bigint" ? v.toString() : v)))
        .to.be.revertedWithCustomError(s.engine, "UnknownAsset")
        .withArgs(bad);
    }
    // The last configured slot is known: the seizure goes through.
    const last = { indexA: USDC, amountA: 100n * e6, indexB: count - 1, amountB: 0n };
    await expect(s.engine.connect(s.bob).liquidate(s.alice, s.epoch, last, 7n, GARBAGE_PROOF)).to.emit(s.engine, "Liquidated");
  });
});

describe("MarginEngine liquidation payments (accepting verifiers)", function () {
  const balanceOf = (w: World, slot: number, who: string): Promise<bigint> => w.d.tokens[slot]!.balanceOf(who);

  it("pays a partial close's realised profit from the pool into custody", async function () {
    const s = await networkHelpers.loadFixture(setup);
    // ETH back above Alice's $3,000 entry: the closed half of her long realises a profit.
    let epoch = await nextEpoch(s.w, new Map([[WETH, 3_100_00000000n]]));
    while ((await s.w.d.oracle.markPrice(ETH_PERP)) <= 3_000_00000000n) epoch = await nextEpoch(s.w);
    const [pool, custody] = [await s.engine.market(), await s.engine.getAddress()];
    const [poolBefore, custodyBefore] = [await balanceOf(s.w, USDC, pool), await balanceOf(s.w, USDC, custody)];
    const receipt = await (await (s.engine.connect(s.bob) as typeof s.engine).liquidatePartial(s.alice, epoch, 5_000, 0, SEIZE_NOTHING, 7n, GARBAGE_PROOF)).wait();
    const event = emitted(s.engine, receipt, "PartiallyLiquidated");
    const pnl = BigInt(event.realisedPnl);
    expect(pnl).to.be.above(0n);
    expect(await balanceOf(s.w, USDC, pool)).to.equal(poolBefore - pnl);
    expect(await balanceOf(s.w, USDC, custody)).to.equal(custodyBefore + pnl);
  });

  it("credits the liquidator each seized asset other than the settlement token, named in either slot, and the seized settlement tokens beyond its payment", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const bob = await s.bob.getAddress();
    const [usdc, weth] = [100n * e6, e18 / 100n];
    // The payment (the seized value less the bonus) is above the 100 seized USDC: Bob pays the rest.
    await fundFor(s.w, await s.engine.getAddress(), s.bob, new Map([[USDC, 1_000n * e6]]));
    for (const seizure of [
      { indexA: USDC, amountA: usdc, indexB: WETH, amountB: weth },
      { indexA: WETH, amountA: weth, indexB: USDC, amountB: usdc },
    ]) {
      const id = await networkHelpers.takeSnapshot();
      const receipt = await (await (s.engine.connect(s.bob) as typeof s.engine).liquidate(s.alice, s.epoch, seizure, 7n, GARBAGE_PROOF)).wait();
      const event = emitted(s.engine, receipt, "Liquidated");
      const payment = BigInt(event.payment);
      expect(await s.engine.claimableOf(bob, WETH), `WETH in slot ${seizure.indexB === WETH ? "B" : "A"}`).to.equal(weth);
      expect(await s.engine.claimableOf(bob, USDC)).to.equal(usdc > payment ? usdc - payment : 0n);
      await id.restore();
    }
  });

  it("repays a frozen seizure to the pool first, then the keeper's bond, then the insurance fund, each with its own transfer", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const fund = await s.engine.insuranceFund();
    const registry = await ethers.getContractAt("KeeperRegistry", await s.engine.keeperRegistry());
    // The fund holds 300 USDC: of the 1,000 USDC shortfall the keeper's bond advances its draw cap, the fund 300, the pool is owed the rest.
    await (await (s.w.d.tokens[USDC]! as TokenContract).mint(fund, 300n * e6)).wait();
    await (await (s.engine.connect(s.bob) as typeof s.engine).liquidate(s.alice, s.epoch, { indexA: USDC, amountA: 0n, indexB: WETH, amountB: 0n }, 7n, GARBAGE_PROOF)).wait();
    const st = await s.engine.settlementOf(s.alice);
    const debt = -BigInt(st.basketDelta);
    const [owedToPool, owedToKeeper] = [BigInt(st.owedToPool), BigInt(st.owedToKeeper)];
    expect(owedToPool).to.be.above(0n);
    expect(owedToKeeper).to.be.above(0n);
    expect(debt).to.be.above(owedToPool + owedToKeeper);
    await elapse(s.w, BigInt(await s.engine.seizeDelay()));
    const epoch = await nextEpoch(s.w);
    const pool = await s.engine.market();
    const registryAddress = await registry.getAddress();
    const before = [await balanceOf(s.w, USDC, pool), await balanceOf(s.w, USDC, registryAddress), await balanceOf(s.w, USDC, fund)];
    // Seizes `debt` USDC: at the auction's bonus the payment is below the debt and above what the pool and the bond are owed.
    const seizure = { indexA: USDC, amountA: debt, indexB: WETH, amountB: 0n };
    const receipt = await (await (s.engine.connect(s.bob) as typeof s.engine).seizeFrozen(s.alice, epoch, seizure, 8n, GARBAGE_PROOF)).wait();
    const event = emitted(s.engine, receipt, "FrozenSeized");
    const [toPool, toFund] = [BigInt(event.repaidToPool), BigInt(event.repaidToFund)];
    expect(toPool).to.equal(owedToPool);
    expect(toFund).to.be.above(0n);
    expect(await balanceOf(s.w, USDC, pool)).to.equal(before[0]! + toPool);
    expect(await balanceOf(s.w, USDC, registryAddress)).to.equal(before[1]! + owedToKeeper);
    expect(await balanceOf(s.w, USDC, fund)).to.equal(before[2]! + toFund);
    expect(await registry.bondOf(st.bondKeeper)).to.equal(await registry.bondAmount());
    // The liquidator is credited the seized USDC less what it paid.
    expect(await s.engine.claimableOf(await s.bob.getAddress(), USDC)).to.equal(debt - toPool - owedToKeeper - toFund);
  });
});

describe("MarginEngine #trade checks (accepting verifiers)", function () {
  it("names the traded market in MarketHalted when it grows there while an earlier open market is halted too", async function () {
    // The requirement at initial margin refuses every halted open market, the first one first; the trade's own
    // check refuses first, with the market the trader asked for. Here ETH-PERP (0) and BTC-PERP (1) are both halted.
    const s = await networkHelpers.loadFixture(setup);
    const [, , alice] = await ethers.getSigners();
    const a = s.engine.connect(alice!) as typeof s.engine;
    await (await a.trade(BTC_PERP, e18 / 10n, s.epoch, 301n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
    const epoch = await frozenEpoch(s.w, [WETH, WBTC]);
    for (const m of [ETH_PERP, BTC_PERP]) expect((await s.w.d.oracle.marketQuote(m))[3], `market ${m} halted`).to.equal(true);
    await expect(a.trade(BTC_PERP, e18 / 10n, epoch, 302n, GARBAGE_NOTE, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "MarketHalted")
      .withArgs(BTC_PERP);
    await expect(a.trade(ETH_PERP, e18, epoch, 303n, GARBAGE_NOTE, GARBAGE_PROOF))
      .to.be.revertedWithCustomError(s.engine, "MarketHalted")
      .withArgs(ETH_PERP);
    // Reducing the halted market still goes through (at maintenance margin).
    await expect(a.trade(BTC_PERP, -e18 / 20n, epoch, 304n, GARBAGE_NOTE, GARBAGE_PROOF)).to.emit(s.engine, "PositionChanged");
  });
});
