import { runSubgraphMain } from '@socgraph/shared';
import { surveillanceSubgraph } from './server';

/** Runs surveillance alone (production): `pnpm --filter @socgraph/surveillance start`. */
runSubgraphMain(surveillanceSubgraph);
