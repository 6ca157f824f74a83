/**
 * The run state of a reserves period (prover/src/reserves/runState.ts): the plan in <out>/run.db
 * (mode 0600, WAL, a schema version), reused by a rerun; an older release's plan.json migrated on
 * first open in one transaction and kept as plan.json.bak, so a resumed run keeps its salts and
 * root; a damaged plan.json named; a run.db of a newer schema refused. No proofs.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_REGISTRY, DEV_ASSETS } from "../../prover/src/devnet.js";
import { SchemaVersionError } from "../../prover/src/fs/index.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { periodFiles, preparePeriod, readStoredPlan, toClientBalances, type PeriodInputs } from "../../prover/src/reserves/index.js";
import { devWeights } from "../../cli/reserves/index.js";
import { syntheticClients } from "../../scripts/lib/reservesDemo.js";
import { sql } from "../helpers/sqlite.js";

const dir = (): string => mkdtempSync(join(tmpdir(), "plimsoll-reserves-run-"));


describe("reserves run state (run.db)", function () {
  const { epoch, weights } = devWeights();
  const rows = syntheticClients(20, 5, DEV_REGISTRY, [...DEV_ASSETS.map((a) => a.price), ...new Array<bigint>(13).fill(0n)], weights);
  const inputs: PeriodInputs = { custodian: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", periodIndex: 0, epoch, clients: toClientBalances(rows, DEV_REGISTRY), weights, assets: DEV_REGISTRY };

  it("stores the plan in run.db (mode 0600, WAL, schema version 1) before proving, and a rerun reuses it: same salts, same root", async function () {
    const h = await initPoseidon();
    const out = dir();
    expect(readStoredPlan(out)).to.equal(undefined);
    expect(existsSync(periodFiles.run(out)), "reading creates nothing").to.equal(false);
    const first = await preparePeriod(out, inputs, { h });
    expect(first.resumed).to.equal(false);
    expect(statSync(periodFiles.run(out)).mode & 0o777).to.equal(0o600);
    expect(sql(periodFiles.run(out), "PRAGMA journal_mode")).to.deep.equal([{ journal_mode: "wal" }]);
    expect(sql(periodFiles.run(out), "SELECT kind, version FROM schema_version")).to.deep.equal([{ kind: "plimsoll.reserves.run", version: 1 }]);
    expect(sql<{ n: number }>(periodFiles.run(out), "SELECT count(*) AS n FROM clients")[0]!.n).to.equal(20);
    expect(readdirSync(out).sort()).to.deep.equal(["period.json", "run.db"]);
    const again = await preparePeriod(out, inputs, { h });
    expect(again.resumed).to.equal(true);
    expect(again.plan.root).to.equal(first.plan.root);
    expect(again.plan.leaves.map((l) => l.salt)).to.deep.equal(first.plan.leaves.map((l) => l.salt));
  });

  it("migrates an older release's plan.json on first open (one transaction, kept as plan.json.bak): the resumed run has the same salts and root", async function () {
    const h = await initPoseidon();
    const made = dir();
    const first = await preparePeriod(made, inputs, { h });
    const old = dir();
    const text = `${JSON.stringify(readStoredPlan(made))}\n`; // what an older release wrote to plan.json
    writeFileSync(periodFiles.plan(old), text, { mode: 0o600 });
    const resumed = await preparePeriod(old, inputs, { h });
    expect(resumed.resumed).to.equal(true);
    expect(resumed.plan.root).to.equal(first.plan.root);
    expect(resumed.plan.leaves.map((l) => l.salt)).to.deep.equal(first.plan.leaves.map((l) => l.salt));
    expect(existsSync(periodFiles.plan(old))).to.equal(false);
    expect(readFileSync(`${periodFiles.plan(old)}.bak`, "utf8")).to.equal(text);
    expect(statSync(periodFiles.run(old)).mode & 0o777).to.equal(0o600);
    expect(readStoredPlan(old)).to.deep.equal(readStoredPlan(made));
  });

  it("names a damaged plan.json and migrates nothing; refuses a run.db of a newer schema version", async function () {
    const out = dir();
    writeFileSync(periodFiles.plan(out), '{"kind":"plimsoll.reserves.plan","version":1,"clients":[');
    expect(() => readStoredPlan(out)).to.throw(`plan ${periodFiles.plan(out)}: not valid JSON`);
    expect(existsSync(periodFiles.plan(out))).to.equal(true);
    expect(sql(periodFiles.run(out), "SELECT name FROM sqlite_master")).to.deep.equal([]);

    const newer = dir();
    await preparePeriod(newer, inputs);
    sql(periodFiles.run(newer), "UPDATE schema_version SET version = 9");
    let err: unknown;
    try {
      await preparePeriod(newer, inputs);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(SchemaVersionError);
    expect((err as Error).message).to.equal(`${periodFiles.run(newer)}: schema version 9 is newer than this plimsoll knows (it reads up to version 1): upgrade plimsoll to open it`);
  });
});
