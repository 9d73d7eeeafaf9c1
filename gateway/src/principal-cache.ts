import type { Principal } from '@socgraph/shared';

/**
 * Where resolved principals live for a few seconds. Async and keyed by strings so a
 * Redis-backed implementation (shared across gateway replicas) can replace the in-memory one
 * without touching the resolver.
 */
export interface PrincipalCache {
  get(key: string): Promise<Principal | undefined>;
  set(key: string, principal: Principal, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/**
 * A bounded map: when full, the oldest entry goes first (insertion order), so a flood of
 * distinct credentials cannot grow memory without limit.
 */
export class InMemoryPrincipalCache implements PrincipalCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<Principal | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  async set(key: string, principal: Principal, ttlSeconds: number): Promise<void> {
    if (ttlSeconds <= 0) return;
    // Re-inserting moves the key to the end, so eviction order stays "least recently set".
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { principal, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
