/**
 * Keeper keys (prover/src/keeper/keys.ts): generation by rejection sampling, public keys and their
 * validation (agreeing with the on-chain BabyJubJub library), ECDH, and key files (mode 0600,
 * no silent overwrite, every malformed field named in the error).
 */
import { expect } from "chai";
import { buildBabyjub } from "circomlibjs";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import {
  BASE8,
  ecdh,
  generateKeeperKey,
  getBabyJub,
  IDENTITY,
  isValidPublicKey,
  loadKeeperKey,
  publicKeyError,
  publicKeyOf,
  randomScalar,
  saveKeeperKey,
  SUB_ORDER,
  type Point,
} from "../../prover/src/keeper/index.js";
import type { BabyJubJubHarness } from "../../types/ethers-contracts/index.js";

const { ethers } = await network.create();

const P = FIELD_MODULUS;
const raw = await buildBabyjub();
const bj = await getBabyJub();
const GENERATOR: Point = [raw.F.toObject(raw.Generator[0]) as bigint, raw.F.toObject(raw.Generator[1]) as bigint];
const T8 = bj.mul(SUB_ORDER, GENERATOR);
/** circomlibjs directly, without the keys.ts wrapper. */
const rawMul = (s: bigint, q: Point): Point => {
  const r = raw.mulPointEscalar([raw.F.e(q[0]), raw.F.e(q[1])], s);
  return [raw.F.toObject(r[0]) as bigint, raw.F.toObject(r[1]) as bigint];
};

const tmp = (): string => mkdtempSync(join(tmpdir(), "plimsoll-keeper-key-"));

