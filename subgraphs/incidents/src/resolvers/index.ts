import { mergeResolvers } from '@socgraph/shared';
import type { IncidentsContext } from '../context';
import { alertResolvers } from './alert.resolvers';
import { caseResolvers } from './case.resolvers';
import { configResolvers } from '../platform-config/resolvers';
import { tagResolvers } from './tag.resolvers';

export const resolvers = mergeResolvers<IncidentsContext>(alertResolvers, caseResolvers, tagResolvers, configResolvers);
