/**
 * A custodian's client file, CSV or JSON, validated row by row into token base units.
 *
 * CSV: a header line, then one client per line.
 *
 *     id,USDC,USDC_debt,WETH,WETH_debt,WBTC,WBTC_debt
 *     alice,1500.25,0,2,0.5,0,0
 *
 *   - `id` comes first: any non-empty text without control characters or surrounding spaces, at
 *     most 256 UTF-8 bytes; quote it ("...", with "" for a quote) when it holds a comma.
 *   - then, in any order, `<SYMBOL>` (assets the custodian holds for the client) and `<SYMBOL>_debt`
 *     (what the client owes the custodian in that asset) for symbols of the asset registry; a missing
 *     column or an empty cell is 0.
 *   - amounts are whole tokens as plain decimal strings ("12.5"), at most the token's decimals.
 *
 * JSON: `[{ "id": "alice", "assets": { "USDC": "1500.25" }, "liabilities": { "WETH": "0.5" } }, ...]`
 * (or `{ "clients": [...] }`).
 *
 * Errors name the place and the reason: `line 17, column WETH_debt: negative amount "-1"` or
 * `clients[3].liabilities.WETH: negative amount "-1"`. Up to `MAX_REPORTED` problems are collected
 * before the file is rejected, so one run shows most of what to fix.
 */
import { readFileSync } from "node:fs";
import type { AssetInfo } from "../assets.js";
import { BALANCE_BITS, MAX_CLIENTS, N_ASSETS, RESERVE_DECIMALS } from "./constants.js";
import type { ClientBalances } from "./types.js";
import { normalizeAmount, normalizeClient } from "./normalize.js";

/** Longest accepted id, in UTF-8 bytes. */
export const MAX_ID_BYTES = 256;
/** Problems collected before giving up on a file. */
export const MAX_REPORTED = 20;

/** One client as read from the file, in token base units per asset slot (N_ASSETS entries each). */
export interface ClientRow {
  /** The client's id as written (hashed with SHA-256 before it enters the tree). */
  id: string;
  /** Assets held for the client, base units of each slot's token. */
  assets: bigint[];
  /** The client's liabilities (debts to the custodian), base units of each slot's token. */
  liabilities: bigint[];
  /** Where the client came from, for messages: `line 17` or `clients[3]`. */
  where: string;
}

/** One problem in a client file. */
export interface ClientFileIssue {
  /** `line 17, column WETH_debt` or `clients[3].liabilities.WETH`. */
  where: string;
  /** 1-based line for CSV input. */
  line?: number;
  /** Column name for CSV input. */
  column?: string;
  reason: string;
}

/** A client file was rejected; `issues` lists up to MAX_REPORTED problems, first to last. */
export class ClientFileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ClientFileIssue[],
    readonly truncated: boolean,
  ) {
    const list = issues.map((i) => `  ${i.where}: ${i.reason}`).join("\n");
    super(`${source}: ${issues.length === 1 ? "1 problem" : `${issues.length}${truncated ? "+" : ""} problems`}\n${list}${truncated ? "\n  (more problems not shown)" : ""}`);
    this.name = "ClientFileError";
  }
}

/** Collects issues and stops the parse once MAX_REPORTED are known. */
class Issues {
  readonly list: ClientFileIssue[] = [];
  truncated = false;
  add(issue: ClientFileIssue): void {
    if (this.list.length >= MAX_REPORTED) {
      this.truncated = true;
      throw STOP;
    }
    this.list.push(issue);
  }
}
const STOP = Symbol("stop");

/**
 * Parses a whole-token decimal amount into base units, checking that its normalised form
 * (6 decimals, assets rounded down, liabilities rounded up: normalize.ts) is below 2^64.
 * @returns base units, or a reason string when the amount is invalid.
 */
