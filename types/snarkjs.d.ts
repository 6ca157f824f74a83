declare module "snarkjs" {
  export const groth16: {
    fullProve(input: Record<string, unknown>, wasm: string | Uint8Array, zkey: string | Uint8Array, logger?: unknown): Promise<{ proof: any; publicSignals: string[] }>;
    prove(zkey: string | Uint8Array, witness: string | Uint8Array, logger?: unknown): Promise<{ proof: any; publicSignals: string[] }>;
    verify(vkey: any, publicSignals: readonly (string | bigint)[], proof: any, logger?: unknown): Promise<boolean>;
    exportSolidityCallData(proof: any, publicSignals: readonly string[]): Promise<string>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: string | Uint8Array, wtns: string | { type: string; data?: Uint8Array }, options?: unknown): Promise<void>;
    check(r1cs: string, wtns: string, logger?: unknown): Promise<boolean>;
  };
  export const r1cs: { info(file: string, logger?: unknown): Promise<any> };
  export const zKey: any;
  export const powersOfTau: any;
}
