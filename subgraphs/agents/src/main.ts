import { runSubgraphMain } from '@socgraph/shared';
import { agentsSubgraph } from './server';

/** Runs agents alone (production): `pnpm --filter @socgraph/agents start`. */
runSubgraphMain(agentsSubgraph);