export function parseAmount(text: string, asset: AssetInfo, liability: boolean): bigint | string {
  if (text === "") return 0n;
  if (text.startsWith("-")) return `negative amount ${JSON.stringify(text)}`;
  const m = /^([0-9]+)(?:\.([0-9]*))?$/.exec(text) ?? /^()\.([0-9]+)$/.exec(text);
  if (m === null) return `not a decimal amount: ${JSON.stringify(text)} (write whole tokens like 12.5, no exponent or separators)`;
  const whole = m[1] === "" ? "0" : m[1]!;
  const frac = m[2] ?? "";
  if (frac.length > asset.decimals) {
    return `${frac.length} decimal places but ${asset.symbol} has ${asset.decimals}: ${text} is not a whole number of base units`;
  }
  const units = BigInt(whole) * 10n ** BigInt(asset.decimals) + BigInt(frac.padEnd(asset.decimals, "0") || "0");
  try {
    normalizeAmount(units, asset.decimals, liability ? "up" : "down");
  } catch {
    const max = formatNormalised((1n << BigInt(BALANCE_BITS)) - 1n);
    return `amount too large: ${text} ${asset.symbol} is not below 2^${BALANCE_BITS} units of 1e-${RESERVE_DECIMALS} token (at most ${max})`;
  }
  return units;
}

function formatNormalised(x: bigint): string {
  const s = x.toString().padStart(RESERVE_DECIMALS + 1, "0");
  return `${s.slice(0, -RESERVE_DECIMALS)}.${s.slice(-RESERVE_DECIMALS)}`;
}

/** Checks an id; returns a reason when it is unusable. */
export function checkId(id: string): string | undefined {
  if (id === "") return "missing id";
  if (id.trim() !== id) return `id ${JSON.stringify(id)} has leading or trailing spaces`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) return `id ${JSON.stringify(id)} contains a control character`;
  if (Buffer.byteLength(id, "utf8") > MAX_ID_BYTES) return `id is longer than ${MAX_ID_BYTES} bytes`;
  return undefined;
}

/**
 * Splits CSV text into records of fields with their 1-based starting line (RFC 4180 quoting;
 * LF or CRLF line ends; a UTF-8 BOM is ignored; blank lines are skipped).
 */
export function splitCsv(text: string): { line: number; fields: string[]; error?: string }[] {
  const out: { line: number; fields: string[]; error?: string }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) {
            error = "unterminated quoted field";
            break;
          }
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        if (error === undefined && i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          error = "text after a closing quote";
          while (i < text.length && text[i] !== "\n") i++;
        }
      } else {
        while (i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") field += text[i++];
      }
      fields.push(field);
      if (text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") i++;
    if (text[i] === "\n") {
      i++;
      line++;
    } else if (i < text.length && error === undefined) {
      error = "stray carriage return";
      while (i < text.length && text[i] !== "\n") i++;
    }
    const blank = fields.length === 1 && fields[0] === "" && error === undefined;
    if (!blank) out.push(error === undefined ? { line: start, fields } : { line: start, fields, error });
  }
  return out;
}

/** The column layout a CSV header maps to. */
interface Column {
  name: string;
  asset: AssetInfo;
  liability: boolean;
}

function emptyRow(id: string, where: string): ClientRow {
  return { id, assets: new Array<bigint>(N_ASSETS).fill(0n), liabilities: new Array<bigint>(N_ASSETS).fill(0n), where };
}

function finish(source: string, issues: Issues, rows: ClientRow[]): ClientRow[] {
  if (issues.list.length === 0 && rows.length === 0) issues.list.push({ where: source, reason: "no clients" });
  if (issues.list.length === 0 && rows.length > MAX_CLIENTS) {
    issues.list.push({ where: source, reason: `${rows.length} clients: the tree holds at most ${MAX_CLIENTS}` });
  }
  if (issues.list.length > 0) throw new ClientFileError(source, issues.list, issues.truncated);
  return rows;
}

/**
 * Parses a CSV client file.
 * @param text The file's content.
 * @param assets The asset registry (symbols, slots, decimals).
 * @param source Name used in the error message (the file path).
 * @throws ClientFileError listing each problem with its line and column.
 */
