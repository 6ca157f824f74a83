/** Formatting of values for messages and reports (log fields and JSON keep the exact integers). */
import { VALUE_PER_CENT } from "./constants.js";

/** A value in 1e-30 USD as `$1,234.56` (rounded toward zero to the cent). */
export function usd(value: bigint): string {
  const cents = value / VALUE_PER_CENT;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `$${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** `1234…5678` for a long number in a message. */
export function shortNumber(x: bigint): string {
  const s = x.toString();
  return s.length <= 12 ? s : `${s.slice(0, 6)}…${s.slice(-4)}`;
}
