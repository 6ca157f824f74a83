/** Small formatting helpers for the demo and the benchmark output. */
import { formatUnits, usd, WAD } from "../../prover/src/index.js";

/** 1e-30 USD value units -> "$12,345.67" (the library's `usd`). */
export { usd };

/** 8-decimal price -> "$3,000.00". */
export function price8(p: bigint): string {
  return usd(p * 10n ** 22n);
}

/** WAD ratio -> "12.34%". */
export function pct(wad: bigint): string {
  return `${(Number((wad * 1_000_000n) / WAD) / 10_000).toFixed(2)}%`;
}

/** Base units -> "1.5 WETH". */
export function tokens(units: bigint, decimals: number, symbol: string): string {
  return `${formatUnits(units, decimals)} ${symbol}`;
}

/** Prints rows as an aligned text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The median of `xs` (the mean of the middle two for an even count); `xs` is not modified. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