export function parseClientsCsv(text: string, assets: readonly AssetInfo[], source = "clients.csv"): ClientRow[] {
  const issues = new Issues();
  const rows: ClientRow[] = [];
  try {
    const records = splitCsv(text);
    const header = records[0];
    if (header === undefined) return finish(source, issues, rows);
    if (header.error !== undefined) issues.add({ where: `line ${header.line}`, line: header.line, reason: header.error });
    const names = header.fields.map((f) => f.trim());
    if (names[0] !== "id") {
      issues.add({ where: `line ${header.line}, column 1`, line: header.line, column: names[0], reason: `the first column must be "id", got ${JSON.stringify(names[0])}` });
    }
    const columns: (Column | undefined)[] = [undefined];
    const seen = new Set<string>(["id"]);
    for (const name of names.slice(1)) {
      const m = /^(.+?)(_debt)?$/.exec(name);
      const asset = m === null ? undefined : assets.find((a) => a.symbol === m[1]);
      if (asset === undefined) {
        const known = assets.flatMap((a) => [a.symbol, `${a.symbol}_debt`]).join(", ");
        issues.add({ where: `line ${header.line}, column ${name}`, line: header.line, column: name, reason: `unknown column ${JSON.stringify(name)}; expected id, then any of ${known}` });
      } else if (seen.has(name)) {
        issues.add({ where: `line ${header.line}, column ${name}`, line: header.line, column: name, reason: `column ${name} appears twice` });
      }
      seen.add(name);
      columns.push(asset === undefined ? undefined : { name, asset, liability: m![2] !== undefined });
    }
    if (issues.list.length > 0) return finish(source, issues, rows);

    const firstLine = new Map<string, number>();
    for (const rec of records.slice(1)) {
      const at = `line ${rec.line}`;
      if (rec.error !== undefined) {
        issues.add({ where: at, line: rec.line, reason: rec.error });
        continue;
      }
      if (rec.fields.length !== columns.length) {
        issues.add({ where: at, line: rec.line, reason: `${rec.fields.length} fields, but the header has ${columns.length}` });
        continue;
      }
      const id = rec.fields[0]!;
      const bad = checkId(id);
      if (bad !== undefined) issues.add({ where: `${at}, column id`, line: rec.line, column: "id", reason: bad });
      else if (firstLine.has(id)) {
        issues.add({ where: `${at}, column id`, line: rec.line, column: "id", reason: `duplicate id ${JSON.stringify(id)} (first on line ${firstLine.get(id)})` });
      } else firstLine.set(id, rec.line);
      const row = emptyRow(id, at);
      let ok = bad === undefined;
      for (let c = 1; c < columns.length; c++) {
        const col = columns[c]!;
        const v = parseAmount(rec.fields[c]!.trim(), col.asset, col.liability);
        if (typeof v === "string") {
          issues.add({ where: `${at}, column ${col.name}`, line: rec.line, column: col.name, reason: v });
          ok = false;
        } else (col.liability ? row.liabilities : row.assets)[col.asset.slot] = v;
      }
      if (ok) rows.push(row);
    }
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return finish(source, issues, rows);
}

/**
 * Parses a JSON client file: an array of `{ id, assets?: { SYM: amount }, liabilities?: { SYM: amount } }`
 * or `{ clients: [...] }`. Amounts are decimal strings of whole tokens (numbers are accepted when they
 * print as plain decimals).
 * @throws ClientFileError naming `clients[i].field` for each problem.
 */
export function parseClientsJson(value: unknown, assets: readonly AssetInfo[], source = "clients.json"): ClientRow[] {
  const issues = new Issues();
  const rows: ClientRow[] = [];
  try {
    const list = Array.isArray(value) ? value : (value as { clients?: unknown } | null)?.clients;
    if (!Array.isArray(list)) {
      issues.add({ where: source, reason: 'expected a JSON array of { "id", "assets", "liabilities" } (or { "clients": [...] })' });
      return finish(source, issues, rows);
    }
    const firstIndex = new Map<string, number>();
    list.forEach((entry: unknown, k) => {
      const at = `clients[${k}]`;
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        issues.add({ where: at, reason: "expected an object { id, assets, liabilities }" });
        return;
      }
      const e = entry as Record<string, unknown>;
      let ok = true;
      for (const key of Object.keys(e)) {
        if (key !== "id" && key !== "assets" && key !== "liabilities") {
          issues.add({ where: `${at}.${key}`, reason: `unknown field ${JSON.stringify(key)}; expected id, assets, liabilities` });
          ok = false;
        }
      }
      const id = typeof e.id === "string" ? e.id : e.id === undefined ? "" : undefined;
      const bad = id === undefined ? "id must be a string" : checkId(id);
      if (bad !== undefined) {
        issues.add({ where: `${at}.id`, reason: bad });
        ok = false;
      } else if (firstIndex.has(id!)) {
        issues.add({ where: `${at}.id`, reason: `duplicate id ${JSON.stringify(id)} (first at clients[${firstIndex.get(id!)}])` });
        ok = false;
      } else firstIndex.set(id!, k);
      const row = emptyRow(id ?? "", at);
      for (const side of ["assets", "liabilities"] as const) {
        const amounts = e[side];
        if (amounts === undefined) continue;
        if (amounts === null || typeof amounts !== "object" || Array.isArray(amounts)) {
          issues.add({ where: `${at}.${side}`, reason: "expected an object mapping asset symbols to amounts" });
          ok = false;
          continue;
        }
        for (const [symbol, raw] of Object.entries(amounts as Record<string, unknown>)) {
          const where = `${at}.${side}.${symbol}`;
          const asset = assets.find((a) => a.symbol === symbol);
          if (asset === undefined) {
            issues.add({ where, reason: `unknown asset ${JSON.stringify(symbol)}; known: ${assets.map((a) => a.symbol).join(", ")}` });
            ok = false;
            continue;
          }
          let text: string;
          if (typeof raw === "string") text = raw.trim();
          else if (typeof raw === "number" && Number.isFinite(raw) && !/e/i.test(String(raw))) text = String(raw);
          else {
            issues.add({ where, reason: `expected a decimal string such as "12.5", got ${JSON.stringify(raw)}` });
            ok = false;
            continue;
          }
          if (text === "") {
            issues.add({ where, reason: "empty amount" });
            ok = false;
            continue;
          }
          const v = parseAmount(text, asset, side === "liabilities");
          if (typeof v === "string") {
            issues.add({ where, reason: v });
            ok = false;
          } else (side === "liabilities" ? row.liabilities : row.assets)[asset.slot] = v;
        }
      }
      if (ok) rows.push(row);
    });
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return finish(source, issues, rows);
}

/**
 * Reads a client file: JSON when the name ends in `.json` or the content starts with `[` or `{`,
 * CSV otherwise.
 * @throws Error naming the file when it cannot be read; ClientFileError for invalid content.
 */
export function readClientFile(path: string, assets: readonly AssetInfo[]): ClientRow[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`client file ${path}: not found or unreadable`);
  }
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (path.toLowerCase().endsWith(".json") || trimmed.startsWith("[") || trimmed.startsWith("{")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new ClientFileError(path, [{ where: path, reason: `not valid JSON (${(err as Error).message})` }], false);
    }
    return parseClientsJson(value, assets, path);
  }
  return parseClientsCsv(text, assets, path);
}

