import { readFileSync } from 'node:fs';
import { DEFAULT_SUPERGRAPH_PATH, joinedSubgraphsOf } from '@socgraph/gateway';
import { composeSupergraph, DEFAULT_GATEWAY_PORT, portOffsetOf, SUBGRAPHS } from '../src';

describe('supergraph', () => {
  it('the committed file is what composition of the registry produces (pnpm compose:check)', () => {
    const outcome = composeSupergraph();
    expect(outcome.errors).toEqual([]);
    expect(outcome.supergraphSdl).toBe(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));
    // Every registered subgraph is joined, at its `pnpm start` port.
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(joinedSubgraphsOf(outcome.supergraphSdl ?? '').sort(byName)).toEqual(
      SUBGRAPHS.map((s) => ({
        name: s.service.name,
        url: `http://127.0.0.1:${s.service.defaultPort}/graphql`,
      })).sort(byName),
    );
  });

  it('gives every registered subgraph its own port above the gateway', () => {
    expect(SUBGRAPHS.every((s) => s.service.defaultPort > DEFAULT_GATEWAY_PORT)).toBe(true);
    const offsets = SUBGRAPHS.map(portOffsetOf);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(offsets.every((o) => Number.isInteger(o) && o > 0)).toBe(true);
  });
});
