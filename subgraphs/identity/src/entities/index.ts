export * from './access.entity';
export * from './api-key.entity';
export * from './billing.entity';
export * from './customer.entity';
export * from './role.entity';
export * from './session.entity';
export * from './user.entity';

import { RoleTagAccessEntity, UserCustomerAccessEntity, UserTagAccessEntity } from './access.entity';
import { ApiKeyEntity } from './api-key.entity';
import {
  CheckoutSessionEntity,
  CreditHoldEntity,
  MandateAuditEntity,
  MandateEntity,
  PaymentEntity,
  TransactionAuditEntity,
  TransactionEntity,
  UsageMetricEntity,
} from './billing.entity';
import { CustomerEntity } from './customer.entity';
import { RoleEntity } from './role.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

export const identityEntities = [
  RoleEntity,
  CustomerEntity,
  UserEntity,
  UserCustomerAccessEntity,
  UserTagAccessEntity,
  RoleTagAccessEntity,
  SessionEntity,
  ApiKeyEntity,
  TransactionEntity,
  MandateEntity,
  TransactionAuditEntity,
  CreditHoldEntity,
  MandateAuditEntity,
  CheckoutSessionEntity,
  PaymentEntity,
  UsageMetricEntity,
];
