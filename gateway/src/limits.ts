import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { badUserInput, ErrorCode, queryLimitExceeded, withHttpStatus, type QueryLimit } from '@socgraph/shared';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isInputObjectType,
  isLeafType,
  isListType,
  isUnionType,
  Kind,
  typeFromAST,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
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
  /** Assumed length of a list field without `first` and without an entry in `listSizes`. */
  defaultListSize: number;
  /** Assumed lengths of plain list fields by `Type.field` (lists that grow with use, e.g. `Alert.comments`). */
  listSizes: Record<string, number>;
  /** What one item of a field costs by `Type.field`, instead of 1 (fields far dearer than their size). */
  fieldCosts: Record<string, number>;
  /** How often a root field may run per operation (distinct response names), by `Type.field`. */
  maxFieldUses: Record<string, number>;
  /** Longest list any argument or input field may hold, literal or from a variable. */
  maxListLength: number;
  /** Input values (list items, input-object fields, scalars) all arguments together may hold, a variable counted at each use. */
  maxInputValues: number;
}

/**
 * Plain lists (not connections) that grow with use, and how long the cost model assumes them
 * to be: what busy rows reach, not what a demo holds. Nothing in the domain caps them (an alert
 * collects comments, IoCs and cases for as long as it is worked), so `DEFAULT_LIST_SIZE` (10)
 * made 15 aliases of `alert { comments { comment } }` over 300 comments of 10 KB cost 165 and
 * return 44 MB. LIST_SIZES adds to or overrides these.
 */
export const DEFAULT_LIST_SIZES: Readonly<Record<string, number>> = {
  'Alert.comments': 100,
  'Alert.iocs': 100,
  'Alert.assets': 50,
  'Alert.cases': 20,
  'Alert.tags': 20,
  'Case.alerts': 100,
  'Case.comments': 100,
  'Case.files': 50,
  'Query.tags': 100,
  'User.apiKeys': 50,
  'User.customers': 20,
  'User.tagAccess': 50,
  'Role.tagAccess': 50,
  'SecurityIncident.affectedResources': 50,
  'Query.githubAuditConfigs': 50,
  'Query.githubAuditCheckExclusions': 100,
  'Query.githubAuditBaselines': 100,
  'Query.retentionPolicies': 20,
  // surveillance: an event holds its ingest batches' detections (typically tens; a batch may hold
  // up to SURVEILLANCE_MAX_BATCH, 500, which MAX_RESPONSE_BYTES still bounds).
  'Event.detections': 100,
  'Event.alerts': 20,
  'Camera.zones': 50,
  'Camera.tags': 20,
  'Camera.activityBaselines': 168,
  'Camera.classBaselines': 240,
  'Detection.threats': 10,
};

/** Walks a whole hash chain (audit): dear whatever it returns, and once per operation at most. */
export const DEFAULT_FIELD_COSTS: Readonly<Record<string, number>> = { 'Query.verifyAuditChain': 10_000 };
export const DEFAULT_MAX_FIELD_USES: Readonly<Record<string, number>> = { 'Query.verifyAuditChain': 1 };

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

/**
 * Root fields limited to a few runs per operation (`maxFieldUses`), counted by distinct
 * response name through fragments: `{ a: verifyAuditChain b: verifyAuditChain }` runs twice,
 * `{ verifyAuditChain verifyAuditChain }` once (graphql merges them).
 */
export function maxFieldUsesRule(maxUses: Record<string, number>): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (!root) return;
      const keys = new Map<string, Set<string>>();
      for (const field of rootFields(operation, context.getDocument())) {
        const coordinate = `${root.name}.${field.name.value}`;
        if (maxUses[coordinate] === undefined) continue;
        const seen = keys.get(coordinate) ?? new Set<string>();
        seen.add(field.alias?.value ?? field.name.value);
        keys.set(coordinate, seen);
      }
      for (const [coordinate, seen] of keys) {
        const max = maxUses[coordinate] ?? 0;
        if (seen.size <= max) continue;
        context.reportError(
          queryLimitExceeded(
            'MAX_FIELD_USES',
            `${coordinate} may run ${max === 1 ? 'once' : `${max} times`} per operation (found ${seen.size})`,
            { max, actual: seen.size },
          ),
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
    maxFieldUsesRule(options.maxFieldUses),
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
  listSizes: Record<string, number>;
  fieldCosts: Record<string, number>;
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
  return walk.listSizes[`${parent.name}.${field.name}`] ?? walk.defaultListSize;
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
      const own = walk.fieldCosts[`${parent.name}.${field.name}`];
      if (isLeafType(type) || !selection.selectionSet) {
        if (own !== undefined) total += own;
        continue;
      }
      const size = sizeOf(walk, field, selection, parent);
      total += size * ((own ?? 1) + selectionCost(walk, selection.selectionSet, type as GraphQLCompositeType));
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
 * item count (`first`, or an assumed list size) times its own cost (1, or `fieldCosts`) plus
 * the cost of its selection, so nesting multiplies.
 * `users(first: 100) { edges { node { transactions(first: 100) { ... } } } }` costs ~30,000;
 * `alert { comments { comment } }` 101, and 15 of them 1,515.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  sizes: Pick<LimitOptions, 'defaultListSize' | 'listSizes' | 'fieldCosts'> | number,
): { cost: number; usedVariables: boolean } {
  const { defaultListSize, listSizes, fieldCosts } =
    typeof sizes === 'number' ? { defaultListSize: sizes, listSizes: {}, fieldCosts: {} } : sizes;
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
    listSizes,
    fieldCosts,
    fragmentCosts: new Map(),
    usedVariables: false,
  };
  return { cost: selectionCost(walk, operation.selectionSet, root), usedVariables: walk.usedVariables };
}

