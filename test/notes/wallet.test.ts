/**
 * The note wallet off-chain: keys and addresses, note encryption to a viewing key (round trip, a
 * foreign key, garbage), the tree against known values, and the store: atomic, refuses to
 * clobber, survives a writer killed mid-write.
 */
import { expect } from "chai";
import { fork } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBabyJub } from "../../prover/src/babyjub.js";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import { initPoseidonEx } from "../../prover/src/poseidon.js";
import {
  NoteStoreConflictError,
  NoteTree,
  NoteWallet,
  decodeAddress,
  decryptNote,
  deriveNoteKeys,
  encodeAddress,
  encryptNote,
  noteCommitment,
  randomFieldElement,
  randomNoteKeys,
  readWalletFile,
  zeroHashes,
  type Note,
} from "../../prover/src/notes/index.js";

const h = await initPoseidonEx();
const bj = await getBabyJub();
/** The error a promise rejects with (fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}
const dir = (): string => mkdtempSync(join(tmpdir(), "plimsoll-notes-wallet-"));

describe("note wallet (off-chain)", function () {
  describe("keys", function () {
    it("derive deterministically from a seed; spending and viewing secrets are independent", function () {
      const seed = new Uint8Array(32).fill(7);
      const a = deriveNoteKeys(h, bj, seed);
      const b = deriveNoteKeys(h, bj, seed);
      expect(a).to.deep.equal(b);
      expect(a.ownerKey).to.equal(h([a.spendingSecret]));
      expect(a.spendingSecret).to.not.equal(a.viewingSecret);
      expect(() => deriveNoteKeys(h, bj, new Uint8Array(31))).to.throw(/at least 32 bytes/);
    });

    it("an address round-trips; an off-curve viewing key is refused", function () {
      const k = randomNoteKeys(h, bj);
      const text = encodeAddress(k);
      expect(decodeAddress(bj, text)).to.deep.equal({ ownerKey: k.ownerKey, viewingKey: k.viewingKey });
      const bad = text.slice(0, -1) + (text.endsWith("0") ? "1" : "0");
      expect(() => decodeAddress(bj, bad)).to.throw(/viewingKey/);
    });
  });

  describe("encryption to a viewing key", function () {
    const alice = randomNoteKeys(h, bj);
    const bob = randomNoteKeys(h, bj);
    const note: Note = { slot: 15, amount: (1n << 96n) - 1n, ownerKey: alice.ownerKey, blinding: FIELD_MODULUS - 1n };

    it("the owner decrypts its note and checks it against the commitment", function () {
      const c = noteCommitment(h, note);
      const enc = encryptNote(h, bj, alice.viewingKey, note);
      expect(decryptNote(h, bj, alice.viewingSecret, alice.ownerKey, enc, c)).to.deep.equal(note);
      // two encryptions of one note differ (fresh ephemeral key)
      expect(encryptNote(h, bj, alice.viewingKey, note).ciphertext).to.not.deep.equal(enc.ciphertext);
    });

    it("anyone else, a wrong commitment, garbage and an off-curve key give undefined, never an error", function () {
      const c = noteCommitment(h, note);
      const enc = encryptNote(h, bj, alice.viewingKey, note);
      expect(decryptNote(h, bj, bob.viewingSecret, bob.ownerKey, enc, c)).to.equal(undefined);
      expect(decryptNote(h, bj, bob.viewingSecret, alice.ownerKey, enc, c)).to.equal(undefined);
      expect(decryptNote(h, bj, alice.viewingSecret, alice.ownerKey, enc, c + 1n)).to.equal(undefined);
      expect(decryptNote(h, bj, alice.viewingSecret, alice.ownerKey, { ...enc, ciphertext: [enc.ciphertext[0] + 1n, enc.ciphertext[1]] }, c)).to.equal(undefined);
      expect(decryptNote(h, bj, alice.viewingSecret, alice.ownerKey, { ephemeralKey: [1n, 2n], ciphertext: enc.ciphertext }, c)).to.equal(undefined);
      expect(decryptNote(h, bj, alice.viewingSecret, alice.ownerKey, { ephemeralKey: [0n, 0n], ciphertext: [0n, 0n] }, c)).to.equal(undefined);
      expect(decryptNote(h, bj, alice.viewingSecret, alice.ownerKey, { ephemeralKey: [FIELD_MODULUS, 0n], ciphertext: [0n, 0n] } as never, c)).to.equal(undefined);
    });
  });

  describe("tree", function () {
    it("roots: empty = Z[12]; two batches equal a naive recomputation of the quaternary tree", function () {
      const t = new NoteTree(h);
      const z = zeroHashes(h);
      expect(t.root()).to.equal(z[12]);
      const leaves = Array.from({ length: 16 }, () => randomFieldElement());
      t.insertBatch(leaves);
      const partial = [randomFieldElement(), randomFieldElement()];
      t.insertBatch(partial);
      // naive: level by level over the leftmost positions, zero subtrees beyond
      let level = [...leaves, ...partial];
      for (let l = 0; l < 12; l++) {
        const next: bigint[] = [];
        for (let i = 0; i < level.length; i += 4) next.push(h([0, 1, 2, 3].map((j) => level[i + j] ?? z[l]!)));
        level = next;
      }
      expect(t.root()).to.equal(level[0]);
      // a path recomputes the root
      let node = partial[1]!;
      const path = t.path(17);
      for (let l = 0, i = 17; l < 12; l++, i = Math.floor(i / 4)) {
        const children = [...path[l]!];
        expect(children[i % 4]).to.equal(node);
        node = h(children);
      }
      expect(node).to.equal(t.root());
    });
  });

  describe("store", function () {
    it("creating over an existing file is refused; a stale copy cannot clobber a newer save", async function () {
      const path = join(dir(), "w.json");
      const keys = randomNoteKeys(h, bj);
      const w1 = await NoteWallet.create({ keys, path, chainId: 31337n, pool: "0x0000000000000000000000000000000000000001" });
      expect(await rejection(NoteWallet.create({ keys, path, chainId: 31337n, pool: "0x0000000000000000000000000000000000000001" }))).to.be.instanceOf(NoteStoreConflictError);
      const w2 = await NoteWallet.open({ keys, path });
      w2.ingestNote(0, 1n, { ephemeralKey: [0n, 1n], ciphertext: [0n, 0n] }, 5);
      w2.save();
      expect(() => w1.save()).to.throw(NoteStoreConflictError, /another writer/);
      expect(readWalletFile(path).queued).to.deep.equal([[0, "1"]]);
      expect((await rejection(NoteWallet.open({ keys: randomNoteKeys(h, bj), path }))).message).to.match(/do not own/);
    });

    it("a leftover temporary file from a crash before the rename is ignored", async function () {
      const d = dir();
      const path = join(d, "w.json");
      const keys = randomNoteKeys(h, bj);
      await NoteWallet.create({ keys, path, chainId: 1n, pool: "0x0000000000000000000000000000000000000001" });
      writeFileSync(`${path}.99999.tmp`, '{"version":1,"generation":'); // half-written, never renamed
      const w = await NoteWallet.open({ keys, path });
      expect(w.scannedBlock).to.equal(-1);
      w.save();
      expect(readWalletFile(path).generation).to.equal(2);
    });

    it("a writer killed mid-write (SIGKILL, 5 times) always leaves a whole, readable store", async function () {
      this.timeout(120_000);
      const path = join(dir(), "w.json");
      const keys = randomNoteKeys(h, bj);
      await NoteWallet.create({ keys, path, chainId: 1n, pool: "0x0000000000000000000000000000000000000001" });
      let last = 1;
      for (let round = 0; round < 5; round++) {
        const child = fork(new URL("./crashWriter.ts", import.meta.url), [path], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
        await new Promise<void>((resolve, reject) => {
          child.once("message", () => resolve());
          child.once("exit", (code) => reject(new Error(`writer exited early (${code})`)));
        });
        await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 200)));
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;
        // a writer killed while holding the lock leaves a lock file naming a dead pid: the next save takes it over
        const doc = readWalletFile(path); // parses: the old file or the new one, never a mix
        expect(doc.generation).to.be.greaterThan(last - 1);
        expect(doc.queued.length).to.be.oneOf([0, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
        last = doc.generation;
        const w = await NoteWallet.open({ keys, path });
        w.save(); // and the wallet goes on from there
        last++;
      }
      // temporary files of killed writers may remain; they are never read
      expect(readdirSync(join(path, "..")).filter((f) => f.endsWith(".json"))).to.deep.equal(["w.json"]);
    });
  });
});
