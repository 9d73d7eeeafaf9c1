import { runSubgraphMain } from '@socgraph/shared';
import { auditSubgraph } from './server';

/** Runs audit alone (production): `pnpm --filter @socgraph/audit start`. */
runSubgraphMain(auditSubgraph);
