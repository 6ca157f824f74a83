/**
 * Phase-1 resolution: keys built from a valid file are not thrown away when PLIMSOLL_PTAU is unset on the
 * next run (the file recorded in the key metadata is reused while its sha256 is unchanged); a public
 * ceremony file is downloaded by URL and accepted only with its published BLAKE2b-512 (a local HTTP
 * server on 127.0.0.1 stands in for the Hermez bucket: no outside network).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { keyingPower, keyingPowers, MIN_KEYING_POWER, previousPtau, readPtauHeader } from "../../scripts/lib/ptau.js";
import { hashFile } from "../../scripts/lib/stamps.js";
import { paths } from "../../scripts/lib/paths.js";
import { loadSnarkjs, terminateCurves } from "../../scripts/lib/snarkjs.js";
import { downloadPublicPtau, HERMEZ_BLAKE2B, hermezFileName } from "../../scripts/lib/publicPtau.js";

describe("phase 1 (ptau) resolution", function () {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-ptau-"));
  const ptau = join(dir, "pot4.ptau");
  const keysDir = join(dir, "keys");

  before(async function () {
    // A tiny prepared ceremony (power 4) made here, so the test needs no shared file.
    const snarkjs = await loadSnarkjs();
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    try {
      await snarkjs.powersOfTau.newAccumulator(curve, 4, join(dir, "p0.ptau"));
      await snarkjs.powersOfTau.contribute(join(dir, "p0.ptau"), join(dir, "p1.ptau"), "test", "entropy");
      await snarkjs.powersOfTau.preparePhase2(join(dir, "p1.ptau"), ptau);
    } finally {
      // The curve's worker threads would otherwise keep the test process alive after the suite.
      await terminateCurves();
    }
    mkdirSync(keysDir);
  });

  const writeMetadata = async (name: string, file: string, sha256?: string): Promise<void> => {
    const ptauField = { path: relative(paths.root, file), power: 4, kind: "env", sha256: sha256 ?? (await hashFile(file)) };
    writeFileSync(join(keysDir, `${name}.json`), JSON.stringify({ circuit: name, ptau: ptauField }));
  };

  it("keys every circuit of power <= 16 on power 16 and a larger one on its own power, resolving the largest first", function () {
    expect(MIN_KEYING_POWER).to.equal(16);
    expect([12, 13, 14, 16].map(keyingPower)).to.deep.equal([16, 16, 16, 16]);
    expect([17, 18].map(keyingPower)).to.deep.equal([17, 18]);
    // Today's circuits: seven at power 14, two at 13, reserves_batch at 17.
    expect(keyingPowers([14, 14, 14, 14, 13, 14, 14, 17, 13])).to.deep.equal([17, 16]);
    expect(keyingPowers([14, 13])).to.deep.equal([16]);
  });

  it("reuses the file the keys were built from while its hash is unchanged", async function () {
    await writeMetadata("a", ptau);
    writeFileSync(join(keysDir, "a.vkey.json"), "{}");
    const choice = await previousPtau(4, keysDir);
    expect(choice?.kind).to.equal("previous");
    expect(choice?.path).to.equal(ptau);
    expect(choice?.power).to.equal(readPtauHeader(ptau).power);
  });

  it("does not reuse it for a circuit that needs a larger power", async function () {
    expect(await previousPtau(5, keysDir)).to.equal(undefined);
  });

  it("does not reuse a file whose content changed since the keys were built", async function () {
    await writeMetadata("a", ptau, "00".repeat(32));
    expect(await previousPtau(4, keysDir)).to.equal(undefined);
  });

  it("ignores metadata naming a missing file, and files that are not metadata", async function () {
    await writeMetadata("a", join(dir, "gone.ptau"), "00".repeat(32));
    appendFileSync(join(keysDir, "broken.json"), "{not json");
    expect(await previousPtau(4, keysDir)).to.equal(undefined);
    await writeMetadata("b", ptau);
    expect((await previousPtau(4, keysDir))?.path).to.equal(ptau);
  });

  describe("a public ceremony file by URL and published hash", function () {
    let server: Server;
    let base: string;
    /** What the server answers per path: a file's bytes, a status, or a stall after some bytes. */
    const routes = new Map<string, { body?: Buffer; status?: number; stallAfter?: number }>();

    before(async function () {
      server = createServer((req, res) => {
        const r = routes.get(req.url ?? "");
        if (r === undefined || r.status !== undefined) {
          res.writeHead(r?.status ?? 404).end();
          return;
        }
        res.writeHead(200, { "content-length": String(r.body!.length) });
        if (r.stallAfter !== undefined) res.write(r.body!.subarray(0, r.stallAfter)); // then nothing
        else res.end(r.body);
      });
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ptau`;
    });
    after(async function () {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    });

    const blake = (b: Buffer): string => createHash("blake2b512").update(b).digest("hex");

    it("downloads the file, checks its BLAKE2b-512 and header, and keeps it with a record of where it came from", async function () {
      const body = readFileSync(ptau);
      routes.set(`/ptau/${hermezFileName(4)}`, { body });
      const out = mkdtempSync(join(tmpdir(), "plimsoll-public-ptau-"));
      const got = await downloadPublicPtau(4, { baseUrl: base, hashes: { 4: blake(body) }, dir: out });
      expect(got.power).to.equal(4);
      expect(readFileSync(got.path).equals(body)).to.equal(true);
      const record = JSON.parse(readFileSync(join(out, hermezFileName(4).replace(".ptau", ".json")), "utf8")) as { url: string; blake2b: string; public: boolean };
      expect(record).to.include({ url: `${base}/${hermezFileName(4)}`, blake2b: blake(body), public: true });
    });

    it("picks the smallest published power that fits", async function () {
      const body = readFileSync(ptau);
      routes.set(`/ptau/${hermezFileName(4)}`, { body });
      const out = mkdtempSync(join(tmpdir(), "plimsoll-public-ptau-"));
      expect((await downloadPublicPtau(3, { baseUrl: base, hashes: { 4: blake(body), 9: "00" }, dir: out })).power).to.equal(4);
    });

    it("refuses a file whose hash is not the published one (a development file served as Hermez's) and leaves nothing behind", async function () {
      routes.set(`/ptau/${hermezFileName(14)}`, { body: readFileSync(ptau) });
      const out = mkdtempSync(join(tmpdir(), "plimsoll-public-ptau-"));
      let err: Error | undefined;
      await downloadPublicPtau(14, { baseUrl: base, dir: out }).catch((e: Error) => { err = e; });
      expect(err?.message).to.match(/BLAKE2b-512 .* is not the published .* for power 14: refused/);
      expect(HERMEZ_BLAKE2B[14]).to.have.length(128);
      expect(readdirSync(out)).to.deep.equal([]);
    });

    it("reports a missing file, a stalled download, and no published file large enough", async function () {
      const out = mkdtempSync(join(tmpdir(), "plimsoll-public-ptau-"));
      routes.set(`/ptau/${hermezFileName(5)}`, { status: 404 });
      await downloadPublicPtau(5, { baseUrl: base, hashes: { 5: "00" }, dir: out }).then(() => expect.fail("resolved"), (e: Error) => expect(e.message).to.match(/HTTP 404/));
      routes.set(`/ptau/${hermezFileName(6)}`, { body: readFileSync(ptau), stallAfter: 100 });
      await downloadPublicPtau(6, { baseUrl: base, hashes: { 6: "00" }, dir: out, idleMs: 300 }).then(() => expect.fail("resolved"), (e: Error) => expect(e.message).to.match(/stopped after 100 bytes \(no data for 0.3 s\)/));
      await downloadPublicPtau(21, { baseUrl: base, dir: out }).then(() => expect.fail("resolved"), (e: Error) => expect(e.message).to.match(/no published public phase-1 file of power 21/));
      expect(readdirSync(out)).to.deep.equal([]);
      expect(existsSync(out)).to.equal(true);
    });
  });
});
