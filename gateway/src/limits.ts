import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { ErrorCode, queryLimitExceeded, withHttpStatus, type QueryLimit } from '@socgraph/shared';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isLeafType,
  isListType,
  isUnionType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { rootFields } from './operation-access';

/**
 * Operation limits, all checked before any subgraph is called. Depth, aliases and directives
 * use GraphQL Armor's validation rules; root fields is ours; tokens is graphql-js's own parser
 * limit; cost (below) multiplies by `first` on connections. Validation results are cached per
 * document by Apollo, so a known-good query pays for none of this again.
 */

export interface LimitOptions {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  /** Assumed length of a list field without `first` (e.g. `User.customers`). */
  defaultListSize: number;
}

/** `found N` from Armor's message, so clients get the number without parsing text. */
const foundIn = (message: string): number | undefined => {
  const match = /found (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
};

function armorReject(limit: QueryLimit, max: number, what: string) {
  return [
    (context: ValidationContext | null, error: GraphQLError) => {
      const actual = foundIn(error.message);
      context?.reportError(
        queryLimitExceeded(limit, `${what} over the limit of ${max}${actual ? ` (found ${actual})` : ''}`, {
          max,
          ...(actual ? { actual } : {}),
        }),
      );
    },
  ];
}

/** At most `max` root fields per operation (`__typename` aside), counted through fragments. */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const count = rootFields(operation, context.getDocument()).filter((f) => f.name.value !== '__typename').length;
      if (count > max) {
        context.reportError(
          queryLimitExceeded('MAX_ROOT_FIELDS', `Root fields over the limit of ${max} (found ${count})`, {
            max,
            actual: count,
          }),
        );
      }
    },
  });
}

export function limitValidationRules(options: LimitOptions): ValidationRule[] {
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  return [
    maxDepthRule({
      ...common,
      n: options.maxDepth,
      onReject: armorReject('MAX_DEPTH', options.maxDepth, 'Query depth'),
    }),
    maxAliasesRule({
      ...common,
      n: options.maxAliases,
      onReject: armorReject('MAX_ALIASES', options.maxAliases, 'Aliases'),
    }),
    maxDirectivesRule({
      ...common,
      n: options.maxDirectives,
      onReject: armorReject('MAX_DIRECTIVES', options.maxDirectives, 'Directives'),
    }),
    maxRootFieldsRule(options.maxRootFields),
  ];
}

/** graphql-js stops lexing past `maxTokens`, so a huge document costs no more than the limit. */
export const limitParseOptions = (options: LimitOptions): ParseOptions => ({ maxTokens: options.maxTokens });

const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:an|at) (\d+) tokens/;

/**
 * Apollo reports failed validation rules as GRAPHQL_VALIDATION_FAILED and the token limit as
 * GRAPHQL_PARSE_FAILED; clients get our code instead, with the limit named.
 */
export function limitErrorOf(error: unknown): GraphQLError | null {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : null;
  if (original instanceof GraphQLError && original.extensions?.code === ErrorCode.QUERY_LIMIT_EXCEEDED) return original;
  if (!(original instanceof GraphQLError)) return null;
  const tokens = TOKEN_LIMIT_MESSAGE.exec(original.message);
  if (!tokens) return null;
  const max = Number(tokens[1]);
  return queryLimitExceeded('MAX_TOKENS', `Document over the limit of ${max} tokens`, { max });
}

// ---- cost ----

interface CostWalk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  defaultListSize: number;
  /** A fragment's cost does not depend on where it is spread: computed once per request. */
  fragmentCosts: Map<string, number>;
  /** Whether any `first` came from a variable (then the cost is not cached per document). */
  usedVariables: boolean;
}

const PAGE_ARGS = ['first', 'last'];

/** How many items a field can return: `first`/`last`, their default, or an assumed list size. */
function sizeOf(
  walk: CostWalk,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  parent: GraphQLCompositeType,
): number {
  for (const name of PAGE_ARGS) {
    const given = node.arguments?.find((a) => a.name.value === name);
    if (given) {
      if (given.value.kind === Kind.VARIABLE) walk.usedVariables = true;
      const value = valueFromASTUntyped(given.value, walk.variables);
      if (typeof value === 'number') return Math.max(0, value);
    }
    const declared = field.args.find((a) => a.name === name);
    if (declared && typeof declared.defaultValue === 'number') return declared.defaultValue;
  }
  if (!isListType(getNullableType(field.type))) return 1;
  // A connection's first already counted its edges.
  if (parent.name.endsWith('Connection') && (field.name === 'edges' || field.name === 'nodes')) return 1;
  return walk.defaultListSize;
}

function selectionCost(walk: CostWalk, selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      // Introspection is bounded by the schema; a union's members are reached through fragments.
      if (selection.name.value.startsWith('__') || isUnionType(parent)) continue;
      const field = parent.getFields()[selection.name.value];
      if (!field) continue;
      const type = getNamedType(field.type);
      if (isLeafType(type) || !selection.selectionSet) continue;
      const size = sizeOf(walk, field, selection, parent);
      total += size * (1 + selectionCost(walk, selection.selectionSet, type as GraphQLCompositeType));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      total += selectionCost(walk, selection.selectionSet, (type ?? parent) as GraphQLCompositeType);
    } else {
      const name = selection.name.value;
      let cost = walk.fragmentCosts.get(name);
      if (cost === undefined) {
        const fragment = walk.fragments.get(name);
        const type = fragment ? walk.schema.getType(fragment.typeCondition.name.value) : undefined;
        cost = fragment && type ? selectionCost(walk, fragment.selectionSet, type as GraphQLCompositeType) : 0;
        walk.fragmentCosts.set(name, cost);
      }
      total += cost;
    }
  }
  return total;
}

/**
 * The most objects an operation can return: each object-typed field costs its possible
 * item count (`first`, or an assumed list size) times one plus the cost of its selection.
 * `users(first: 100) { edges { node { transactions(first: 100) { ... } } } }` costs ~30,000.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  defaultListSize: number,
): { cost: number; usedVariables: boolean } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const root = schema.getRootType(operation.operation);
  if (!root) return { cost: 0, usedVariables: false };
  const walk: CostWalk = {
    schema,
    fragments,
    variables,
    defaultListSize,
    fragmentCosts: new Map(),
    usedVariables: false,
  };
  return { cost: selectionCost(walk, operation.selectionSet, root), usedVariables: walk.usedVariables };
}

/**
 * Refuses operations over `maxCost` once the operation and variables are known, before the
 * query plan runs. Costs of documents without variable page sizes are remembered per document.
 */
export function costLimitPlugin<TContext extends object>(options: LimitOptions): ApolloServerPlugin<TContext> {
  const cached = new WeakMap<DocumentNode, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          let cost = cached.get(document);
          if (cost === undefined) {
            const result = operationCost(schema, document, operation, request.variables ?? {}, options.defaultListSize);
            cost = result.cost;
            if (!result.usedVariables) cached.set(document, cost);
          }
          if (cost > options.maxCost) {
            throw withHttpStatus(
              queryLimitExceeded('MAX_COST', `Query cost ${cost} over the limit of ${options.maxCost}`, {
                max: options.maxCost,
                actual: cost,
              }),
              400,
            );
          }
        },
      };
    },
  };
}
