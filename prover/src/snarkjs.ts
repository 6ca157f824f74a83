/**
 * snarkjs, loaded on first use (importing it costs a noticeable fraction of a second, which a CLI
 * start or a no-change build should not pay), with the one export the shared `types/snarkjs.d.ts`
 * leaves out.
 */
export type SnarkjsModule = typeof import("snarkjs") & {
  curves: { getCurveFromName(name: string): Promise<unknown> };
};

let loaded: Promise<SnarkjsModule> | undefined;

/** The snarkjs module, imported once. */
export function loadSnarkjs(): Promise<SnarkjsModule> {
  loaded ??= import("snarkjs").then((m) => m as unknown as SnarkjsModule);
  return loaded;
}

/** Stop the BN254 worker threads snarkjs (ffjavascript) starts, so the process can exit. */
export async function terminateCurves(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}
