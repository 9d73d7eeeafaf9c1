import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The seeder's deterministic randomness: pure-rand's xoroshiro128+ behind a few helpers. Each
 * part of the seed draws from its own stream (`fork(label)`), so adding a column or a table in
 * one module does not shift the values of every other module.
 */
export class Rand {
  private readonly rng: RandomGenerator;

  constructor(readonly seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  /** An independent stream for one part of the seed, derived from the seed and a label. */
  fork(label: string): Rand {
    const digest = createHash('sha256').update(`${this.seed}:${label}`).digest();
    return new Rand(digest.readInt32BE(0));
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** A float in [0, 1) with 2^-30 resolution (rounded so it survives a float8 round trip unchanged). */
  float(): number {
    return uniformInt(this.rng, 0, 0x3fffffff) / 0x40000000;
  }

  /** A float in [min, max), rounded to `digits` decimals. */
  between(min: number, max: number, digits = 4): number {
    const f = 10 ** digits;
    return Math.round((min + this.float() * (max - min)) * f) / f;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** `n` distinct items (n capped at the list's length), in draw order. */
  pickDistinct<T>(items: readonly T[], n: number): T[] {
    const count = Math.min(n, items.length);
    if (count * 3 > items.length) {
      // Partial Fisher-Yates on a copy: cheap for short lists.
      const copy = [...items];
      for (let i = 0; i < count; i++) {
        const j = this.int(i, copy.length - 1);
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, count);
    }
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(this.int(0, items.length - 1));
    return [...chosen].map((i) => items[i]!);
  }

  /** Lowercase hex of `chars` characters. */
  hex(chars: number): string {
    let out = '';
    // 32 random bits per step (next() is uniform over the signed 32-bit range).
    while (out.length < chars) out += (this.rng.next() >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }

  /** A version-4-shaped UUID from this stream. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
