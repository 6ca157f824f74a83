/** Signed amounts on the trader commands' command lines and in their output. */
import { formatUnits, parseUnits, POSITION_DECIMALS, usd } from "../../prover/src/index.js";
import { UsageError } from "../usage.js";

/** `--size`: signed units of the underlying (18 decimals); 0 refused. */
export function parseSize(value: string | undefined): bigint {
  if (value === undefined) throw new UsageError("--size is required (signed units of the underlying, e.g. 0.5 or --size=-0.5)");
  const negative = value.startsWith("-");
  let units: bigint;
  try {
    units = parseUnits(negative ? value.slice(1) : value, POSITION_DECIMALS, "--size");
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (units === 0n) throw new UsageError("--size must not be 0");
  return negative ? -units : units;
}

/** A signed fixed-point amount as a decimal string. */
export function formatSigned(x: bigint, decimals = POSITION_DECIMALS): string {
  return x < 0n ? `-${formatUnits(-x, decimals)}` : formatUnits(x, decimals);
}

/** A signed value in 1e-30 USD units as dollars. */
export function signedUsd(x: bigint): string {
  return x < 0n ? `-${usd(-x)}` : usd(x);
}
