/**
 * A progress bar with an ETA for long runs (proving a period's batches), written to stderr.
 *
 * On a TTY it redraws one line in place (at most 10 times a second). Elsewhere (a pipe, a CI
 * log, a test) it prints plain lines: one per whole percent or every `plainIntervalMs`, whichever
 * comes later, plus the last one, so a log of 6,000 batches stays short.
 *
 * The rate and the ETA count only work done in this run: work resumed from disk is shown as done
 * but does not inflate the rate.
 */
import type { Writable } from "node:stream";

/** Options of a progress bar. */
export interface ProgressOptions {
  /** Units of work in all (for example batches). */
  total: number;
  /** Already done before this run started (resumed work). */
  done?: number;
  /** Text before the bar: `proving batches`. */
  label: string;
  /** Plural noun of the unit, shown with the rate (default "items"). */
  unit?: string;
  /** Where to write (default process.stderr). */
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Force the TTY or plain mode (default: `stream.isTTY`). */
  tty?: boolean;
  /** Minimum time between plain lines (default 2000 ms). */
  plainIntervalMs?: number;
  /** Write nothing at all. */
  silent?: boolean;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Formats a duration as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** A progress bar; call `tick()` per finished unit and `finish()` at the end. */
export class ProgressBar {
  private readonly total: number;
  private done: number;
  private readonly resumed: number;
  private readonly started: number;
  private readonly stream: Writable & { isTTY?: boolean; columns?: number };
  private readonly tty: boolean;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private lastPercent = -1;
  private note = "";
  private finished = false;

  constructor(private readonly opts: ProgressOptions) {
    if (!Number.isInteger(opts.total) || opts.total < 0) throw new RangeError(`progress total must be a non-negative integer, got ${opts.total}`);
    this.total = opts.total;
    this.done = opts.done ?? 0;
    this.resumed = this.done;
    this.now = opts.now ?? ((): number => performance.now());
    this.started = this.now();
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? this.stream.isTTY === true;
    this.draw(true);
  }

  /** Units finished so far (including resumed ones). */
  get count(): number {
    return this.done;
  }

  /** Records `n` finished units; `note` is shown after the figures (e.g. the last batch's time). */
  tick(n = 1, note?: string): void {
    this.done = Math.min(this.total, this.done + n);
    if (note !== undefined) this.note = note;
    this.draw(false);
  }

  /** Draws the final state and ends the line. Idempotent. */
  finish(note?: string): void {
    if (this.finished) return;
    if (note !== undefined) this.note = note;
    // In plain mode the last tick already printed the complete line.
    if (this.tty || this.lastPercent !== 100 || this.done !== this.total || note !== undefined) this.draw(true);
    this.finished = true;
    if (this.tty && !this.opts.silent) this.stream.write("\n");
  }

  /** Elapsed ms, rate (units/s) and ETA (ms) of this run. */
  stats(): { elapsedMs: number; rate: number; etaMs: number } {
    const elapsedMs = this.now() - this.started;
    const fresh = this.done - this.resumed;
    const rate = fresh > 0 && elapsedMs > 0 ? (fresh * 1000) / elapsedMs : 0;
    const etaMs = rate > 0 ? ((this.total - this.done) / rate) * 1000 : Number.NaN;
    return { elapsedMs, rate, etaMs };
  }

  /** The status line without the bar. */
  line(): string {
    const { elapsedMs, rate, etaMs } = this.stats();
    const pct = this.total === 0 ? 100 : Math.floor((this.done * 100) / this.total);
    const parts = [`${this.opts.label} ${this.done}/${this.total} ${pct}%`];
    if (rate > 0) parts.push(`${rate.toFixed(2)} ${this.opts.unit ?? "items"}/s`);
    parts.push(`elapsed ${formatDuration(elapsedMs)}`);
    if (this.done < this.total) parts.push(`ETA ${Number.isNaN(etaMs) ? "?" : formatDuration(etaMs)}`);
    if (this.note !== "") parts.push(this.note);
    return parts.join("  ");
  }

  private draw(force: boolean): void {
    if (this.opts.silent || this.finished) return;
    const t = this.now();
    if (this.tty) {
      if (!force && t - this.lastDraw < 100 && this.done < this.total) return;
      this.lastDraw = t;
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 80));
      const filled = this.total === 0 ? width : Math.round((this.done * width) / this.total);
      const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
      this.stream.write(`\r\x1b[2K${bar} ${this.line()}`);
      return;
    }
    const pct = this.total === 0 ? 100 : Math.floor((this.done * 100) / this.total);
    const interval = this.opts.plainIntervalMs ?? 2000;
    const due = pct !== this.lastPercent && t - this.lastDraw >= interval;
    if (!force && !due && this.done < this.total) return;
    if (!force && this.done === this.total && this.lastPercent === 100) return;
    this.lastDraw = t;
    this.lastPercent = pct;
    this.stream.write(`${this.line()}\n`);
  }
}
