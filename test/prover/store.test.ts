import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyOpening, randomBlinding, type AccountOpening } from "../../prover/src/account.js";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import { OpeningStore, type AccountKey } from "../../prover/src/store.js";

describe("OpeningStore", function () {
  const key: AccountKey = { chainId: 31337n, engine: "0x00000000000000000000000000000000000000E1", owner: "0x00000000000000000000000000000000000000A1" };
  const owner = BigInt(key.owner);
  const current: AccountOpening = { ...emptyOpening(owner), blinding: 7n };
  const next: AccountOpening = { owner, amounts: current.amounts.map((_, i) => (i === 2 ? 5n : 0n)), blinding: 9n };
  const fresh = (): OpeningStore => new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-store-")));

  it("returns nothing for an account it has never seen", function () {
    expect(fresh().load(key, 1n)).to.equal(undefined);
  });

  it("round-trips a confirmed opening", function () {
    const store = fresh();
    store.save(key, next, 222n);
    expect(store.load(key, 222n)).to.deep.equal(next);
  });

  it("promotes a pending opening when the chain holds its commitment (the transaction landed before a crash)", function () {
    const store = fresh();
    store.savePending(key, current, 111n, next, 222n, "deposit");
    expect(store.load(key, 222n)).to.deep.equal(next);
    const doc = JSON.parse(readFileSync(store.pathOf(key), "utf8"));
    expect(doc.pending).to.equal(undefined);
    expect(doc.confirmed.commitment).to.equal("222");
  });

  it("drops a pending opening when the chain still holds the old commitment (the transaction never landed)", function () {
    const store = fresh();
    store.savePending(key, current, 111n, next, 222n, "withdraw");
    expect(store.load(key, 111n)).to.deep.equal(current);
    expect(JSON.parse(readFileSync(store.pathOf(key), "utf8")).pending).to.equal(undefined);
  });

  it("refuses an opening that matches neither the chain nor a pending update", function () {
    const store = fresh();
    store.save(key, current, 111n);
    expect(() => store.load(key, 333n)).to.throw(/does not match the chain's 333/);
  });

  it("names the field of a corrupted file", function () {
    const store = fresh();
    store.save(key, current, 111n);
    const doc = JSON.parse(readFileSync(store.pathOf(key), "utf8"));
    doc.confirmed.amounts[4] = "-3";
    writeFileSync(store.pathOf(key), JSON.stringify(doc));
    expect(() => store.load(key, 111n)).to.throw(/confirmed\.amounts\[4\] is not a non-negative integer string/);
  });

  it("keeps each account in its own file", function () {
    const store = fresh();
    const other = { ...key, owner: "0x00000000000000000000000000000000000000B2" };
    store.save(key, current, 111n);
    expect(store.has(other)).to.equal(false);
    expect(store.pathOf(other)).to.not.equal(store.pathOf(key));
  });
});

describe("randomBlinding", function () {
  it("draws distinct non-zero field elements", function () {
    const seen = new Set<bigint>();
    for (let i = 0; i < 200; i++) {
      const b = randomBlinding();
      expect(b > 0n && b < FIELD_MODULUS).to.equal(true);
      seen.add(b);
    }
    expect(seen.size).to.equal(200);
  });
});
