/**
 * The library's file helpers (prover/src/fs/) and artifact locations (prover/src/artifacts.ts):
 * atomic writes that never leave a temporary file, refuse to clobber when asked, and keep the mode;
 * the artifacts root from an option, PLIMSOLL_ARTIFACTS or build/.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ARTIFACTS_ENV,
  artifactPaths,
  artifacts,
  DEFAULT_ARTIFACTS_ROOT,
  lockHolder,
  readJsonFile,
  removeLockFile,
  tryLockFile,
  writeFileAtomic,
  writeJsonAtomic,
} from "../../prover/src/index.js";

describe("prover/src/fs", function () {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-fs-"));

  describe("#writeFileAtomic", function () {
    it("writes the file in place, creating its folder, and leaves no temporary file", function () {
      const file = join(dir, "a", "b", "doc.txt");
      writeFileAtomic(file, "one");
      writeFileAtomic(file, "two");
      expect(readFileSync(file, "utf8")).to.equal("two");
      expect(readdirSync(join(dir, "a", "b"))).to.deep.equal(["doc.txt"]);
    });

    it("gives the file the mode asked for", function () {
      const file = join(dir, "secret.json");
      writeFileAtomic(file, "{}", { mode: 0o600, exactMode: true });
      expect(statSync(file).mode & 0o777).to.equal(0o600);
    });

    it("refuses to replace an existing file with noClobber, and keeps it", function () {
      const file = join(dir, "key.json");
      writeFileSync(file, "original");
      expect(() => writeFileAtomic(file, "new", { noClobber: true })).to.throw(/EEXIST/);
      expect(readFileSync(file, "utf8")).to.equal("original");
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
      const fresh = join(dir, "fresh.json");
      writeFileAtomic(fresh, "made", { noClobber: true });
      expect(readFileSync(fresh, "utf8")).to.equal("made");
    });
  });

  describe("JSON with bigints", function () {
    it("writes bigints as decimal strings and reads them back", function () {
      const file = join(dir, "big.json");
      writeJsonAtomic(file, { x: 2n ** 200n });
      expect(readJsonFile(file, "test file")).to.deep.equal({ x: (2n ** 200n).toString() });
    });

    it("names the file when it is missing or not JSON", function () {
      expect(() => readJsonFile(join(dir, "nope.json"), "plan")).to.throw(/^plan .*nope\.json: not found or unreadable$/);
      writeFileSync(join(dir, "bad.json"), "{not json");
      expect(() => readJsonFile(join(dir, "bad.json"), "plan")).to.throw(SyntaxError, /bad\.json: not valid JSON/);
    });
  });

  describe("lock files", function () {
    it("takes a free lock once, names its holder, and frees it", function () {
      const file = join(dir, ".lock");
      expect(tryLockFile(file)).to.equal(true);
      expect(tryLockFile(file)).to.equal(false);
      expect(lockHolder(file)).to.equal(process.pid);
      removeLockFile(file);
      expect(existsSync(file)).to.equal(false);
      expect(Number.isNaN(lockHolder(file))).to.equal(true);
    });
  });
});

describe("prover/src/artifacts", function () {
  const saved = process.env[ARTIFACTS_ENV];
  afterEach(function () {
    if (saved === undefined) delete process.env[ARTIFACTS_ENV];
    else process.env[ARTIFACTS_ENV] = saved;
  });

  it("defaults to the project's build/ folder", function () {
    delete process.env[ARTIFACTS_ENV];
    expect(artifacts.root).to.equal(DEFAULT_ARTIFACTS_ROOT);
    expect(artifacts.zkey("account_update")).to.equal(join(DEFAULT_ARTIFACTS_ROOT, "keys", "account_update.zkey"));
    expect(artifacts.wasm("insolvency")).to.equal(join(DEFAULT_ARTIFACTS_ROOT, "circuits", "insolvency", "insolvency_js", "insolvency.wasm"));
  });

  it("follows PLIMSOLL_ARTIFACTS, read at each call", function () {
    const root = mkdtempSync(join(tmpdir(), "plimsoll-artifacts-"));
    process.env[ARTIFACTS_ENV] = root;
    expect(artifacts.vkey("reserves_batch")).to.equal(join(root, "keys", "reserves_batch.vkey.json"));
    expect(artifacts.circuit("account_update")).to.deep.equal({
      wasmPath: join(root, "circuits", "account_update", "account_update_js", "account_update.wasm"),
      zkeyPath: join(root, "keys", "account_update.zkey"),
    });
  });

  it("takes an explicit root over the environment", function () {
    process.env[ARTIFACTS_ENV] = "/somewhere/else";
    expect(artifactPaths("/opt/plimsoll").metadata("insolvency")).to.equal(join("/opt/plimsoll", "keys", "insolvency.json"));
  });
});
