/**
 * Isolated sub-accounts (contracts/accounts/): an owner's sub-account is an EIP-1167 clone carrying its
 * owner, at the CREATE2 address the library predicts; only the owner drives it (every entry point called
 * by another address reverts with `NotOwner`), it has no setter and no admin, a token calling back into it
 * gets nowhere, and two sub-accounts of one owner are two engine accounts: a crash liquidates one, the
 * other (its own commitment, position, lease and keeper) is untouched. Real proofs except in the
 * reentrancy test, whose engine accepts every proof (as test/contracts/reentrancy.test.ts).
 */
import { expect } from "chai";
import { Contract, getCreate2Address, keccak256, zeroPadValue, toBeHex, type Signer } from "ethers";
import { network } from "hardhat";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { planLiquidation, readAuction, readLiquidationRules, readSeizureMarket, submitLiquidation } from "../../prover/src/liquidation/index.js";
import { SolventAccountError } from "../../prover/src/liquidation/witness.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { SUB_ACCOUNT_ABI, subAccountAddress, subAccountInitCode } from "../../prover/src/subAccounts.js";
import { createWorld, INSOLVENCY_ARTIFACTS, nextEpoch, now, registerKeeper, seedPool, type World } from "../../scripts/lib/world.js";
import type { QuirkyERC20, ReentrantERC20, SubAccount, SubAccountFactory } from "../../types/ethers-contracts/index.js";
import { createCustomWorld, deployAcceptingEngine, e18, e6, ETH_PERP, GARBAGE_NOTE, GARBAGE_PROOF, traderAt, USDC, WETH } from "../contracts/helpers.js";
import { createSub, subTrader } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();
const h = await initPoseidon();
const ENCRYPTED = { ephemeralKey: [1n, 2n] as [bigint, bigint], ciphertext: [3n, 4n] as [bigint, bigint] };

async function base(): Promise<{ w: World; factory: SubAccountFactory; owner: Signer; other: Signer }> {
  const w = await createWorld(ethers, { prover });
  const [, lp, owner, other] = await ethers.getSigners();
  await seedPool(w, lp!, 1_000_000n * e6);
  return { w, factory: w.d.subAccountFactory as unknown as SubAccountFactory, owner: owner!, other: other! };
}

/** Every state-changing entry point of a sub-account, called with meaningless arguments. */
function entryPoints(sub: SubAccount, token: string): [string, () => Promise<unknown>][] {
  return [
    ["deposit", () => sub.deposit(USDC, 1n, 1n, 5n, GARBAGE_NOTE, GARBAGE_PROOF)],
    ["withdraw", () => sub.withdraw(USDC, 1n, 1n, 5n, GARBAGE_NOTE, GARBAGE_PROOF)],
    ["trade", () => sub.trade(ETH_PERP, 1n, 1n, 5n, GARBAGE_NOTE, GARBAGE_PROOF)],
    ["renewLease", () => sub.renewLease(1n, 5n, GARBAGE_NOTE, GARBAGE_PROOF)],
    ["settle", () => sub.settle(1n, 5n, GARBAGE_NOTE, GARBAGE_PROOF)],
    ["absorbNote", () => sub.absorbNote(1n, 5n, GARBAGE_NOTE, GARBAGE_PROOF, 1n, 1n)],
    ["emitNote", () => sub.emitNote(1n, 5n, GARBAGE_NOTE, GARBAGE_PROOF, 1n, ENCRYPTED)],
    ["sweep", () => sub.sweep(token)],
  ];
}

