/**
 * The custodian's client file (prover/src/reserves/csv.ts): CSV and JSON, validated row by row with
 * errors that name the line and the column, and normalised to the circuits' 6 decimals.
 */
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_REGISTRY } from "../../prover/src/devnet.js";
import { N_ASSETS } from "../../prover/src/reserves/constants.js";
import {
  ClientFileError,
  formatClientsCsv,
  MAX_REPORTED,
  parseClientsCsv,
  parseClientsJson,
  readClientFile,
  splitCsv,
  toClientBalances,
} from "../../prover/src/reserves/csv.js";

const assets = DEV_REGISTRY; // USDC (6 decimals, slot 0), WETH (18, slot 1), WBTC (8, slot 2)
const HEADER = "id,USDC,USDC_debt,WETH,WETH_debt,WBTC,WBTC_debt";

/** The problems a parse reports, as "where: reason" lines. */
function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ClientFileError);
    return (err as ClientFileError).issues.map((i) => `${i.where}: ${i.reason}`);
  }
  expect.fail("the file was accepted");
}

describe("reserves client file", function () {
  describe("CSV", function () {
    it("reads whole-token amounts into token base units per slot", function () {
      const rows = parseClientsCsv(`${HEADER}\nalice,1500.25,0,2,0.5,0,0\nbob,,,,,0.015,\n`, assets);
      expect(rows).to.have.length(2);
      expect(rows[0]!.id).to.equal("alice");
      expect(rows[0]!.assets.slice(0, 3)).to.deep.equal([1_500_250_000n, 2n * 10n ** 18n, 0n]);
      expect(rows[0]!.liabilities.slice(0, 3)).to.deep.equal([0n, 5n * 10n ** 17n, 0n]);
      expect(rows[1]!.assets.slice(0, 3)).to.deep.equal([0n, 0n, 1_500_000n]);
      expect(rows[1]!.assets).to.have.length(N_ASSETS);
      expect(rows[1]!.where).to.equal("line 3");
    });

    it("accepts columns in any order, missing asset columns, quoted ids, CRLF and a BOM", function () {
      const rows = parseClientsCsv(`\uFEFFid,WBTC_debt,WETH\r\n"smith, john",0.5,1\r\n"say ""hi""",0,0\r\n`, assets);
      expect(rows.map((r) => r.id)).to.deep.equal(["smith, john", 'say "hi"']);
      expect(rows[0]!.liabilities[2]).to.equal(50_000_000n);
      expect(rows[0]!.assets[1]).to.equal(10n ** 18n);
    });

    it("names the line and the column of a negative amount", function () {
      const lines = [HEADER, ...Array.from({ length: 15 }, (_, i) => `c${i},1,0,0,0,0,0`), "mallory,0,0,0,-1,0,0"];
      expect(problems(() => parseClientsCsv(lines.join("\n"), assets))).to.deep.equal(['line 17, column WETH_debt: negative amount "-1"']);
    });

    it("rejects p - 1 written as an amount (too large, not a negative in the field)", function () {
      const p1 = "21888242871839275222246405745257275088548364400416034343698204186575808495616";
      expect(problems(() => parseClientsCsv(`${HEADER}\neve,${p1},0,0,0,0,0`, assets))[0]).to.match(/^line 2, column USDC: amount too large/);
    });

    it("rejects an amount whose normalised value reaches 2^64, and accepts the largest one below", function () {
      // 2^64 - 1 units of 1e-6 USDC is 18446744073709.551615 USDC.
      expect(parseClientsCsv(`${HEADER}\nok,18446744073709.551615,0,0,0,0,0`, assets)[0]!.assets[0]).to.equal((1n << 64n) - 1n);
      expect(problems(() => parseClientsCsv(`${HEADER}\nbig,18446744073709.551616,0,0,0,0,0`, assets))[0]).to.match(/^line 2, column USDC: amount too large: .* not below 2\^64/);
      // A liability rounds up: 18446744073709.5516151 WETH is 2^64 units after ceil.
      expect(problems(() => parseClientsCsv(`${HEADER}\nbig,0,0,0,18446744073709.5516151,0,0`, assets))[0]).to.match(/^line 2, column WETH_debt: amount too large/);
    });

    it("rejects more decimals than the token has", function () {
      expect(problems(() => parseClientsCsv(`${HEADER}\ncarol,1.0000001,0,0,0,0,0`, assets))).to.deep.equal([
        "line 2, column USDC: 7 decimal places but USDC has 6: 1.0000001 is not a whole number of base units",
      ]);
    });

    it("rejects text, exponents and thousands separators", function () {
      const got = problems(() => parseClientsCsv(`${HEADER}\na,abc,0,0,0,0,0\nb,1e3,0,0,0,0,0\nc,"1,000",0,0,0,0,0`, assets));
      expect(got).to.have.length(3);
      expect(got[0]).to.match(/^line 2, column USDC: not a decimal amount: "abc"/);
      expect(got[1]).to.match(/^line 3, column USDC: not a decimal amount: "1e3"/);
      expect(got[2]).to.match(/^line 4, column USDC: not a decimal amount: "1,000"/);
    });

    it("rejects a duplicate id, naming both lines", function () {
      expect(problems(() => parseClientsCsv(`${HEADER}\nalice,1,0,0,0,0,0\nbob,1,0,0,0,0,0\nalice,2,0,0,0,0,0`, assets))).to.deep.equal([
        'line 4, column id: duplicate id "alice" (first on line 2)',
      ]);
    });

    it("rejects a missing id, an id with surrounding spaces and one with a control character", function () {
      const got = problems(() => parseClientsCsv(`${HEADER}\n,1,0,0,0,0,0\n bob ,1,0,0,0,0,0\n"a\tb",1,0,0,0,0,0`, assets));
      expect(got).to.deep.equal([
        "line 2, column id: missing id",
        'line 3, column id: id " bob " has leading or trailing spaces',
        'line 4, column id: id "a\\tb" contains a control character',
      ]);
    });

    it("rejects an unknown column and a repeated column in the header", function () {
      expect(problems(() => parseClientsCsv("id,USDC,DOGE\nx,1,1", assets))[0]).to.match(/^line 1, column DOGE: unknown column "DOGE"; expected id, then any of USDC, USDC_debt/);
      expect(problems(() => parseClientsCsv("id,USDC,USDC\nx,1,1", assets))).to.deep.equal(["line 1, column USDC: column USDC appears twice"]);
      expect(problems(() => parseClientsCsv("name,USDC\nx,1", assets))[0]).to.match(/^line 1, column 1: the first column must be "id"/);
    });

    it("rejects a row with the wrong number of fields and an unterminated quote", function () {
      expect(problems(() => parseClientsCsv(`${HEADER}\nalice,1,0\n`, assets))).to.deep.equal(["line 2: 3 fields, but the header has 7"]);
      expect(problems(() => parseClientsCsv(`${HEADER}\n"alice,1,0,0,0,0,0\n`, assets))).to.deep.equal(["line 2: unterminated quoted field"]);
    });

    it("counts lines through quoted line breaks", function () {
      const got = problems(() => parseClientsCsv(`${HEADER}\n"multi\nline",1,0,0,0,0,0\nz,-2,0,0,0,0,0`, assets));
      expect(got).to.deep.equal(['line 2, column id: id "multi\\nline" contains a control character', 'line 4, column USDC: negative amount "-2"']);
    });

    it("collects several problems, and stops after MAX_REPORTED", function () {
      const lines = [HEADER, ...Array.from({ length: 50 }, (_, i) => `c${i},-1,0,0,0,0,0`)];
      try {
        parseClientsCsv(lines.join("\n"), assets);
        expect.fail("accepted");
      } catch (err) {
        const e = err as ClientFileError;
        expect(e.issues).to.have.length(MAX_REPORTED);
        expect(e.truncated).to.equal(true);
        expect(e.message).to.include("more problems not shown");
        expect(e.message).to.include("line 2, column USDC: negative amount");
      }
    });

    it("rejects a file with a header and no clients", function () {
      expect(problems(() => parseClientsCsv(`${HEADER}\n`, assets, "empty.csv"))).to.deep.equal(["empty.csv: no clients"]);
    });

    it("splits quoted fields, escaped quotes and blank lines", function () {
      expect(splitCsv('a,"b,c","d""e"\n\n1,2,3\n')).to.deep.equal([
        { line: 1, fields: ["a", "b,c", 'd"e'] },
        { line: 3, fields: ["1", "2", "3"] },
      ]);
    });

    it("round-trips through formatClientsCsv", function () {
      const rows = parseClientsCsv(`${HEADER}\n"x,y",1.5,0.25,0.000000000000000001,3,0.00000001,0\n`, assets);
      const again = parseClientsCsv(formatClientsCsv(rows, assets), assets);
      expect(again.map((r) => [r.id, r.assets, r.liabilities])).to.deep.equal(rows.map((r) => [r.id, r.assets, r.liabilities]));
    });
  });

  describe("JSON", function () {
    it("reads [{ id, assets, liabilities }] and { clients: [...] }", function () {
      const list = [{ id: "alice", assets: { USDC: "10", WETH: "1.5" }, liabilities: { WBTC: "0.001" } }];
      for (const doc of [list, { clients: list }]) {
        const rows = parseClientsJson(doc, assets);
        expect(rows[0]!.assets.slice(0, 3)).to.deep.equal([10_000_000n, 15n * 10n ** 17n, 0n]);
        expect(rows[0]!.liabilities[2]).to.equal(100_000n);
        expect(rows[0]!.where).to.equal("clients[0]");
      }
    });

    it("names the entry and the field of each problem", function () {
      const got = problems(() =>
        parseClientsJson(
          [
            { id: "a", assets: { USDC: "-1" } },
            { id: "b", liabilities: { DOGE: "1" } },
            { id: "a" },
            { assets: {} },
            { id: "c", assets: { WETH: 1e21 } },
            { id: "d", extra: 1 },
            { id: "e", liabilities: { WBTC: "0.000000001" } },
          ],
          assets,
        ),
      );
      expect(got).to.deep.equal([
        'clients[0].assets.USDC: negative amount "-1"',
        'clients[1].liabilities.DOGE: unknown asset "DOGE"; known: USDC, WETH, WBTC',
        'clients[2].id: duplicate id "a" (first at clients[0])',
        "clients[3].id: missing id",
        "clients[4].assets.WETH: expected a decimal string such as \"12.5\", got 1e+21",
        'clients[5].extra: unknown field "extra"; expected id, assets, liabilities',
        "clients[6].liabilities.WBTC: 9 decimal places but WBTC has 8: 0.000000001 is not a whole number of base units",
      ]);
    });

    it("rejects a document that is not a list of clients", function () {
      expect(problems(() => parseClientsJson({ rows: [] }, assets))[0]).to.match(/expected a JSON array/);
    });
  });

  describe("readClientFile and normalisation", function () {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-csv-"));

    it("picks CSV or JSON from the name and the content", function () {
      writeFileSync(join(dir, "c.csv"), `${HEADER}\nalice,1,0,0,0,0,0\n`);
      writeFileSync(join(dir, "c.json"), JSON.stringify([{ id: "alice", assets: { USDC: "1" } }]));
      writeFileSync(join(dir, "c.txt"), JSON.stringify([{ id: "alice", assets: { USDC: "1" } }]));
      for (const f of ["c.csv", "c.json", "c.txt"]) expect(readClientFile(join(dir, f), assets)[0]!.assets[0]).to.equal(1_000_000n);
    });

    it("reports a missing file and invalid JSON by name", function () {
      expect(() => readClientFile(join(dir, "nope.csv"), assets)).to.throw(/nope\.csv: not found or unreadable/);
      writeFileSync(join(dir, "bad.json"), "[{");
      expect(() => readClientFile(join(dir, "bad.json"), assets)).to.throw(ClientFileError, /not valid JSON/);
    });

    it("rounds assets down and liabilities up to 6 decimals; tokens with fewer decimals scale up exactly", function () {
      const rows = parseClientsCsv(`${HEADER}\na,1.5,0,0.0000001234567,0.0000001234561,0.00000001,0.00000001\n`, assets);
      const [c] = toClientBalances(rows, assets);
      // WETH 1.234567e-7 is 0.123... units of 1e-6 and WBTC 1e-8 is 0.01 units: assets floor to 0,
      // liabilities ceil to 1.
      expect(c!.assets.slice(0, 3)).to.deep.equal([1_500_000n, 0n, 0n]);
      expect(c!.liabilities.slice(0, 3)).to.deep.equal([0n, 1n, 1n]);
      const [d] = toClientBalances(parseClientsCsv("id,WBTC,WBTC_debt\nb,0.12345678,0.12345678", assets), assets);
      expect([d!.assets[2], d!.liabilities[2]]).to.deep.equal([123_456n, 123_457n]);
      // A 2-decimal token scales up exactly.
      const two = [{ symbol: "EURX", slot: 0, decimals: 2 }];
      const [e] = toClientBalances(parseClientsCsv("id,EURX,EURX_debt\ne,1.25,0.01", two), two);
      expect([e!.assets[0], e!.liabilities[0]]).to.deep.equal([1_250_000n, 10_000n]);
    });
  });
});
