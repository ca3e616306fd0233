/**
 * Request counts per second and per minute, kept exactly whatever the order of the lines (several files, rotated
 * logs read in any order, log lines written at the end of requests). Counts live in chunks allocated only for the
 * hours (per-second counts) and days (per-minute counts) that have requests, so memory grows with the time the
 * logs cover and the number of destinations — never with the number of lines. A budget bounds the per-second
 * chunks of all series together; past it, per-second peaks are not computed (per-minute peaks still are) and the
 * report says so.
 */

const HOUR = 3600;
const DAY_MINUTES = 1440;

export class SeriesBudget {
  /** Per-second cells (4 bytes each) still available. */
  secondCells: number;
  minuteCells: number;
  exhausted = false;
  constructor(secondCells = 32 * 1024 * 1024, minuteCells = 16 * 1024 * 1024) {
    this.secondCells = secondCells;
    this.minuteCells = minuteCells;
  }
}

export class Series {
  /** Hour index (epoch seconds / 3600) → counts per second of that hour. */
  readonly seconds = new Map<number, Uint32Array>();
  /** Day index → counts per minute of that day. */
  readonly minutes = new Map<number, Uint32Array>();
  private lastHour = NaN;
  private lastHourChunk: Uint32Array | undefined;
  private lastDay = NaN;
  private lastDayChunk: Uint32Array | undefined;

  constructor(private readonly budget: SeriesBudget) {}

  add(time: number): void {
    const sec = Math.floor(time);
    const hour = Math.floor(sec / HOUR);
    let chunk = hour === this.lastHour ? this.lastHourChunk : this.seconds.get(hour);
    if (!chunk && this.budget.secondCells >= HOUR) {
      chunk = new Uint32Array(HOUR);
      this.budget.secondCells -= HOUR;
      this.seconds.set(hour, chunk);
    } else if (!chunk) this.budget.exhausted = true;
    if (chunk) {
      chunk[sec - hour * HOUR]++;
      this.lastHour = hour;
      this.lastHourChunk = chunk;
    }
    const minute = Math.floor(sec / 60);
    const day = Math.floor(minute / DAY_MINUTES);
    let m = day === this.lastDay ? this.lastDayChunk : this.minutes.get(day);
    if (!m && this.budget.minuteCells >= DAY_MINUTES) {
      m = new Uint32Array(DAY_MINUTES);
      this.budget.minuteCells -= DAY_MINUTES;
      this.minutes.set(day, m);
    } else if (!m) this.budget.exhausted = true;
    if (m) {
      m[minute - day * DAY_MINUTES]++;
      this.lastDay = day;
      this.lastDayChunk = m;
    }
  }
}

export interface Peak {
  /** Requests per second. */
  rate: number;
  /** Start of the busiest bucket, seconds since the epoch. */
  at: number;
}

/** The busiest second and minute of a weighted sum of series (a pool: Σ requests of each destination × its share). */
export function peaks(parts: ReadonlyArray<{ series: Series; weight: number }>): { second?: Peak; minute?: Peak & { requests: number } } {
  const live = parts.filter((p) => p.weight > 0);
  if (live.length === 0) return {};
  let second: Peak | undefined;
  const hours = new Set<number>();
  for (const p of live) for (const h of p.series.seconds.keys()) hours.add(h);
  const scratch = new Float64Array(HOUR);
  for (const h of hours) {
    scratch.fill(0);
    for (const p of live) {
      const c = p.series.seconds.get(h);
      if (!c) continue;
      const w = p.weight;
      for (let i = 0; i < HOUR; i++) if (c[i] !== 0) scratch[i] += c[i] * w;
    }
    for (let i = 0; i < HOUR; i++) {
      if (scratch[i] > 0 && (!second || scratch[i] > second.rate || (scratch[i] === second.rate && h * HOUR + i < second.at))) second = { rate: scratch[i], at: h * HOUR + i };
    }
  }
  let minute: (Peak & { requests: number }) | undefined;
  const days = new Set<number>();
  for (const p of live) for (const d of p.series.minutes.keys()) days.add(d);
  const mscratch = new Float64Array(DAY_MINUTES);
  for (const d of days) {
    mscratch.fill(0);
    for (const p of live) {
      const c = p.series.minutes.get(d);
      if (!c) continue;
      for (let i = 0; i < DAY_MINUTES; i++) if (c[i] !== 0) mscratch[i] += c[i] * p.weight;
    }
    for (let i = 0; i < DAY_MINUTES; i++) {
      const at = (d * DAY_MINUTES + i) * 60;
      if (mscratch[i] > 0 && (!minute || mscratch[i] > minute.requests || (mscratch[i] === minute.requests && at < minute.at))) minute = { rate: mscratch[i] / 60, requests: mscratch[i], at };
    }
  }
  return { second, minute };
}
