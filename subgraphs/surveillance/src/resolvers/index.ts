import { mergeResolvers } from '@socgraph/shared';
import type { SurveillanceContext } from '../context';
import { cameraResolvers } from './camera.resolvers';
import { eventResolvers } from './event.resolvers';

export const resolvers = mergeResolvers<SurveillanceContext>(cameraResolvers, eventResolvers);
