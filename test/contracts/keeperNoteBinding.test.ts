/**
 * The keeper note binding, on-chain: a valid account-update proof binds the ciphertext, the
 * ephemeral key, the keeper's key (through the keeper id the engine looks up) and the nonce through
 * the `challenge` and `binding` public inputs the engine computes. Sent with any one of them changed,
 * the same proof must be rejected by the engine's verifier (InvalidProof), not only refused by the
 * circuit's witness generator; sent unchanged, it is accepted.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import { network } from "hardhat";
import { emptyOpening } from "../../prover/src/account.js";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import type { EngineContract } from "../../prover/src/contracts.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { Prover } from "../../prover/src/prover.js";
import { createWorld, fund, registerKeeper, type World } from "../../scripts/lib/world.js";
import { e6, proveByHand, USDC, weightVectors, type HandProof } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const prover = new Prover();
const h = await initPoseidon();

interface Setup {
  w: World;
  bob: Signer;
  /** Bob's first deposit of 10 USDC, proved with a note to the world's keeper. */
  p: HandProof;
  epoch: bigint;
  /** A second active keeper, nameable by any account. */
  otherKeeperId: bigint;
}

async function setup(): Promise<Setup> {
  const w = await createWorld(ethers, { prover });
  const signers = await ethers.getSigners();
  const bob = signers[3]!;
  await fund(w, bob, new Map([[USDC, 100n * e6]]));
  const other = await registerKeeper(ethers, w.d, signers[signers.length - 2]!);
  const { initial } = await weightVectors(w.d.oracle);
  const p = await proveByHand(w, h, emptyOpening(BigInt(await bob.getAddress())), { index: USDC, amount: 10n * e6 }, 0n, initial);
  return { w, bob, p, epoch: BigInt(await w.d.oracle.currentEpoch()), otherKeeperId: other.keeperId };
}

const bump = (x: bigint): bigint => (x + 1n) % FIELD_MODULUS;

describe("MarginEngine keeper note binding", function () {
  after(async function () {
    await prover.close();
  });

  async function submit(s: Setup, note: HandProof["note"]): Promise<unknown> {
    const engine = s.w.d.engine.connect(s.bob) as EngineContract;
    return engine.deposit(USDC, 10n * e6, s.epoch, s.p.newCommitment, note, s.p.proof);
  }

  it("rejects the proof with InvalidProof when any one of the nine ciphertext elements is changed", async function () {
    const s = await networkHelpers.loadFixture(setup);
    for (let i = 0; i < 9; i++) {
      const ciphertext = [...s.p.note.ciphertext];
      ciphertext[i] = bump(ciphertext[i]!);
      await expect(submit(s, { ...s.p.note, ciphertext }), `ciphertext[${i}]`).to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
    }
  });

  it("rejects the proof with InvalidProof under another ephemeral key (either coordinate, or another valid point)", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const [x, y] = s.p.note.ephemeralKey;
    for (const ephemeralKey of [[bump(x!), y!], [x!, bump(y!)], [...s.w.keeper.key.publicKey]] as [bigint, bigint][]) {
      await expect(submit(s, { ...s.p.note, ephemeralKey }), `ephemeralKey ${ephemeralKey}`).to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
    }
  });

  it("rejects the proof with InvalidProof when the note names another registered, nameable keeper", async function () {
    const s = await networkHelpers.loadFixture(setup);
    expect(s.otherKeeperId).to.not.equal(s.p.note.keeperId);
    expect(await s.w.d.keeperRegistry.isNameable(s.otherKeeperId)).to.equal(true);
    await expect(submit(s, { ...s.p.note, keeperId: s.otherKeeperId })).to.be.revertedWithCustomError(s.w.d.engine, "InvalidProof");
  });

  it("accepts the same proof with the note it was made for, and logs that note", async function () {
    const s = await networkHelpers.loadFixture(setup);
    const who = await s.bob.getAddress();
    await expect(submit(s, s.p.note))
      .to.emit(s.w.d.engine, "KeeperNoteSent")
      .withArgs(who, s.p.note.keeperId, s.epoch, s.p.newCommitment, s.p.note.ephemeralKey, s.p.note.ciphertext);
  });
});
