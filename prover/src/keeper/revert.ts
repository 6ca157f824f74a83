/** Why a call or transaction failed, for a log line. */
import type { Interface } from "ethers";

/** A failed call's reason: the custom error decoded with `iface` when the revert data is there. */
export function revertReason(err: unknown, iface?: Interface): string {
  const seen = new Set<unknown>();
  const find = (e: unknown): string | undefined => {
    if (typeof e !== "object" || e === null || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8}/.test(o.data)) return o.data;
    for (const k of ["error", "info", "cause", "data"]) {
      const d = find(o[k]);
      if (d !== undefined) return d;
    }
    return undefined;
  };
  const e = err as { revert?: { name: string; args: unknown[] }; shortMessage?: string; message?: string };
  if (e?.revert?.name !== undefined) return `${e.revert.name}(${e.revert.args.map(String).join(", ")})`;
  const data = find(err);
  if (data !== undefined && iface !== undefined) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // not one of the engine's errors: fall through to the message
    }
  }
  return e?.shortMessage ?? e?.message ?? String(err);
}
