/**
 * Phase-1 resolution: keys built from a valid file are not thrown away when PLIMSOLL_PTAU is unset on the
 * next run (the file recorded in the key metadata is reused while its sha256 is unchanged).
 */
import { expect } from "chai";
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { previousPtau, readPtauHeader } from "../../scripts/lib/ptau.js";
import { hashFile } from "../../scripts/lib/stamps.js";
import { paths } from "../../scripts/lib/paths.js";
import { loadSnarkjs, terminateCurves } from "../../scripts/lib/snarkjs.js";

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
});