/**
 * Refuses operations whose arguments are too large (`checkInputSize`) or that cost over
 * `maxCost`, once the operation and variables are known, before the query plan runs. Costs of documents without variable page sizes are remembered per document.
 */
export function costLimitPlugin<TContext extends object>(options: LimitOptions): ApolloServerPlugin<TContext> {
  const cached = new WeakMap<DocumentNode, number>();
  // Documents without variables whose arguments passed: their literals cannot change.
  const inputChecked = new WeakSet<DocumentNode>();
  const listener: GraphQLRequestListener<TContext> = {
    async didResolveOperation({ schema, document, operation, request }) {
      if (!operation) return;
      if (!inputChecked.has(document)) {
        checkInputSize(schema, document, operation, request.variables ?? {}, options);
        if (!operation.variableDefinitions?.length) inputChecked.add(document);
      }
      let cost = cached.get(document);
      if (cost === undefined) {
        const result = operationCost(schema, document, operation, request.variables ?? {}, options);
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
  return { requestDidStart: async () => listener };
}

// ---- input size ----

/**
 * Bounds on what an operation's arguments carry, checked with the variables before any
 * subgraph is called: no list longer than `maxListLength` (a list that long turns into
 * thousands of SQL parameters in a subgraph, once per alias), and at most `maxInputValues`
 * values in all arguments together, a variable counted once per place it is used (so one big
 * variable reused across 15 aliases counts 15 times). A too-long list is refused by its length
 * before its items are looked at, so a refusal costs next to nothing.
 */
interface InputWalk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  variableTypes: Map<string, GraphQLInputType>;
  variableDefaults: Map<string, ValueNode>;
  maxListLength: number;
  maxInputValues: number;
  variableCounts: Map<string, number>;
  fragmentCounts: Map<string, number>;
  total: number;
}

const tooLong = (walk: InputWalk, where: string, length: number): GraphQLError =>
  withHttpStatus(badUserInput(`${where} holds ${length} items, over the limit of ${walk.maxListLength}`, where), 400);

const tooMuch = (walk: InputWalk): GraphQLError =>
  withHttpStatus(
    badUserInput(`The arguments hold more than ${walk.maxInputValues} values (a variable counts at each use)`),
    400,
  );

function count(walk: InputWalk, n: number): number {
  walk.total += n;
  if (walk.total > walk.maxInputValues) throw tooMuch(walk);
  return n;
}

const MAX_JSON_DEPTH = 64;

/** Values inside a JSON-like scalar: counted against the budget (their lists are the scalar's business). */
function jsonValues(walk: InputWalk, value: unknown, where: string, depth = 0): number {
  if (value === null || typeof value !== 'object') return count(walk, 1);
  if (depth >= MAX_JSON_DEPTH) {
    throw withHttpStatus(badUserInput(`${where} is nested deeper than ${MAX_JSON_DEPTH} levels`, where), 400);
  }
  let n = count(walk, 1);
  for (const item of Array.isArray(value) ? value : Object.values(value)) n += jsonValues(walk, item, where, depth + 1);
  return n;
}

/** A variable's raw JSON value, walked by its declared type. */
function rawValues(walk: InputWalk, type: GraphQLInputType, value: unknown, where: string): number {
  if (value === null || value === undefined) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    // A single value where a list is expected is coerced to a list of one.
    if (!Array.isArray(value)) return rawValues(walk, nullable.ofType as GraphQLInputType, value, where);
    if (value.length > walk.maxListLength) throw tooLong(walk, where, value.length);
    let n = 0;
    for (const item of value) n += rawValues(walk, nullable.ofType as GraphQLInputType, item, `${where}[]`);
    return n;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object' || Array.isArray(value)) return count(walk, 1);
    const fields = nullable.getFields();
    let n = count(walk, 1);
    for (const [key, item] of Object.entries(value)) {
      const field = fields[key];
      // Unknown fields are refused by coercion later; count them, do not walk them.
      n += field ? rawValues(walk, field.type, item, `${where}.${key}`) : count(walk, 1);
    }
    return n;
  }
  return jsonValues(walk, value, where);
}

function variableValues(walk: InputWalk, name: string): number {
  const known = walk.variableCounts.get(name);
  if (known !== undefined) return count(walk, known);
  const type = walk.variableTypes.get(name);
  if (!type) return 0;
  const before = walk.total;
  const given = Object.prototype.hasOwnProperty.call(walk.variables, name) ? walk.variables[name] : undefined;
  const fallback = walk.variableDefaults.get(name);
  if (given !== undefined) rawValues(walk, type, given, `$${name}`);
  else if (fallback) astValues(walk, type, fallback, `$${name}`);
  const n = walk.total - before;
  walk.variableCounts.set(name, n);
  return n;
}

/** A literal argument value, walked by the argument's type; variables inside it count their values. */
function astValues(walk: InputWalk, type: GraphQLInputType, node: ValueNode, where: string): number {
  if (node.kind === Kind.VARIABLE) return variableValues(walk, node.name.value);
  if (node.kind === Kind.NULL) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = nullable.ofType as GraphQLInputType;
    if (node.kind !== Kind.LIST) return astValues(walk, item, node, where);
    if (node.values.length > walk.maxListLength) throw tooLong(walk, where, node.values.length);
    let n = 0;
    for (const value of node.values) n += astValues(walk, item, value, `${where}[]`);
    return n;
  }
  if (isInputObjectType(nullable) && node.kind === Kind.OBJECT) {
    const fields = nullable.getFields();
    let n = count(walk, 1);
    for (const field of node.fields) {
      const declared = fields[field.name.value];
      n += declared ? astValues(walk, declared.type, field.value, `${where}.${field.name.value}`) : count(walk, 1);
    }
    return n;
  }
  return count(walk, 1);
}

