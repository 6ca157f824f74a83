/** European options: fixed-point math, Black-Scholes and the options market's quote (bit for bit the contracts'). */
export * from "./math.js";
export * from "./blackScholes.js";
export * from "./quote.js";
