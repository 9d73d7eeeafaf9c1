import { mergeResolvers } from '@socgraph/shared';
import type { IdentityContext } from '../context';
import { authResolvers } from './auth.resolvers';
import { billingResolvers } from './billing.resolvers';
import { settingsResolvers } from './settings.resolvers';
import { customerResolvers } from './customer.resolvers';
import { userResolvers } from './user.resolvers';

export const resolvers = mergeResolvers<IdentityContext>(
  authResolvers,
  userResolvers,
  customerResolvers,
  billingResolvers,
  settingsResolvers,
);
