import type { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';

/** What a request-scoped service needs from its subgraph's context. */
export interface ServiceScope {
  principal: Principal;
  deps: { dataSource: DataSource };
}

/**
 * The base of every subgraph service: built per request over the request's context, so the
 * rules it holds always see the caller. `principal` is read on each use because identity's
 * `login` changes it mid-request.
 */
export abstract class ScopedService<TScope extends ServiceScope> {
  constructor(protected readonly scope: TScope) {}

  protected get principal(): Principal {
    return this.scope.principal;
  }

  protected get dataSource(): DataSource {
    return this.scope.deps.dataSource;
  }
}
