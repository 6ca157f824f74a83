/**
 * The keeper daemon's state database (prover/src/keeper/state.ts on prover/src/fs/sqlite.ts):
 * mode 0600, WAL, the schema version table and its refusals, damaged rows named, the migration of
 * an older release's keeper-state.json, and a writer killed with SIGKILL in the middle of a write
 * transaction, again and again, leaving a whole database with the last committed state.
 * No chain, no proofs.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  KEEPER_LEGACY_STATE_FILE,
  KEEPER_STATE_FILE,
  KeeperStateStore,
  readKeeperState,
  SchemaVersionError,
  writeKeeperState,
  type KeeperState,
} from "../../prover/src/index.js";
import { paths } from "../../scripts/lib/paths.js";
import { sql } from "../helpers/sqlite.js";
import { legacyKeeperStateJson } from "./legacyState.js";
import { ACCOUNTS, generation } from "./stateCrashWriter.js";

const dir = (): string => mkdtempSync(join(tmpdir(), "plimsoll-keeper-db-"));
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

function sample(): KeeperState {
  return {
    chainId: 31337n,
    engine: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    keeperId: 3n,
    lastBlock: 41,
    lastEpochEvaluated: 7n,
    accounts: new Map([
      [ALICE, { commitment: 2n ** 250n + 5n, opening: { amounts: Array.from({ length: 16 }, (_, i) => 10n ** 27n + BigInt(i)), blinding: 2n ** 251n + 1n }, keeperId: 3n, lastNoteBlock: 40 }],
      [BOB, { commitment: 17n, opening: null, keeperId: 3n, lastNoteBlock: 12 }],
    ]),
  };
}


const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe("keeper state database", function () {
  it("keeps the state in keeper.db: mode 0600 (its -wal and -shm files too), WAL journal, a schema_version row; reads back what was saved", function () {
    const d = dir();
    const path = join(d, KEEPER_STATE_FILE);
    const store = KeeperStateStore.open(path);
    expect(store.load()).to.equal(undefined);
    store.save(sample());
    for (const f of ["keeper.db", "keeper.db-wal", "keeper.db-shm"]) expect(modeOf(join(d, f)), f).to.equal(0o600);
    store.close();
    expect(readKeeperState(path)).to.deep.equal(sample());
    expect(sql(path, "PRAGMA journal_mode")).to.deep.equal([{ journal_mode: "wal" }]);
    expect(sql(path, "SELECT kind, version FROM schema_version")).to.deep.equal([{ kind: "plimsoll.keeper-state", version: 1 }]);
    expect(modeOf(path)).to.equal(0o600);
  });

  it("saves only what changed, and deletes an account no longer watched", function () {
    const path = join(dir(), KEEPER_STATE_FILE);
    const store = KeeperStateStore.open(path);
    store.load();
    const s = sample();
    store.save(s);
    const before = sql<{ address: string; rowid: number }>(path, "SELECT address, rowid FROM accounts ORDER BY address");
    s.lastBlock = 50;
    s.accounts.delete(BOB);
    store.save(s);
    store.close();
    // alice's row was not rewritten (INSERT OR REPLACE would give it a new rowid); bob's is gone
    expect(sql(path, "SELECT address, rowid FROM accounts")).to.deep.equal(before.filter((r) => r.address === ALICE));
    const back = readKeeperState(path);
    expect(back.lastBlock).to.equal(50);
    expect([...back.accounts.keys()]).to.deep.equal([ALICE]);
    // a second store on the same file (a restart) reads it and goes on
    writeKeeperState(path, sample());
    expect(readKeeperState(path)).to.deep.equal(sample());
  });

  it("refuses a database of a newer schema version, of another kind, without a schema table, or not SQLite at all; names a damaged field", function () {
    const d = dir();
    const path = join(d, KEEPER_STATE_FILE);
    writeKeeperState(path, sample());
    const refusal = (p: string): Error => {
      try {
        readKeeperState(p);
      } catch (err) {
        return err as Error;
      }
      throw new Error("opened");
    };

    sql(path, "UPDATE schema_version SET version = 2");
    const newer = refusal(path);
    expect(newer).to.be.instanceOf(SchemaVersionError);
    expect(newer.message).to.equal(`${path}: schema version 2 is newer than this plimsoll knows (it reads up to version 1): upgrade plimsoll to open it`);
    sql(path, "UPDATE schema_version SET version = 'x'");
    expect(refusal(path).message).to.equal(`${path}: unknown schema version "x" (this plimsoll writes version 1)`);
    sql(path, "UPDATE schema_version SET version = 1, kind = 'plimsoll.reserves.run'");
    expect(refusal(path).message).to.equal(`${path}: a plimsoll.reserves.run database, not a plimsoll.keeper-state one`);
    sql(path, "DROP TABLE schema_version");
    expect(refusal(path).message).to.equal(`${path}: not a plimsoll.keeper-state database (it has no schema_version table)`);

    const other = join(d, "other.db");
    writeKeeperState(other, sample());
    sql(other, "UPDATE keeper SET last_epoch_evaluated = '-1'");
    expect(refusal(other).message).to.equal(`${other}: keeper.last_epoch_evaluated is not a non-negative decimal integer string`);
    sql(other, "UPDATE keeper SET last_epoch_evaluated = '7'");
    sql(other, `UPDATE accounts SET amounts = '[1,2]' WHERE address = '${ALICE}'`);
    expect(refusal(other).message).to.equal(`${other}: accounts[${ALICE}].amounts is not a JSON array of 16 amounts`);

    const text = join(d, "text.db");
    writeFileSync(text, "this is not a database, but it is long enough to have a header".repeat(10));
    expect(refusal(text).message).to.match(new RegExp(`^${text}: not a SQLite database \\(file is not a database`));
    expect(refusal(join(d, "missing.db")).message).to.equal(`${join(d, "missing.db")}: no such database`);
    expect(existsSync(join(d, "missing.db"))).to.equal(false);
  });

  it("migrates an older release's keeper-state.json on first open in one transaction, keeping the JSON as keeper-state.json.bak", function () {
    const d = dir();
    const json = join(d, KEEPER_LEGACY_STATE_FILE);
    const text = legacyKeeperStateJson(sample());
    writeFileSync(json, text, { mode: 0o600 });
    const store = KeeperStateStore.open(join(d, KEEPER_STATE_FILE), { legacyJson: json });
    expect(store.migrated).to.deep.equal({ from: json, backup: `${json}.bak` });
    expect(store.load()).to.deep.equal(sample());
    store.close();
    expect(existsSync(json)).to.equal(false);
    expect(readFileSync(`${json}.bak`, "utf8")).to.equal(text);
    // opened again: nothing to migrate, the same state
    const again = KeeperStateStore.open(join(d, KEEPER_STATE_FILE), { legacyJson: json });
    expect(again.migrated).to.equal(undefined);
    expect(again.load()).to.deep.equal(sample());
    again.close();
    expect(readdirSync(d).sort()).to.deep.equal(["keeper-state.json.bak", "keeper.db"]);
  });

  it("a damaged keeper-state.json is named and migrates nothing; once repaired it migrates", function () {
    const d = dir();
    const json = join(d, KEEPER_LEGACY_STATE_FILE);
    const doc = JSON.parse(legacyKeeperStateJson(sample())) as Record<string, unknown>;
    writeFileSync(json, JSON.stringify({ ...doc, lastEpochEvaluated: "-1" }));
    const db = join(d, KEEPER_STATE_FILE);
    expect(() => KeeperStateStore.open(db, { legacyJson: json })).to.throw(`${json}: lastEpochEvaluated is not a non-negative decimal integer string`);
    expect(existsSync(json)).to.equal(true);
    expect(sql(db, "SELECT name FROM sqlite_master")).to.deep.equal([]); // the creating transaction was rolled back
    writeFileSync(json, JSON.stringify(doc));
    const store = KeeperStateStore.open(db, { legacyJson: json });
    expect(store.load()).to.deep.equal(sample());
    store.close();
  });

  it("a writer killed with SIGKILL in the middle of a write transaction (8 times) always leaves a whole database with the last committed state", async function () {
    this.timeout(180_000);
    const path = join(dir(), KEEPER_STATE_FILE);
    const writer = join(paths.root, "test", "keeper", "stateCrashWriter.ts");
    let committed = 0;
    for (let round = 0; round < 8; round++) {
      // Even rounds stop inside a transaction for sure (every row written, uncommitted pages in the
      // WAL); odd rounds kill at a random moment of a writer saving as fast as it can.
      const pauseAt = round % 2 === 0 ? committed + 2 : undefined;
      const child = spawn(process.execPath, ["--import", "tsx", writer, path, ...(pauseAt === undefined ? [] : [String(pauseAt)])], { cwd: paths.root, stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      let out = "";
      let lastSeen = committed;
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`writer said nothing useful in 60 s: ${out}`)), 60_000);
          let killAt: NodeJS.Timeout | undefined;
          child.stdout!.on("data", (b: Buffer) => {
            out += b.toString();
            for (const m of out.matchAll(/committed (\d+)\n/g)) lastSeen = Math.max(lastSeen, Number(m[1]));
            const ready = pauseAt === undefined ? lastSeen > committed : out.includes(`mid ${pauseAt}\n`);
            if (ready && killAt === undefined) {
              killAt = setTimeout(() => {
                clearTimeout(timer);
                child.kill("SIGKILL");
                resolve();
              }, pauseAt === undefined ? Math.floor(Math.random() * 300) : 0);
            }
          });
          child.once("exit", (code) => reject(new Error(`writer exited by itself (${code}): ${out}`)));
        });
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
      }
      expect(child.signalCode).to.equal("SIGKILL");
      for (const m of out.matchAll(/committed (\d+)\n/g)) lastSeen = Math.max(lastSeen, Number(m[1]));

      expect(sql(path, "PRAGMA integrity_check")).to.deep.equal([{ integrity_check: "ok" }]);
      const state = readKeeperState(path);
      const g = state.lastBlock!;
      if (pauseAt !== undefined) expect(g, `round ${round}: killed inside generation ${pauseAt}`).to.equal(pauseAt - 1);
      else expect(g, `round ${round}: last committed seen ${lastSeen}`).to.be.oneOf([lastSeen, lastSeen + 1]); // a commit may finish before its line is read
      expect(g).to.be.greaterThan(committed);
      // whole: every row is of that one generation
      expect(state).to.deep.equal(generation(g));
      expect(state.accounts.size).to.equal(ACCOUNTS);
      committed = g;
    }
  });
});
