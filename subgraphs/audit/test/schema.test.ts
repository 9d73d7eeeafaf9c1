import { Kind, type ConstDirectiveNode, type DefinitionNode } from 'graphql';
import { auditSubgraph } from '../src';

// Every type, field and argument of audit's SDL (all its files) is described, and internal inputs stay out of the public graph.
const sdl = auditSubgraph.typeDefs;

const INTERNAL_INPUTS = new Set([
  'AuditEntryInput',
  'AuthEventInput',
  'ApiAccessInput',
  'RateLimitViolationInput',
  'LogEntryInput',
  'NetworkFlowInput',
  'DataValidationIssueInput',
  'GithubAuditReportInput',
]);

const inaccessible = (directives: readonly ConstDirectiveNode[] | undefined): boolean =>
  (directives ?? []).some((d) => d.name.value === 'inaccessible');

function gaps(definition: DefinitionNode): string[] {
  const missing: string[] = [];
  if (
    definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
    definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
    definition.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION &&
    definition.kind !== Kind.ENUM_TYPE_DEFINITION &&
    definition.kind !== Kind.SCALAR_TYPE_DEFINITION
  ) {
    return missing;
  }
  const name = definition.name.value;
  // An extension (`extend type Query` in an area file) has no description of its own; its fields do.
  if (definition.kind !== Kind.OBJECT_TYPE_EXTENSION && !definition.description) missing.push(name);
  if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
    for (const value of definition.values ?? []) if (!value.description) missing.push(`${name}.${value.name.value}`);
  }
  if (
    definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
    definition.kind === Kind.OBJECT_TYPE_EXTENSION ||
    definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION
  ) {
    for (const field of definition.fields ?? []) {
      if (!field.description) missing.push(`${name}.${field.name.value}`);
      if ('arguments' in field) {
        for (const arg of field.arguments ?? []) {
          if (!arg.description) missing.push(`${name}.${field.name.value}(${arg.name.value})`);
        }
      }
    }
  }
  return missing;
}

describe('audit schema', () => {
  it('describes every type, field, argument and enum value', () => {
    expect(sdl.definitions.flatMap(gaps)).toEqual([]);
  });

  it('hides every internal mutation and its input type from the public graph', () => {
    const mutationFields = sdl.definitions.flatMap((d) =>
      (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && d.name.value === 'Mutation'
        ? (d.fields ?? [])
        : [],
    );
    expect(mutationFields.length).toBeGreaterThan(20);
    for (const field of mutationFields) {
      expect([field.name.value, inaccessible(field.directives)]).toEqual([
        field.name.value,
        field.name.value.startsWith('_'),
      ]);
    }
    for (const d of sdl.definitions) {
      if (d.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
        expect([d.name.value, inaccessible(d.directives)]).toEqual([d.name.value, INTERNAL_INPUTS.has(d.name.value)]);
      }
    }
  });
});
