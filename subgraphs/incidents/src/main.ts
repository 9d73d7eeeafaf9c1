import { runSubgraphMain } from '@socgraph/shared';
import { incidentsSubgraph } from './server';

/** Runs incidents alone (production): `pnpm --filter @socgraph/incidents start`. */
runSubgraphMain(incidentsSubgraph);