function formatUnitsPlain(units: bigint, decimals: number): string {
  if (decimals === 0) return units.toString();
  const s = units.toString().padStart(decimals + 1, "0");
  const frac = s.slice(-decimals).replace(/0+$/, "");
  return frac === "" ? s.slice(0, -decimals) : `${s.slice(0, -decimals)}.${frac}`;
}

function quoteCsv(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Writes clients as CSV with a column pair per registry asset (the inverse of `parseClientsCsv`). */
export function formatClientsCsv(rows: readonly Pick<ClientRow, "id" | "assets" | "liabilities">[], assets: readonly AssetInfo[]): string {
  const header = ["id", ...assets.flatMap((a) => [a.symbol, `${a.symbol}_debt`])];
  const lines = [header.join(",")];
  for (const r of rows) {
    const cells = [quoteCsv(r.id)];
    for (const a of assets) cells.push(formatUnitsPlain(r.assets[a.slot]!, a.decimals), formatUnitsPlain(r.liabilities[a.slot]!, a.decimals));
    lines.push(cells.join(","));
  }
  return lines.join("\n") + "\n";
}

/** The token decimals of each of the N_ASSETS slots (6 for slots the registry does not use). */
export function slotDecimals(assets: readonly AssetInfo[]): number[] {
  const out = new Array<number>(N_ASSETS).fill(RESERVE_DECIMALS);
  for (const a of assets) out[a.slot] = a.decimals;
  return out;
}

/** Normalises parsed rows (token base units) into the balances the reserves circuits take (6 decimals). */
export function toClientBalances(rows: readonly ClientRow[], assets: readonly AssetInfo[]): ClientBalances[] {
  const decimals = slotDecimals(assets);
  return rows.map((r) => normalizeClient({ id: r.id, assets: r.assets, liabilities: r.liabilities }, decimals, r.where));
}
