/**
 * The SQL behind the audit trail of a subgraph's mutations, for its migrations (one call per
 * subgraph schema, see migrations/<subgraph>/*-AuditOutbox.ts):
 *
 * - `audit_capture`: row changes recorded by triggers while a mutation's transaction has
 *   `socgraph.audit_capture` on. The mutation wrapper reads and deletes its own rows before
 *   commit, so the table is empty between transactions (UNLOGGED: nothing in it outlives one).
 * - `audit_outbox`: audit entries and auth events waiting for the relay; written in the same
 *   transaction as the change they describe, deleted once the audit subgraph stored them.
 * - `audit_capture_row()` and one AFTER trigger per audited table. Outside a mutation (seeds,
 *   migrations, background jobs) the trigger returns at once.
 *
 * Triggers see every row a statement touches — cascades, bulk updates, raw SQL — so the trail
 * cannot miss a change the service code forgot to describe.
 */
/** The transaction-local switch the triggers read; `runAudited` turns it on. */
export const CAPTURE_SETTING = 'socgraph.audit_capture';

export interface CapturedTableOptions {
  /** Columns whose values never enter the trail (their change is still shown, as "[redacted]"). */
  redact?: readonly string[];
  /** Columns left out entirely (derived or bulky: tsvectors, report bodies). */
  omit?: readonly string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A schema, table or column name that needs no quoting (these names are spliced into SQL). */
export function sqlIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`audit: not a plain identifier: ${name}`);
  return name;
}

const literalList = (names: readonly string[] = []): string => `'${names.map(sqlIdentifier).join(',')}'`;

/** Statements that create the capture and outbox tables and the trigger function in `schema`. */
export function auditOutboxTablesSql(schema: string): string[] {
  const s = sqlIdentifier(schema);
  return [
    `CREATE UNLOGGED TABLE ${s}.audit_capture (
       seq bigserial PRIMARY KEY,
       txid bigint NOT NULL DEFAULT txid_current(),
       table_name text NOT NULL,
       operation char(1) NOT NULL CHECK (operation IN ('I', 'U', 'D')),
       row_data jsonb NOT NULL,
       old_values jsonb,
       new_values jsonb
     )`,
    `CREATE INDEX audit_capture_txid_idx ON ${s}.audit_capture (txid)`,
    `CREATE TABLE ${s}.audit_outbox (
       id uuid PRIMARY KEY,
       seq bigserial NOT NULL,
       kind varchar(20) NOT NULL CHECK (kind IN ('AUDIT_ENTRY', 'AUTH_EVENT')),
       payload jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       attempts integer NOT NULL DEFAULT 0,
       next_attempt_at timestamptz NOT NULL DEFAULT now(),
       last_error text
     )`,
    `CREATE INDEX audit_outbox_due_idx ON ${s}.audit_outbox (next_attempt_at, seq)`,
    // TG_ARGV[0]: columns to redact, TG_ARGV[1]: columns to omit (comma-separated).
    `CREATE FUNCTION ${s}.audit_capture_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
     DECLARE
       redacted text[] := string_to_array(TG_ARGV[0], ',');
       omitted text[] := string_to_array(TG_ARGV[1], ',');
       old_row jsonb;
       new_row jsonb;
       old_values jsonb;
       new_values jsonb;
       col text;
     BEGIN
       IF coalesce(current_setting('${CAPTURE_SETTING}', true), '') <> 'on' THEN
         RETURN NULL;
       END IF;
       IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - omitted; END IF;
       IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - omitted; END IF;
       FOREACH col IN ARRAY redacted LOOP
         IF old_row ? col THEN old_row := jsonb_set(old_row, ARRAY[col], '"[redacted]"'); END IF;
         IF new_row ? col THEN new_row := jsonb_set(new_row, ARRAY[col], '"[redacted]"'); END IF;
       END LOOP;
       IF TG_OP = 'UPDATE' THEN
         -- Only the fields that changed; a redacted column shows as changed when its real value did.
         SELECT jsonb_object_agg(o.key, o.value), jsonb_object_agg(o.key, n.value)
           INTO old_values, new_values
           FROM jsonb_each(to_jsonb(OLD) - omitted) o
           JOIN jsonb_each(to_jsonb(NEW) - omitted) n ON n.key = o.key
          WHERE o.value IS DISTINCT FROM n.value;
         IF old_values IS NULL THEN RETURN NULL; END IF;
         FOREACH col IN ARRAY redacted LOOP
           IF old_values ? col THEN
             old_values := jsonb_set(old_values, ARRAY[col], '"[redacted]"');
             new_values := jsonb_set(new_values, ARRAY[col], '"[redacted]"');
           END IF;
         END LOOP;
       ELSE
         old_values := old_row;
         new_values := new_row;
       END IF;
       INSERT INTO ${s}.audit_capture (table_name, operation, row_data, old_values, new_values)
       VALUES (TG_TABLE_NAME, left(TG_OP, 1), coalesce(new_row, old_row), old_values, new_values);
       RETURN NULL;
     END
     $fn$`,
  ];
}

/** The capture trigger on one table. */
export function auditCaptureTriggerSql(schema: string, table: string, options: CapturedTableOptions = {}): string {
  const s = sqlIdentifier(schema);
  const t = sqlIdentifier(table);
  return `CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON ${s}.${t}
          FOR EACH ROW EXECUTE FUNCTION ${s}.audit_capture_row(${literalList(options.redact)}, ${literalList(options.omit)})`;
}

/** Everything for a subgraph schema: tables, function, and a trigger per audited table. */
export function auditOutboxMigrationSql(schema: string, tables: Record<string, CapturedTableOptions>): string[] {
  return [
    ...auditOutboxTablesSql(schema),
    ...Object.entries(tables).map(([table, options]) => auditCaptureTriggerSql(schema, table, options)),
  ];
}

/** The reverse of `auditOutboxMigrationSql` (triggers go with the function, CASCADE). */
export function dropAuditOutboxSql(schema: string): string[] {
  const s = sqlIdentifier(schema);
  return [
    `DROP FUNCTION ${s}.audit_capture_row() CASCADE`,
    `DROP TABLE ${s}.audit_outbox`,
    `DROP TABLE ${s}.audit_capture`,
  ];
}
