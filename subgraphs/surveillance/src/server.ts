import path from 'node:path';
import { defineSubgraph } from '@socgraph/shared';
import { surveillanceConfigFrom } from './config';
import { createSurveillanceContext } from './context';
import { surveillanceEntities } from './entities';
import { resolvers } from './resolvers';
import { mutationAccess } from './resolvers/mutation-access';
import { seedSurveillanceDemo } from './seed';

export const SUBGRAPH_NAME = 'surveillance';

export const surveillanceSubgraph = defineSubgraph({
  name: SUBGRAPH_NAME,
  defaultPort: 4003,
  schemaPaths: [path.join(__dirname, 'schema.graphql')],
  resolvers,
  mutationAccess,
  entities: surveillanceEntities,
  config: surveillanceConfigFrom,
  createContext: createSurveillanceContext,
  seedDemo: seedSurveillanceDemo,
  audit: {
    // Rows under a camera or event are reported as a change of that camera or event.
    resources: {
      cameras: 'Camera',
      camera_tags: { type: 'Camera', idColumn: 'camera_id' },
      camera_zones: 'CameraZone',
      events: 'Event',
      event_detections: { type: 'Event', idColumn: 'event_id' },
      detections: 'Detection',
      pose_results: { type: 'Detection', idColumn: 'detection_id' },
      threat_detections: { type: 'Detection', idColumn: 'detection_id' },
      demographics_results: { type: 'Detection', idColumn: 'detection_id' },
      reid_embeddings: { type: 'Detection', idColumn: 'detection_id' },
      action_results: { type: 'Detection', idColumn: 'detection_id' },
      alert_rules: 'AlertRule',
      alerts: 'SurveillanceAlert',
      activity_baselines: { type: 'Camera', idColumn: 'camera_id' },
      class_baselines: { type: 'Camera', idColumn: 'camera_id' },
      event_feedback: { type: 'Event', idColumn: 'event_id' },
      event_audits: { type: 'Event', idColumn: 'event_id' },
      weather_data: { type: 'Camera', idColumn: 'camera_id' },
      air_quality_data: { type: 'Camera', idColumn: 'camera_id' },
    },
  },
});