describe("keeper keys", function () {
  describe("randomScalar", function () {
    it("draws 2,000 scalars in [1, subOrder), with full-width ones among them and no repeats", function () {
      const draws = Array.from({ length: 2_000 }, randomScalar);
      for (const s of draws) expect(s > 0n && s < SUB_ORDER, `scalar ${s}`).to.equal(true);
      expect(new Set(draws).size).to.equal(draws.length);
      // A uniform scalar below subOrder (about 1.51 * 2^250) is at least 2^250 with probability 0.339:
      // about 678 of 2,000 (standard deviation 21; the bounds are 4.6 deviations away).
      const top = draws.filter((s) => s >= 1n << 250n).length;
      expect(top).to.be.within(580, 780);
    });
  });

  describe("generateKeeperKey and publicKeyOf", function () {
    it("generates a private key below subOrder whose public key is privateKey * Base8 (checked with circomlibjs directly)", async function () {
      for (let i = 0; i < 5; i++) {
        const key = await generateKeeperKey();
        expect(key.privateKey > 0n && key.privateKey < SUB_ORDER).to.equal(true);
        expect(key.publicKey).to.deep.equal(rawMul(key.privateKey, BASE8));
        expect(await isValidPublicKey(key.publicKey)).to.equal(true);
      }
    });

    it("maps 1 to Base8 and subOrder - 1 to -Base8", async function () {
      expect(await publicKeyOf(1n)).to.deep.equal(BASE8);
      expect(await publicKeyOf(SUB_ORDER - 1n)).to.deep.equal([P - BASE8[0], BASE8[1]]);
    });

    it("rejects a private key of 0, negative, or not below subOrder, naming privateKey", async function () {
      for (const [k, reason] of [
        [0n, "privateKey is not positive"],
        [-5n, "privateKey is not positive"],
        [SUB_ORDER, "privateKey is not below the subgroup order"],
        [SUB_ORDER + 1n, "privateKey is not below the subgroup order"],
      ] as const) {
        let error: Error | undefined;
        try {
          await publicKeyOf(k);
        } catch (e) {
          error = e as Error;
        }
        expect(error?.message, `privateKey ${k}`).to.equal(reason);
      }
    });
  });

  describe("isValidPublicKey", function () {
    it("names the reason a point is not a valid key", async function () {
      const key = (await generateKeeperKey()).publicKey;
      const cases: [Point, string][] = [
        [IDENTITY, "publicKey is the identity"],
        [[0n, P - 1n], "publicKey is not in the prime-order subgroup"],
        [T8, "publicKey is not in the prime-order subgroup"],
        [bj.add(key, T8), "publicKey is not in the prime-order subgroup"],
        [[key[0], key[1] + 1n], "publicKey is not on the Baby Jubjub curve"],
        [[key[0] + P, key[1]], "publicKey[0] is not below the field modulus"],
        [[key[0], -1n], "publicKey[1] is negative"],
      ];
      for (const [q, reason] of cases) {
        expect(await publicKeyError(q), reason).to.equal(reason);
        expect(await isValidPublicKey(q)).to.equal(false);
      }
      expect(await publicKeyError([1n] as unknown as Point)).to.equal("publicKey is not a pair [x, y]");
      expect(await publicKeyError([1n, 2] as unknown as Point)).to.equal("publicKey[1] is not a bigint");
      expect(await publicKeyError(key)).to.equal(undefined);
    });

    it("agrees with the on-chain BabyJubJub.isInSubgroup on keys, torsion, shifted keys and aliases", async function () {
      const lib = (await ethers.deployContract("BabyJubJubHarness")) as unknown as BabyJubJubHarness;
      const pts: Point[] = [IDENTITY, [0n, P - 1n], BASE8, [BASE8[0] + P, BASE8[1]], [1n, 1n]];
      for (let k = 1n; k < 8n; k++) pts.push(bj.mul(k, T8));
      for (let i = 0; i < 8; i++) {
        const key = (await generateKeeperKey()).publicKey;
        pts.push(key, bj.add(key, bj.mul(BigInt(1 + i % 7), T8)));
      }
      const [, onChain] = await lib.classify(pts.map((q) => [q[0], q[1]]));
      const offChain = await Promise.all(pts.map(isValidPublicKey));
      expect(onChain).to.deep.equal(offChain);
      expect(offChain.filter((b) => b).length).to.equal(9);
    });
  });

  describe("ecdh", function () {
    it("gives both sides the same point: a * (b * Base8) = b * (a * Base8)", async function () {
      for (let i = 0; i < 5; i++) {
        const a = await generateKeeperKey();
        const b = await generateKeeperKey();
        const shared = await ecdh(a.privateKey, b.publicKey);
        expect(await ecdh(b.privateKey, a.publicKey)).to.deep.equal(shared);
        expect(shared).to.deep.equal(rawMul((a.privateKey * b.privateKey) % SUB_ORDER, BASE8));
      }
    });

    it("refuses a low-order or off-curve public key and a bad private key, naming the field", async function () {
      const a = await generateKeeperKey();
      await expectRejection(ecdh(a.privateKey, T8), "publicKey is not in the prime-order subgroup");
      await expectRejection(ecdh(a.privateKey, IDENTITY), "publicKey is the identity");
      await expectRejection(ecdh(a.privateKey, [1n, 1n]), "publicKey is not on the Baby Jubjub curve");
      await expectRejection(ecdh(0n, a.publicKey), "privateKey is not positive");
    });
  });

  describe("key files", function () {
    it("round-trips a key through a file of mode 0600", async function () {
      const path = join(tmp(), "nested", "keeper.json");
      const key = await generateKeeperKey();
      await saveKeeperKey(path, key);
      if (process.platform !== "win32") expect(statSync(path).mode & 0o777).to.equal(0o600);
      expect(await loadKeeperKey(path)).to.deep.equal(key);
      const doc = JSON.parse(readFileSync(path, "utf8"));
      expect(doc).to.deep.equal({
        version: 1,
        curve: "babyjubjub",
        privateKey: key.privateKey.toString(),
        publicKey: [key.publicKey[0].toString(), key.publicKey[1].toString()],
      });
    });

    it("refuses to overwrite a key file unless asked", async function () {
      const path = join(tmp(), "keeper.json");
      const first = await generateKeeperKey();
      const second = await generateKeeperKey();
      await saveKeeperKey(path, first);
      await expectRejection(saveKeeperKey(path, second), `${path}: a key file already exists (pass overwrite to replace it)`);
      expect(await loadKeeperKey(path)).to.deep.equal(first);
      await saveKeeperKey(path, second, { overwrite: true });
      expect(await loadKeeperKey(path)).to.deep.equal(second);
    });

    it("refuses to save a public key that is not privateKey * Base8", async function () {
      const key = await generateKeeperKey();
      await expectRejection(saveKeeperKey(join(tmp(), "k.json"), { ...key, publicKey: BASE8 }), "publicKey does not match privateKey * Base8");
    });

    it("refuses a key file that group or others can read, unless allowed", async function () {
      const path = join(tmp(), "keeper.json");
      const key = await generateKeeperKey();
      await saveKeeperKey(path, key);
      chmodSync(path, 0o644);
      await expectRejection(loadKeeperKey(path), `${path}: permissions 644 are too open for a private key (chmod 600 ${path})`);
      expect(await loadKeeperKey(path, { allowInsecurePermissions: true })).to.deep.equal(key);
    });

    it("names the file and the field of every malformed entry", async function () {
      const dir = tmp();
      const key = await generateKeeperKey();
      const good = {
        version: 1,
        curve: "babyjubjub",
        privateKey: key.privateKey.toString(),
        publicKey: [key.publicKey[0].toString(), key.publicKey[1].toString()],
      };
      const cases: [string, unknown, string][] = [
        ["json", "{not json", "not valid JSON"],
        ["array", [], "not a JSON object"],
        ["version", { ...good, version: 2 }, "version is 2, expected 1"],
        ["curve", { ...good, curve: "ed25519" }, 'curve is "ed25519", expected "babyjubjub"'],
        ["hex", { ...good, privateKey: "0x12" }, "privateKey is not a non-negative decimal integer string"],
        ["number", { ...good, privateKey: 12 }, "privateKey is not a non-negative decimal integer string"],
        ["zero", { ...good, privateKey: "0" }, "privateKey is not positive"],
        ["order", { ...good, privateKey: SUB_ORDER.toString() }, "privateKey is not below the subgroup order"],
        ["pair", { ...good, publicKey: [good.publicKey[0]] }, "publicKey is not a pair [x, y]"],
        ["coordinate", { ...good, publicKey: [good.publicKey[0], "-1"] }, "publicKey[1] is not a non-negative decimal integer string"],
        ["mismatch", { ...good, publicKey: [BASE8[0].toString(), BASE8[1].toString()] }, "publicKey does not match privateKey * Base8"],
      ];
      for (const [name, content, reason] of cases) {
        const path = join(dir, `${name}.json`);
        writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content), { mode: 0o600 });
        chmodSync(path, 0o600);
        await expectRejection(loadKeeperKey(path), `${path}: ${reason}`, true);
      }
      await expectRejection(loadKeeperKey(join(dir, "absent.json")), `${join(dir, "absent.json")}: no key file`);
    });
  });
});

/** Asserts that `promise` rejects with `message` (or a message starting with it when `prefix`). */
async function expectRejection(promise: Promise<unknown>, message: string, prefix = false): Promise<void> {
  let error: Error | undefined;
  try {
    await promise;
  } catch (e) {
    error = e as Error;
  }
  expect(error, `expected a rejection: ${message}`).to.not.equal(undefined);
  if (prefix) expect(error!.message.startsWith(message), `${error!.message} should start with ${message}`).to.equal(true);
  else expect(error!.message).to.equal(message);
}