describe("Sub-accounts", function () {
  after(async function () {
    await prover.close();
  });

  describe("SubAccountFactory #create", function () {
    it("creates the owner's sub-account at the CREATE2 address the library predicts, as a 65-byte clone ending with its owner", async function () {
      const { w, factory, owner, other } = await networkHelpers.loadFixture(base);
      const f = await factory.getAddress();
      const impl = await factory.implementation();
      const o = await owner.getAddress();
      for (const index of [0n, 1n, 2n ** 32n - 1n]) {
        const predicted = subAccountAddress(f, impl, o, index);
        // The library's formula, spelled out: keccak(0xff ++ factory ++ salt ++ keccak(initCode)).
        expect(predicted).to.equal(getCreate2Address(f, zeroPadValue(toBeHex(index), 32), keccak256(subAccountInitCode(impl, o))));
        expect(await factory.subAccountOf(o, index)).to.equal(predicted);
        await expect(factory.connect(owner).create(index)).to.emit(factory, "SubAccountCreated").withArgs(o, index, predicted);
        const code = await ethers.provider.getCode(predicted);
        expect(code).to.equal(`0x363d3d373d3d3d363d73${impl.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3${o.slice(2).toLowerCase()}`);
        const sub = (await ethers.getContractAt("SubAccount", predicted)) as unknown as SubAccount;
        expect(await sub.owner()).to.equal(o);
        expect(await sub.engine()).to.equal(await w.d.engine.getAddress());
      }
      // Another owner's index 0 is another address; the implementation itself has no owner.
      expect(await factory.subAccountOf(await other.getAddress(), 0n)).to.not.equal(await factory.subAccountOf(o, 0n));
      expect(await ((await ethers.getContractAt("SubAccount", impl)) as unknown as SubAccount).owner()).to.equal(ethers.ZeroAddress);
    });

    it("refuses to create a sub-account twice, and only the caller's own: another address's create lands elsewhere", async function () {
      const { factory, owner, other } = await networkHelpers.loadFixture(base);
      const o = await owner.getAddress();
      const first = await factory.subAccountOf(o, 7n);
      await (await factory.connect(owner).create(7n)).wait();
      await expect(factory.connect(owner).create(7n)).to.be.revertedWithCustomError(factory, "SubAccountExists").withArgs(o, 7n, first);
      // Checked before CREATE2 (whose collision would burn the gas it was given): 40,000 gas cannot pay CREATE2's 32,000.
      await expect(factory.connect(owner).create(7n, { gasLimit: 40_000n })).to.be.revertedWithCustomError(factory, "SubAccountExists").withArgs(o, 7n, first);
      await (await factory.connect(other).create(7n)).wait();
      const sub = (await ethers.getContractAt("SubAccount", await factory.subAccountOf(await other.getAddress(), 7n))) as unknown as SubAccount;
      expect(await sub.owner()).to.equal(await other.getAddress());
      expect(await ((await ethers.getContractAt("SubAccount", first)) as unknown as SubAccount).owner()).to.equal(o);
    });

    it("never returns address 0: a CREATE2 that runs out of gas reverts SubAccountExists(owner, index, predicted)", async function () {
      // A factory of its own (its engine is never called at creation). Below the estimate, some gas limits leave
      // the clone's code deposit short of gas while the factory keeps its 1/64 (EIP-150): CREATE2 returns 0 there.
      const [, owner] = await ethers.getSigners();
      const f = (await ethers.deployContract("SubAccountFactory", [await owner!.getAddress()])) as unknown as SubAccountFactory;
      const o = await owner!.getAddress();
      const predicted = await f.subAccountOf(o, 3n);
      const estimate = await f.connect(owner!).create.estimateGas(3n);
      const exists = f.interface.encodeErrorResult("SubAccountExists", [o, 3n, predicted]);
      let hits = 0;
      for (let g = estimate - 50n; g > estimate - 15_000n; g -= 50n) {
        const data = await f.connect(owner!).create.staticCall(3n, { gasLimit: g }).then(
          (r) => expect.fail(`create succeeded with ${g} gas, returning ${r}`),
          (e: { data?: string }) => e.data,
        );
        if (data === exists) hits++;
      }
      expect(hits).to.be.above(0);
      await (await f.connect(owner!).create(3n, { gasLimit: estimate })).wait();
      expect(await ethers.provider.getCode(predicted)).to.have.length(2 + 2 * 65);
    });
  });

  describe("SubAccount: only the owner", function () {
    it("reverts every entry point called by another address with NotOwner(caller, owner), and every call of the implementation", async function () {
      const { w, factory, owner, other } = await networkHelpers.loadFixture(base);
      const { address } = await createSub(w, owner, 0n);
      const token = await w.d.tokens[USDC]!.getAddress();
      const sub = (await ethers.getContractAt("SubAccount", address)) as unknown as SubAccount;
      const [o, x] = [await owner.getAddress(), await other.getAddress()];
      for (const [name, call] of entryPoints(sub.connect(other), token)) {
        await expect(call(), name).to.be.revertedWithCustomError(sub, "NotOwner").withArgs(x, o);
      }
      const impl = (await ethers.getContractAt("SubAccount", await factory.implementation())) as unknown as SubAccount;
      for (const who of [owner, other]) {
        for (const [name, call] of entryPoints(impl.connect(who), token)) {
          await expect(call(), `implementation ${name}`).to.be.revertedWithCustomError(impl, "NotOwner").withArgs(await who.getAddress(), ethers.ZeroAddress);
        }
      }
      // The owner's own call gets past the check (and stops at the engine, whose proof check fails).
      await expect(sub.connect(owner).renewLease(BigInt(await w.d.oracle.currentEpoch()), 5n, GARBAGE_NOTE, GARBAGE_PROOF)).to.be.revertedWithCustomError(w.d.engine, "InvalidProof");
    });

    it("has no setter, no admin, no owner transfer and no generic call, and refuses ether", async function () {
      const { w, factory, owner } = await networkHelpers.loadFixture(base);
      const { address } = await createSub(w, owner, 0n);
      const fns = (c: { interface: { fragments: readonly { type: string; name?: string }[] } }) => c.interface.fragments.filter((f) => f.type === "function").map((f) => f.name).sort();
      const sub = (await ethers.getContractAt("SubAccount", address)) as unknown as SubAccount;
      expect(fns(sub)).to.deep.equal(["absorbNote", "deposit", "emitNote", "engine", "owner", "renewLease", "settle", "sweep", "trade", "withdraw"]);
      expect(fns(factory)).to.deep.equal(["create", "engine", "implementation", "subAccountOf"]);
      // The library's ABI is the contract's.
      expect(fns(new Contract(address, SUB_ACCOUNT_ABI))).to.deep.equal(fns(sub));
      for (const f of [...sub.interface.fragments, ...factory.interface.fragments].filter((x) => x.type === "function")) {
        expect((f as { payable?: boolean }).payable, f.format()).to.equal(false);
      }
      // No storage: a clone's first slots are empty after creation.
      for (let slot = 0; slot < 4; slot++) expect(await ethers.provider.getStorage(address, slot)).to.equal(ethers.ZeroHash);
      await expect(owner.sendTransaction({ to: address, value: 1n })).to.revert(ethers);
    });

    it("sends tokens that arrive at it to its owner only (sweep), emitting Swept", async function () {
      const { w, owner } = await networkHelpers.loadFixture(base);
      const { address } = await createSub(w, owner, 0n);
      const usdc = w.d.tokens[USDC]! as TokenContract;
      await (await usdc.mint(address, 123n)).wait();
      const sub = (await ethers.getContractAt("SubAccount", address)) as unknown as SubAccount;
      const o = await owner.getAddress();
      const before = BigInt(await usdc.balanceOf(o));
      await expect(sub.connect(owner).sweep(await usdc.getAddress())).to.emit(sub, "Swept").withArgs(await usdc.getAddress(), o, 123n);
      expect(await usdc.balanceOf(o)).to.equal(before + 123n);
      expect(await usdc.balanceOf(address)).to.equal(0n);
    });
  });

  describe("two sub-accounts of one owner", function () {
    it("are isolated: a crash liquidates one, the other keeps its commitment, position, lease and keeper; the owner recovers the remainder", async function () {
      this.timeout(600_000);
      const { w, owner } = await networkHelpers.loadFixture(base);
      const [, , , , liquidator] = await ethers.getSigners();
      const keeper2 = await registerKeeper(ethers, w.d, (await ethers.getSigners())[5]);
      const a = await createSub(w, owner, 0n);
      const b = await createSub(w, owner, 1n);
      const usdc = w.d.tokens[USDC]!.connect(owner) as TokenContract;
      const weth = w.d.tokens[WETH]!.connect(owner) as TokenContract;
      await (await usdc.mint(await owner.getAddress(), 10_000n * e6)).wait();
      await (await weth.mint(await owner.getAddress(), e18)).wait();
      for (const [t, to, amount] of [[usdc, a.address, 5_000n * e6], [weth, a.address, e18], [usdc, b.address, 5_000n * e6]] as const) await (await t.approve(to, amount)).wait();
      const tA = await subTrader(w, owner, a.address);
      const tB = await subTrader(w, owner, b.address, { keeper: { keeperId: keeper2.keeperId, key: keeper2.key.publicKey } });
      const ownerUsdc = BigInt(await usdc.balanceOf(await owner.getAddress()));
      await tA.deposit(USDC, 5_000n * e6);
      await tA.deposit(WETH, e18);
      await tB.deposit(USDC, 5_000n * e6);
      expect(await usdc.balanceOf(await owner.getAddress())).to.equal(ownerUsdc - 10_000n * e6);
      await tA.trade(ETH_PERP, 10n * e18);
      await tB.trade(ETH_PERP, e18 / 2n);
      // Each is its own engine account, with its own keeper; the owner's own account is untouched.
      expect((await w.d.engine.accountOf(a.address)).keeperId).to.equal(w.keeper.keeperId);
      expect((await w.d.engine.accountOf(b.address)).keeperId).to.equal(keeper2.keeperId);
      expect(await w.d.engine.commitmentOf(await owner.getAddress())).to.equal(await w.d.engine.emptyCommitment(await owner.getAddress()));
      // ETH falls to $2,500: A (long 10 on 5,000 USDC and 1 WETH) is insolvent, B (long 0.5 on 5,000 USDC) is not.
      await nextEpoch(w, new Map([[WETH, 2_500_00000000n]]));
      while (BigInt(await w.d.oracle.assetMark(WETH)) !== 2_500_00000000n) await nextEpoch(w);
      const liq = await liquidator!.getAddress();
      await (await (w.d.tokens[USDC]!.connect(liquidator!) as TokenContract).mint(liq, 100_000n * e6)).wait();
      await (await (w.d.tokens[USDC]!.connect(liquidator!) as TokenContract).approve(await w.d.engine.getAddress(), 100_000n * e6)).wait();
      const plan = async (t: typeof tA, account: string) => {
        const view = await t.view();
        const rules = await readLiquidationRules(w.d.engine);
        const { factor } = await readAuction(w.d.engine, rules, account, await now(w));
        return { view, p: planLiquidation(h, { opening: t.opening, view, market: await readSeizureMarket(w.d.oracle, USDC), liquidator: liq, quoteDecimals: 6, rules, bonusBps: factor }) };
      };
      const solvent = await plan(tB, b.address).then(() => undefined, (err: unknown) => err);
      expect(solvent).to.be.instanceOf(SolventAccountError);
      const { view, p } = await plan(tA, a.address);
      const bBefore = { account: await w.d.engine.accountOf(b.address), position: await w.d.engine.positionOf(b.address, ETH_PERP), lease: await w.d.engine.leaseOf(b.address) };
      const wethBefore = BigInt(await (w.d.tokens[WETH]! as TokenContract).balanceOf(liq));
      await submitLiquidation({ engine: w.d.engine, liquidator: liquidator!, prover, artifacts: INSOLVENCY_ARTIFACTS, account: a.address, epoch: view.epoch, plan: p });
      expect((await w.d.engine.accountOf(a.address)).commitment).to.equal(p.remainderCommitment);
      // The seizure went to the liquidator (credited, then claimed), not to the sub-account or its owner.
      const seizedWeth = p.seizures.filter((x) => x.index === WETH).reduce((s, x) => s + x.amount, 0n);
      expect(await w.d.engine.claimableOf!(liq, WETH)).to.equal(seizedWeth);
      if (seizedWeth > 0n) await (await (w.d.engine.connect(liquidator!) as typeof w.d.engine).claim!(WETH, liq)).wait();
      expect(await (w.d.tokens[WETH]! as TokenContract).balanceOf(liq)).to.equal(wethBefore + seizedWeth);
      expect(await (w.d.tokens[WETH]! as TokenContract).balanceOf(a.address)).to.equal(0n);

      // B is untouched.
      expect(await w.d.engine.accountOf(b.address)).to.deep.equal(bBefore.account);
      expect(await w.d.engine.positionOf(b.address, ETH_PERP)).to.deep.equal(bBefore.position);
      expect(await w.d.engine.leaseOf(b.address)).to.deep.equal(bBefore.lease);
      // The owner recomputes A's remainder alone (a fresh Trader on A's store) and B still loads its own opening.
      const store = (tA as unknown as { o: { store: import("../../prover/src/store.js").OpeningStore } }).o.store;
      const reloaded = await subTrader(w, owner, a.address, { store });
      expect(accountCommitment(h, reloaded.opening.amounts, reloaded.opening.blinding, reloaded.opening.owner)).to.equal(p.remainderCommitment);
      expect(reloaded.opening.owner).to.equal(BigInt(a.address));
      expect((await tB.renewLease()).action).to.equal("renewLease");
    });

    it("measures a sub-account's creation and forwarding against a direct account (printed)", async function () {
      this.timeout(600_000);
      const { w, factory, owner, other } = await networkHelpers.loadFixture(base);
      const warm = (await ethers.getSigners())[4]!;
      const created = await createSub(w, owner, 0n);
      const implDeploy = await (await ethers.getContractFactory("SubAccount")).getDeployTransaction(await w.d.engine.getAddress());
      const implGas = await ethers.provider.estimateGas(implDeploy);
      const usdc = w.d.tokens[USDC]! as TokenContract;
      for (const [who, spender] of [[owner, created.address], [other, await w.d.engine.getAddress()], [warm, await w.d.engine.getAddress()]] as const) {
        await (await (usdc.connect(who) as TokenContract).mint(await who.getAddress(), 2_000n * e6)).wait();
        await (await (usdc.connect(who) as TokenContract).approve(spender, 2_000n * e6)).wait();
      }
      const sub = await subTrader(w, owner, created.address);
      const direct = await traderAt(w, other);
      // A third account first writes every shared slot (the engine's balance, the market's open interest), so that
      // the two measured accounts start from the same state.
      const first = await traderAt(w, warm);
      await first.deposit(USDC, 2_000n * e6);
      await first.trade(ETH_PERP, e18 / 10n);
      // A first deposit each (fresh accounts), then a second, a trade and a withdrawal each.
      const rows: [string, bigint, bigint][] = [];
      const pair = async (name: string, f: (t: typeof sub) => Promise<{ gasUsed: bigint }>) => rows.push([name, (await f(direct)).gasUsed, (await f(sub)).gasUsed]);
      await pair("deposit (first)", (t) => t.deposit(USDC, 1_000n * e6));
      await pair("deposit", (t) => t.deposit(USDC, 1_000n * e6));
      await pair("trade (open)", (t) => t.trade(ETH_PERP, e18 / 10n));
      await pair("renewLease", (t) => t.renewLease());
      await pair("withdraw", (t) => t.withdraw(USDC, 100n * e6));
      console.log(`      sub-account creation (EIP-1167 clone through the factory): ${created.gasUsed} gas; a full SubAccount contract would cost ${implGas} gas to deploy (estimateGas)`);
      for (const [name, d, s] of rows) console.log(`      ${name.padEnd(16)} direct ${d}  via sub-account ${s}  overhead ${s - d} (${((Number(s - d) / Number(d)) * 100).toFixed(1)}%)`);
      expect(created.gasUsed).to.be.lessThan(implGas);
      for (const [name, d, s] of rows) expect(s - d, name).to.be.within(0n, 40_000n);
      // Withdrawn tokens reached the owner, none stayed in the sub-account.
      expect(await usdc.balanceOf(created.address)).to.equal(0n);
      expect(await usdc.balanceOf(await owner.getAddress())).to.equal(100n * e6);
      void factory;
    });
  });

  /** A world whose slot 0 is `token` (6 decimals) beside WETH, an engine that accepts every proof, its sub-account factory, and the owner. */
  async function acceptingWorld(token: TokenContract | ReentrantERC20 | QuirkyERC20, symbol: string) {
    const weth = await ethers.deployContract("MockERC20", ["Mock WETH", "WETH", 18]);
    const w = await createCustomWorld(ethers, prover, [
      { symbol, decimals: 6, price: 1_00000000n, annualVol: 0.05, token },
      { symbol: "WETH", decimals: 18, price: 3_000_00000000n, annualVol: 0.8, token: weth },
    ], [{ symbol: "ETH-PERP", underlying: 1 }]);
    const { engine } = await deployAcceptingEngine(ethers, w);
    const factory = (await ethers.deployContract("SubAccountFactory", [await engine.getAddress()])) as unknown as SubAccountFactory;
    const [, owner] = await ethers.getSigners();
    return { w, engine, factory, owner: owner! };
  }

  describe("a token that calls back", function () {
    it("cannot drive a sub-account from inside the deposit's transfer: each call reverts with NotOwner(token, owner)", async function () {
      const token = (await ethers.deployContract("ReentrantERC20", ["Reentrant USD", "rUSD", 6])) as unknown as ReentrantERC20;
      const { w, engine, factory, owner } = await acceptingWorld(token, "rUSD");
      const o = await owner!.getAddress();
      const { address } = await createSub(w, owner!, 0n, factory as unknown as Contract);
      const sub = (await ethers.getContractAt("SubAccount", address)) as unknown as SubAccount;
      await (await token.mint(o, 1_000n * e6)).wait();
      await (await token.connect(owner!).approve(address, 1_000n * e6)).wait();
      const epoch = BigInt(await w.d.oracle.currentEpoch());
      const calls = [
        sub.interface.encodeFunctionData("withdraw", [0, 1_000n * e6, epoch, 7n, GARBAGE_NOTE, GARBAGE_PROOF]),
        sub.interface.encodeFunctionData("sweep", [await token.getAddress()]),
        sub.interface.encodeFunctionData("deposit", [0, 1n, epoch, 8n, GARBAGE_NOTE, GARBAGE_PROOF]),
      ];
      await (await token.arm(address, calls)).wait();
      await (await sub.connect(owner!).deposit(0, 1_000n * e6, epoch, 6n, GARBAGE_NOTE, GARBAGE_PROOF)).wait();
      expect(await token.resultCount()).to.equal(3n);
      const notOwner = sub.interface.encodeErrorResult("NotOwner", [await token.getAddress(), o]);
      for (let i = 0; i < 3; i++) {
        expect(await token.succeeded(i)).to.equal(false);
        expect(await token.results(i)).to.equal(notOwner);
      }
      // The outer deposit completed: the engine holds the tokens for the sub-account, whose allowance is spent.
      expect(await token.balanceOf(await engine.getAddress())).to.equal(1_000n * e6);
      expect(await token.balanceOf(address)).to.equal(0n);
      expect(await token.allowance(address, await engine.getAddress())).to.equal(0n);
      expect((await (engine as unknown as EngineContract).accountOf(address)).commitment).to.equal(6n);
    });
  });
  describe("a token whose approve misbehaves", function () {
    /** QuirkyERC20.Mode */
    const Mode = { Standard: 0n, ReturnsFalse: 1n, ReturnsNothing: 2n, Reverts: 3n } as const;

    /** A world whose slot 0 is a QuirkyERC20, an engine that accepts every proof, and the owner's sub-account funded and approved. */
    async function quirkyApprove(): Promise<{ sub: SubAccount; token: QuirkyERC20; engine: string; owner: Signer; epoch: bigint }> {
      const token = (await ethers.deployContract("QuirkyERC20", [6])) as unknown as QuirkyERC20;
      const { w, engine, factory, owner } = await acceptingWorld(token, "QRK");
      const { address } = await createSub(w, owner!, 0n, factory as unknown as Contract);
      await (await token.mint(await owner!.getAddress(), 1_000n * e6)).wait();
      await (await token.connect(owner!).approve(address, 1_000n * e6)).wait();
      const sub = (await ethers.getContractAt("SubAccount", address)) as unknown as SubAccount;
      return { sub, token, engine: await engine.getAddress(), owner: owner!, epoch: BigInt(await w.d.oracle.currentEpoch()) };
    }

    it("reverts ApproveFailed(token, engine, amount) when approve returns false or reverts, and deposits when it returns nothing (USDT-style)", async function () {
      const { sub, token, engine, owner, epoch } = await networkHelpers.loadFixture(quirkyApprove);
      const t = await token.getAddress();
      const deposit = () => sub.connect(owner).deposit(0, 1_000n * e6, epoch, 6n, GARBAGE_NOTE, GARBAGE_PROOF);
      for (const mode of [Mode.ReturnsFalse, Mode.Reverts]) {
        await (await token.setApproveMode(mode)).wait();
        await expect(deposit()).to.be.revertedWithCustomError(sub, "ApproveFailed").withArgs(t, engine, 1_000n * e6);
      }
      await (await token.setApproveMode(Mode.ReturnsNothing)).wait();
      await (await deposit()).wait();
      expect(await token.balanceOf(engine)).to.equal(1_000n * e6);
      expect(await token.balanceOf(await sub.getAddress())).to.equal(0n);
      expect(await token.allowance(await sub.getAddress(), engine)).to.equal(0n);
    });
  });
});
