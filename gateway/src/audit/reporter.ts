// BatchReporter lives in the shared package (one implementation for every service); kept here
// so existing imports of the gateway's reporter still resolve.
export { BatchReporter, type BatchReporterOptions, type DropReason } from '@socgraph/shared';
