/**
 * circomlibjs Poseidon (the same permutation as circomlib's `Poseidon(n)` and `PoseidonEx`),
 * built once on first use. circomlibjs itself is imported on first use too, so that importing the
 * library costs nothing until a hash is needed.
 */
type CircomlibPoseidon = ((inputs: unknown[], initialState?: unknown, nOuts?: number) => unknown) & { F: { toObject(x: unknown): bigint } };

let instance: Promise<CircomlibPoseidon> | undefined;

/** Lazily built circomlibjs Poseidon. */
function getPoseidon(): Promise<CircomlibPoseidon> {
  instance ??= import("circomlibjs").then((m) => m.buildPoseidon() as Promise<CircomlibPoseidon>);
  return instance;
}

/** Poseidon hash of 1 to 16 field elements, as a bigint. */
export async function poseidon(inputs: readonly bigint[]): Promise<bigint> {
  const p = await getPoseidon();
  return p.F.toObject(p([...inputs]));
}

/** Synchronous Poseidon for hot loops, once `initPoseidon()` has resolved. */
export type SyncPoseidon = (inputs: readonly bigint[]) => bigint;

/** Returns a synchronous Poseidon function (builds the wasm tables once). */
export async function initPoseidon(): Promise<SyncPoseidon> {
  const p = await getPoseidon();
  return (inputs) => p.F.toObject(p([...inputs]));
}

/**
 * A synchronous Poseidon (usable wherever a {@link SyncPoseidon} is) that also exposes circomlib's
 * `PoseidonEx(nInputs, nOuts)`: the first `nOuts` elements of the permuted state
 * `[initialState, ...inputs]`.
 */
export interface SyncPoseidonEx extends SyncPoseidon {
  ex(inputs: readonly bigint[], initialState: bigint, nOuts: number): bigint[];
}

let poseidonEx: Promise<SyncPoseidonEx> | undefined;

/**
 * A {@link SyncPoseidonEx} (builds circomlibjs' wasm Poseidon once). It hashes exactly like
 * `initPoseidon()`, so it can replace it everywhere.
 */
export function initPoseidonEx(): Promise<SyncPoseidonEx> {
  poseidonEx ??= import("circomlibjs").then((m) => m.buildPoseidon()).then((p: CircomlibPoseidon) => {
    const h = ((inputs: readonly bigint[]): bigint => p.F.toObject(p([...inputs]))) as SyncPoseidonEx;
    h.ex = (inputs, initialState, nOuts) => {
      if (!Number.isInteger(nOuts) || nOuts < 1 || nOuts > inputs.length + 1) throw new RangeError(`nOuts ${nOuts} is not in [1, ${inputs.length + 1}]`);
      const out = p([...inputs], initialState, nOuts);
      return nOuts === 1 ? [p.F.toObject(out)] : (out as unknown[]).map((x) => p.F.toObject(x));
    };
    return h;
  });
  return poseidonEx;
}
