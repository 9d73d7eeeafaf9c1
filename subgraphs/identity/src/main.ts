import { runSubgraphMain } from '@socgraph/shared';
import { identitySubgraph } from './server';

/** Runs identity alone (production): `pnpm --filter @socgraph/identity start`. */
runSubgraphMain(identitySubgraph);
