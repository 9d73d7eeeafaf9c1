import path from 'node:path';
import { defineSubgraph } from '@socgraph/shared';
import { incidentsConfigFrom } from './config';
import { createIncidentsContext } from './context';
import { FIELD_MAPPING_TABLES, incidentsEntities } from './entities';
import { resolvers } from './resolvers';
import { mutationAccess } from './resolvers/mutation-access';
import { seedIncidentsDemo } from './seed';

export const SUBGRAPH_NAME = 'incidents';

export const incidentsSubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  defaultPort: 4002,
  schemaPaths: [path.join(__dirname, 'schema.graphql'), path.join(__dirname, 'platform-config', 'schema.graphql')],
  resolvers,
  mutationAccess,
  entities: incidentsEntities,
  config: incidentsConfigFrom,
  createContext: createIncidentsContext,
  seedDemo: seedIncidentsDemo,
  audit: {
    // Rows that belong to an alert or case are reported as a change of that alert or case.
    resources: {
      incident_management_alert: 'Alert',
      incident_management_alert_to_tag: { type: 'Alert', idColumn: 'alert_id' },
      incident_management_alert_to_ioc: { type: 'Alert', idColumn: 'alert_id' },
      incident_management_asset: { type: 'Alert', idColumn: 'alert_linked' },
      incident_management_comment: { type: 'Alert', idColumn: 'alert_id' },
      incident_management_alertcontext: 'AlertContext',
      incident_management_ioc: 'Ioc',
      incident_management_alerttag: 'Tag',
      incident_management_case: 'Case',
      incident_management_casealertlink: { type: 'Case', idColumn: 'case_id' },
      incident_management_case_comment: { type: 'Case', idColumn: 'case_id' },
      incident_management_case_datastore: { type: 'Case', idColumn: 'case_id' },
      incident_management_case_report_template_datastore: 'ReportTemplate',
      incident_management_tag_access_settings: 'TagAccessSettings',
      incident_management_notification: 'NotificationSetting',
      incident_management_velo_sigma_exclusion: 'SigmaExclusion',
      ...Object.fromEntries(Object.values(FIELD_MAPPING_TABLES).map((table) => [table, 'FieldMapping'])),
      custom_alert_creation_settings: 'AlertCreationSettings',
      custom_alert_creation_event_order: { type: 'AlertCreationSettings', idColumn: 'alert_creation_settings_id' },
      custom_alert_creation_condition: 'AlertCreationCondition',
      custom_alert_creation_event_config: 'AlertCreationEventConfig',
      monitoring_alerts: 'MonitoringAlert',
      sigma_queries: 'SigmaQuery',
    },
  },
});
