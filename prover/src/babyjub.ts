/**
 * Baby Jubjub (circomlibjs `buildBabyjub`, the curve of circomlib's `babyjub.circom`), the curve of
 * keeper keys and of the keeper-note encryption: its constants, and the circomlibjs object built
 * once on first use (circomlibjs is imported then, not when this module is loaded).
 *
 * Every value is a bigint; points are [x, y] with canonical coordinates (< FIELD_MODULUS, the BN254
 * scalar field over which Baby Jubjub is defined).
 */

/** An affine Baby Jubjub point [x, y] with canonical coordinates (< FIELD_MODULUS). The identity is [0, 1]. */
export type Point = readonly [bigint, bigint];

/** Order of the prime subgroup (circomlibjs `babyJub.subOrder`), a 251-bit prime. */
export const SUB_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
/** Generator of the prime subgroup (circomlibjs `babyJub.Base8`). */
export const BASE8: Point = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];
/** The identity element (0, 1). */
export const IDENTITY: Point = [0n, 1n];

/**
 * The circomlibjs Baby Jubjub object (`await buildBabyjub()`), the parts used here. Its field
 * elements are opaque (Montgomery-form buffers); convert with `F.e` and `F.toObject`.
 */
export interface CircomlibBabyJub {
  F: { e(x: bigint): unknown; toObject(x: unknown): bigint };
  addPoint(a: unknown[], b: unknown[]): unknown[];
  mulPointEscalar(point: unknown[], scalar: bigint): unknown[];
  inCurve(point: unknown[]): boolean;
  inSubgroup(point: unknown[]): boolean;
}

let circomlib: Promise<CircomlibBabyJub> | undefined;

/** The circomlibjs curve object, built once. */
export function circomlibBabyJub(): Promise<CircomlibBabyJub> {
  circomlib ??= import("circomlibjs").then((m) => m.buildBabyjub() as Promise<CircomlibBabyJub>);
  return circomlib;
}

/** Baby Jubjub group operations on bigint points, backed by circomlibjs. */
export interface BabyJub {
  /** a + b. */
  add(a: Point, b: Point): Point;
  /** scalar * point, for any non-negative scalar (not reduced). */
  mul(scalar: bigint, point: Point): Point;
  /** True iff the point satisfies the curve equation (coordinates must already be canonical). */
  inCurve(point: Point): boolean;
  /** True iff on the curve and SUB_ORDER * point is the identity. */
  inSubgroup(point: Point): boolean;
}

let instance: Promise<BabyJub> | undefined;

/** Lazily built circomlibjs Baby Jubjub, with bigint in and out. */
export function getBabyJub(): Promise<BabyJub> {
  instance ??= circomlibBabyJub().then((bj): BabyJub => {
    const F = bj.F;
    const toF = (q: Point): unknown[] => [F.e(q[0]), F.e(q[1])];
    const fromF = (q: unknown[]): Point => [F.toObject(q[0]) as bigint, F.toObject(q[1]) as bigint];
    return {
      add: (a, b) => fromF(bj.addPoint(toF(a), toF(b))),
      mul: (scalar, point) => fromF(bj.mulPointEscalar(toF(point), scalar)),
      inCurve: (point) => bj.inCurve(toF(point)) as boolean,
      inSubgroup: (point) => bj.inSubgroup(toF(point)) as boolean,
    };
  });
  return instance;
}
