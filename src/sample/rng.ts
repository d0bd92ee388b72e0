/**
 * A small seeded PRNG (mulberry32: 32-bit state, period 2^32), so `lakestep sample --seed S`
 * writes byte-identical lakes on every machine and Node version. Not for cryptography.
 */
export class Rng {
  private state: number;

  /** @param seed any integer; equal seeds give equal sequences */
  constructor(seed: number) {
    // Mix the seed once (splitmix-style) so seeds 1, 2, 3 do not start from neighbouring states.
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
    this.state = (s ^ (s >>> 16)) >>> 0;
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [lo, hi] (inclusive). */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Index into `weights` (non-negative, any sum), drawn proportionally. */
  weighted(weights: readonly number[], total: number): number {
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** 8 lower-case hex digits. */
  hex8(): string {
    return hex8(this.u32());
  }
}

/** `n` (unsigned 32-bit) as 8 lower-case hex digits. */
export const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