function selectionValues(walk: InputWalk, selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number {
  let n = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (isUnionType(parent)) continue;
      const field = parent.getFields()[selection.name.value];
      if (!field) continue;
      for (const argument of selection.arguments ?? []) {
        const declared = field.args.find((a) => a.name === argument.name.value);
        const where = `${selection.alias?.value ?? selection.name.value}.${argument.name.value}`;
        if (declared) n += astValues(walk, declared.type, argument.value, where);
      }
      const type = getNamedType(field.type);
      if (selection.selectionSet && isCompositeType(type)) n += selectionValues(walk, selection.selectionSet, type);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      n += selectionValues(walk, selection.selectionSet, isCompositeType(type) ? type : parent);
    } else {
      const name = selection.name.value;
      const known = walk.fragmentCounts.get(name);
      if (known !== undefined) {
        n += count(walk, known);
        continue;
      }
      const fragment = walk.fragments.get(name);
      const type = fragment ? walk.schema.getType(fragment.typeCondition.name.value) : undefined;
      const before = walk.total;
      if (fragment && isCompositeType(type)) selectionValues(walk, fragment.selectionSet, type);
      const spent = walk.total - before;
      walk.fragmentCounts.set(name, spent);
      n += spent;
    }
  }
  return n;
}

/**
 * Throws BAD_USER_INPUT (HTTP 400) when a list in the operation's arguments is longer than
 * `maxListLength` or all arguments together hold more than `maxInputValues` values. Returns
 * the number of values.
 */
export function checkInputSize(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  options: Pick<LimitOptions, 'maxListLength' | 'maxInputValues'>,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const walk: InputWalk = {
    schema,
    fragments: new Map(),
    variables,
    variableTypes: new Map(),
    variableDefaults: new Map(),
    maxListLength: options.maxListLength,
    maxInputValues: options.maxInputValues,
    variableCounts: new Map(),
    fragmentCounts: new Map(),
    total: 0,
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) walk.fragments.set(definition.name.value, definition);
  }
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (type) walk.variableTypes.set(definition.variable.name.value, type as GraphQLInputType);
    if (definition.defaultValue) walk.variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  selectionValues(walk, operation.selectionSet, root);
  return walk.total;
}
