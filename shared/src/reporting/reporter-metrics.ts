import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * `report_buffer_size{reporter}` and `report_dropped_total{reporter,reason}`: the same two
 * metrics for every batch reporter of a service (the gateway's reports to audit, each
 * service's shipped logs), so one dashboard watches them all.
 */
export interface ReporterMetrics {
  dropped: Counter<'reporter' | 'reason'>;
  /** Exposes a reporter's buffer size as `report_buffer_size{reporter}`. */
  watch(name: string, reporter: { readonly size: number }): void;
}

export function createReporterMetrics(registry: Registry): ReporterMetrics {
  const reporters = new Map<string, { readonly size: number }>();
  new Gauge({
    name: 'report_buffer_size',
    help: 'Records waiting for delivery to audit (access log, rate-limit violations, auth events, logs).',
    labelNames: ['reporter'] as const,
    registers: [registry],
    collect() {
      for (const [name, reporter] of reporters) this.set({ reporter: name }, reporter.size);
    },
  });
  return {
    dropped: new Counter({
      name: 'report_dropped_total',
      help: 'Records dropped before reaching audit (buffer full, retries exhausted, after stop).',
      labelNames: ['reporter', 'reason'] as const,
      registers: [registry],
    }),
    watch(name, reporter) {
      reporters.set(name, reporter);
    },
  };
}
