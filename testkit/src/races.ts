import type { DataSource } from 'typeorm';

/**
 * A concurrent deletion made certain: runs `statement` (a DELETE) in a transaction that commits
 * only once `work` waits on its locks, so `work`'s own checks still saw the row and its write's
 * foreign-key check finds it gone. Returns what `work` resolved to.
 */
export async function deletedMeanwhile<T>(
  dataSource: DataSource,
  statement: string,
  params: unknown[],
  work: () => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    await runner.query(statement, params);
    let settled = false;
    const pending = work().finally(() => {
      settled = true;
    });
    // Handled here too: a rejection while this still polls is awaited below, not unhandled.
    pending.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (settled)
        throw new Error(`the work finished without waiting for the deletion: ${JSON.stringify(await pending)}`);
      const [row] = (await dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )) as { n: number }[];
      if ((row?.n ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error('the work never waited for the deletion');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await runner.commitTransaction();
    return await pending;
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
