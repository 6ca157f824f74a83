import { buildPoseidon } from "circomlibjs";

type PoseidonFn = ((inputs: bigint[]) => Uint8Array) & { F: { toObject(x: Uint8Array): bigint } };

let instance: Promise<PoseidonFn> | undefined;

/** Lazily built circomlibjs Poseidon (the same permutation as circomlib's `Poseidon(n)`). */
function getPoseidon(): Promise<PoseidonFn> {
  instance ??= buildPoseidon() as Promise<PoseidonFn>;
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
