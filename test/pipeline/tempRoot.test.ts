/**
 * scripts/tempRoot.mjs, through which `npm test` runs the suite: the command sees a fresh TMPDIR, and
 * the folder is gone when the command ends, however it ends (exit status, a signal).
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { paths } from "../../scripts/lib/paths.js";

const WRAPPER = join(paths.root, "scripts", "tempRoot.mjs");
/** A child that writes a file under os.tmpdir(), prints its path, then exits with `code`. */
const writer = (code: number): string[] => [
  process.execPath,
  "-e",
  `const fs = require("node:fs"), os = require("node:os"), p = require("node:path"); const f = p.join(fs.mkdtempSync(p.join(os.tmpdir(), "t-")), "opening.json"); fs.writeFileSync(f, "{}"); console.log(f); process.exit(${code});`,
];

describe("scripts/tempRoot.mjs", function () {
  this.timeout(60_000);

  it("gives the command its own TMPDIR and removes it afterwards, passing the exit status on", function () {
    const r = spawnSync(process.execPath, [WRAPPER, ...writer(3)], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(3);
    const file = r.stdout.trim();
    const root = dirname(dirname(file));
    expect(basename(root)).to.match(/^plimsoll-test-run-/);
    expect(existsSync(root), root).to.equal(false);
  });

  it("keeps the folder with PLIMSOLL_KEEP_TMP=1 and says where it is", function () {
    const r = spawnSync(process.execPath, [WRAPPER, ...writer(0)], { encoding: "utf8", env: { ...process.env, PLIMSOLL_KEEP_TMP: "1" } });
    expect(r.status, r.stderr).to.equal(0);
    const file = r.stdout.trim();
    try {
      expect(existsSync(file)).to.equal(true);
      expect(r.stderr).to.include(`kept ${dirname(dirname(file))}`);
    } finally {
      rmSync(dirname(dirname(file)), { recursive: true, force: true });
    }
  });

  it("passes a SIGTERM on to the command, removes the folder once it exited, and exits 128 + 15", async function () {
    const child = spawn(process.execPath, [WRAPPER, process.execPath, "-e", `console.log(require("node:os").tmpdir()); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (b: Buffer) => { out += b.toString(); });
    while (!out.includes("\n")) await new Promise((r) => setTimeout(r, 20));
    const root = out.trim();
    expect(existsSync(root)).to.equal(true);
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).to.equal(143);
    expect(existsSync(root), root).to.equal(false);
  });

  it("exits 2 with its usage when no command is given, 127 when the command does not exist", function () {
    const none = spawnSync(process.execPath, [WRAPPER], { encoding: "utf8" });
    expect(none.status).to.equal(2);
    expect(none.stderr).to.match(/^Usage: node scripts\/tempRoot\.mjs <command>/);
    const missing = spawnSync(process.execPath, [WRAPPER, "plimsoll-no-such-command"], { encoding: "utf8" });
    expect(missing.status).to.equal(127);
    expect(missing.stderr).to.include("cannot run plimsoll-no-such-command");
  });
});
