import { groupLoader, rowLoader } from '@socgraph/shared';
import { In, type DataSource } from 'typeorm';
import {
  AlertCreationConditionEntity,
  AlertCreationEventConfigEntity,
  AlertCreationEventOrderEntity,
  AlertCreationSettingsEntity,
  ReportTemplateEntity,
  SigmaExclusionEntity,
  SigmaQueryEntity,
} from './entities';

/**
 * Per-request DataLoaders of the platform-configuration area. They return raw rows: the
 * services apply the role check and `canSeeCustomer` before handing any row out, and the
 * nested lists hang under a parent the service has already shown to be visible.
 */
export function createConfigLoaders(dataSource: DataSource) {
  return {
    reportTemplateById: rowLoader(
      (ids: readonly number[]) => dataSource.getRepository(ReportTemplateEntity).findBy({ id: In([...ids]) }),
      (row) => row.id,
    ),
    sigmaExclusionById: rowLoader(
      (ids: readonly number[]) => dataSource.getRepository(SigmaExclusionEntity).findBy({ id: In([...ids]) }),
      (row) => row.id,
    ),
    sigmaQueryById: rowLoader(
      (ids: readonly number[]) => dataSource.getRepository(SigmaQueryEntity).findBy({ id: In([...ids]) }),
      (row) => row.id,
    ),
    alertCreationSettingsByCustomer: rowLoader(
      (codes: readonly string[]) =>
        dataSource.getRepository(AlertCreationSettingsEntity).findBy({ customerCode: In([...codes]) }),
      (row) => row.customerCode,
    ),
    /** Event orders in the order they were given (ids follow input order on upsert). */
    eventOrdersBySettingsId: groupLoader(
      (settingsIds: readonly number[]) =>
        dataSource
          .getRepository(AlertCreationEventOrderEntity)
          .find({ where: { settingsId: In([...settingsIds]) }, order: { id: 'ASC' } }),
      (row) => row.settingsId,
    ),
    conditionsByEventOrderId: groupLoader(
      (orderIds: readonly number[]) =>
        dataSource
          .getRepository(AlertCreationConditionEntity)
          .find({ where: { eventOrderId: In([...orderIds]) }, order: { id: 'ASC' } }),
      (row) => row.eventOrderId,
    ),
    eventConfigsByEventOrderId: groupLoader(
      (orderIds: readonly number[]) =>
        dataSource
          .getRepository(AlertCreationEventConfigEntity)
          .find({ where: { eventOrderId: In([...orderIds]) }, order: { id: 'ASC' } }),
      (row) => row.eventOrderId,
    ),
  };
}
export type ConfigLoaders = ReturnType<typeof createConfigLoaders>;
