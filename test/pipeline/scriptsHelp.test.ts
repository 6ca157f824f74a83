/**
 * Every script that package.json runs answers `--help` with its usage on stdout and exit 0, and an
 * unknown option with exit 2, before it starts any long work (no build, no node, no browser).
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { paths } from "../../scripts/lib/paths.js";

const pkg = JSON.parse(readFileSync(join(paths.root, "package.json"), "utf8")) as { scripts: Record<string, string> };

/** The scripts/*.ts files package.json's scripts run, by npm script name. */
const scripts = Object.entries(pkg.scripts).flatMap(([name, command]) => {
  const m = /node --import tsx (scripts\/\w+\.ts)/.exec(command);
  return m ? [{ name, file: m[1]! }] : [];
});

function run(file: string, arg: string) {
  return spawnSync(process.execPath, ["--import", "tsx", file, arg], { cwd: paths.root, encoding: "utf8", timeout: 60_000 });
}

describe("scripts' --help", function () {
  this.timeout(120_000);

  it("finds the benches, the build, the demo, the backtest and the mutation runs", function () {
    const names = scripts.map((s) => s.name);
    for (const n of ["build", "demo", "bench", "bench:reserves", "bench:notes", "bench:portfolio", "bench:prover", "bench:web", "backtest", "mutate:circuits", "mutate:contracts"]) {
      expect(names, n).to.include(n);
    }
  });

  for (const { name, file } of scripts) {
    it(`npm run ${name}: --help prints usage and exits 0; an unknown option exits 2`, function () {
      const help = run(file, "--help");
      expect(help.status, help.stderr).to.equal(0);
      expect(help.stdout).to.match(/usage/i);
      const bad = run(file, "--no-such-option");
      expect(bad.status, bad.stdout + bad.stderr).to.equal(2);
      expect(bad.stderr).to.match(/no-such-option/);
    });
  }
});
