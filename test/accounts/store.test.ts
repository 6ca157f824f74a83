/**
 * The opening store with sub-accounts: each sub-account of one owner is its own engine account, so its
 * opening lives in its own file, keyed by (chain, engine, sub-account address); two sub-accounts (and the
 * owner's own account) never overwrite each other, and a writer killed mid-write leaves every file whole.
 */
import { expect } from "chai";
import { fork } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyOpening, type AccountOpening } from "../../prover/src/account.js";
import { OpeningStore, type AccountKey } from "../../prover/src/store.js";
import { subAccountAddress } from "../../prover/src/subAccounts.js";

const FACTORY = "0x00000000000000000000000000000000000000F1";
const IMPLEMENTATION = "0x00000000000000000000000000000000000000C1";
const OWNER = "0x00000000000000000000000000000000000000A1";
const ENGINE = "0x00000000000000000000000000000000000000E1";
const keyOf = (owner: string): AccountKey => ({ chainId: 31337n, engine: ENGINE, owner });
const subKey = (index: bigint): AccountKey => keyOf(subAccountAddress(FACTORY, IMPLEMENTATION, OWNER, index));
const fresh = (): string => mkdtempSync(join(tmpdir(), "plimsoll-sub-store-"));
const opening = (key: AccountKey, slot0: bigint, blinding: bigint): AccountOpening => ({ ...emptyOpening(BigInt(key.owner)), amounts: emptyOpening(0n).amounts.map((_, i) => (i === 0 ? slot0 : 0n)), blinding });

describe("OpeningStore with sub-accounts", function () {
  it("keeps two sub-accounts of one owner, and the owner's own account, in three files that never overwrite each other", function () {
    const store = new OpeningStore(fresh());
    const [a, b, own] = [subKey(0n), subKey(1n), keyOf(OWNER)];
    expect(new Set([a, b, own].map((k) => store.pathOf(k))).size).to.equal(3);
    store.save(a, opening(a, 10n, 1n), 101n);
    store.save(b, opening(b, 20n, 2n), 202n);
    store.save(own, opening(own, 30n, 3n), 303n);
    // A pending update of one leaves the others as they were; each reconciles with its own chain state.
    store.savePending(a, opening(a, 10n, 1n), 101n, opening(a, 11n, 4n), 104n, "deposit");
    expect(store.load(b, 202n)).to.deep.equal(opening(b, 20n, 2n));
    expect(store.load(own, 303n)).to.deep.equal(opening(own, 30n, 3n));
    expect(store.load(a, 104n)).to.deep.equal(opening(a, 11n, 4n));
    // Each opening is bound to its own account address (the commitment's owner field).
    expect(store.load(a, 104n)!.owner).to.equal(BigInt(a.owner));
    expect(store.load(b, 202n)!.owner).to.equal(BigInt(b.owner));
    // Another account's commitment is refused, naming the file.
    expect(() => store.load(b, 104n)).to.throw(store.pathOf(b));
  });

  it("survives a writer killed mid-write (SIGKILL, 5 times): both sub-accounts' files stay whole, each with its own opening, never older", async function () {
    this.timeout(120_000);
    const dir = fresh();
    const keys = [subKey(0n), subKey(1n)];
    const store = new OpeningStore(dir);
    const seen = [0n, 0n];
    let start = 0n;
    for (let round = 0; round < 5; round++) {
      const args = [dir, JSON.stringify(keys.map((k) => ({ ...k, chainId: k.chainId.toString() }))), start.toString()];
      const child = fork(new URL("./storeCrashWriter.ts", import.meta.url), args, { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
      await new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", (code) => reject(new Error(`writer exited early (${code})`)));
      });
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 200)));
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
      for (const [i, key] of keys.entries()) {
        const stored = store.stored(key); // parses: the old file or the new one, never a mix
        expect(stored.length).to.be.oneOf([1, 2]);
        for (const { opening: o, commitment } of stored) {
          expect(o.owner).to.equal(BigInt(key.owner));
          expect(o.amounts[0], "the other sub-account's opening").to.equal(BigInt(i + 1));
          expect(commitment).to.equal(o.blinding + 1000n);
        }
        // The pending record, when a kill left one, resolves with the chain as usual, and nothing went back in time.
        const confirmed = stored[0]!.opening.blinding;
        expect(confirmed).to.be.at.least(seen[i]!);
        seen[i] = confirmed;
        const last = stored.at(-1)!;
        expect(store.load(key, last.commitment)).to.deep.equal(last.opening);
      }
      start = (seen[0]! > seen[1]! ? seen[0]! : seen[1]!) + 1n;
    }
    // Temporary files of killed writers may remain beside them; they are never read.
    const files = readdirSync(join(dir, "31337", ENGINE.toLowerCase())).filter((f) => f.endsWith(".json"));
    expect(files.sort()).to.deep.equal(keys.map((k) => `${k.owner.toLowerCase()}.json`).sort());
  });
});
