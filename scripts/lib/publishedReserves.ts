/** The published proof-of-reserves rates `bench:reserves` prints beside its own (quoted, not measured here). */

/**
 * A published figure, not measured here: Binance's zk-SNARK proof of reserves, as quoted in
 * circuits/README.md (1,380 users per batch proof in 62 s on 32 cores). Binance's write-up is
 * "How zk-SNARKs Improve Binance's Proof of Reserves System" (2023-02-10, URL below); press coverage
 * of that post quotes 864 users per batch and 110 s per batch proof, so which release the 1,380 / 62 s /
 * 32 cores figures come from must be checked against Binance's own publication before quoting it.
 */
export const BINANCE = {
  usersPerBatch: 1380,
  seconds: 62,
  cores: 32,
  label: "published by Binance (quoted, not measured here)",
  source: "https://www.binance.com/en/blog/tech/how-zksnarks-improve-binances-proof-of-reserves-system-6654580406550811626",
} as const;
export const binancePerCore = BINANCE.usersPerBatch / BINANCE.seconds / BINANCE.cores;
/**
 * PSE Summa v2 (Halo2, no haircuts, no per-client health check), as quoted in issue 13: about 3.2
 * users per second per core. Not measured here and not re-checked against Summa's own benchmarks.
 */
export const SUMMA = { usersPerSecondPerCore: 3.2, label: "PSE Summa v2, no haircuts (quoted in issue 13, not measured here)" } as const;
