import type { ConnectionArgs, GraphQLResolverMap } from '@socgraph/shared';
import type { IncidentsContext } from '../context';
import type { AlertStatusValue, CaseFileRow, CaseRow } from '../entities';
import type { CaseFileInput, CaseFilter, CreateCaseInput } from '../services/case.service';
import { visibleUsername } from '../services/visibility';
import { pageArgs, userRef } from './alert.resolvers';

type Ctx = IncidentsContext;

export const caseResolvers: GraphQLResolverMap<Ctx> = {
  Query: {
    cases: (_: unknown, args: ConnectionArgs & { filter?: CaseFilter | null }, ctx: Ctx) =>
      ctx.cases.list(args, args.filter),
    case: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.cases.byId(args.id),
  },
  Mutation: {
    createCase: (_: unknown, args: { input: CreateCaseInput }, ctx: Ctx) => ctx.cases.create(args.input),
    linkAlertToCase: (_: unknown, args: { caseId: string; alertId: string }, ctx: Ctx) =>
      ctx.cases.link(args.caseId, args.alertId, true),
    unlinkAlertFromCase: (_: unknown, args: { caseId: string; alertId: string }, ctx: Ctx) =>
      ctx.cases.link(args.caseId, args.alertId, false),
    updateCaseStatus: (_: unknown, args: { id: string; status: AlertStatusValue }, ctx: Ctx) =>
      ctx.cases.updateStatus(args.id, args.status),
    assignCase: (_: unknown, args: { id: string; username?: string | null }, ctx: Ctx) =>
      ctx.cases.assign(args.id, args.username),
    addCaseComment: (_: unknown, args: { caseId: string; comment: string }, ctx: Ctx) =>
      ctx.cases.addComment(args.caseId, args.comment),
    addCaseFile: (_: unknown, args: { input: CaseFileInput }, ctx: Ctx) => ctx.cases.addFile(args.input),
  },
  Case: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.cases.byId(ref.id),
    customer: (c: CaseRow) => ({ __typename: 'Customer', code: c.customerCode }),
    assignedTo: (c: CaseRow, _: unknown, ctx: Ctx) => visibleUsername(ctx.principal, c.assignedTo),
    assignee: (c: CaseRow, _: unknown, ctx: Ctx) => userRef(visibleUsername(ctx.principal, c.assignedTo)),
    alerts: (c: CaseRow, _: unknown, ctx: Ctx) => ctx.loaders.alertsByCaseId.load(c.id),
    comments: (c: CaseRow, _: unknown, ctx: Ctx) => ctx.loaders.commentsByCaseId.load(c.id),
    files: (c: CaseRow, _: unknown, ctx: Ctx) => ctx.loaders.filesByCaseId.load(c.id),
  },
  CaseFile: {
    fileSize: (file: CaseFileRow) => Number(file.fileSize),
  },
  Customer: {
    cases: (customer: { code: string }, args: ConnectionArgs & { filter?: CaseFilter | null }, ctx: Ctx) =>
      ctx.loaders.casesByCustomer.load({ parent: customer.code, args: pageArgs(args), filter: args.filter ?? null }),
  },
};
