import { EntitySchema } from 'typeorm';

export type AlertStatusValue = 'OPEN' | 'IN_PROGRESS' | 'CLOSED';
export type SeverityValue = 'Informational' | 'Low' | 'Medium' | 'High' | 'Critical';
export type VerdictValue = 'TRUE_POSITIVE' | 'FALSE_POSITIVE';
export type VerdictReasonValue =
  'EXPECTED_ACTIVITY' | 'KNOWN_APPLICATION' | 'AUTHORIZED_USER' | 'RULE_TOO_SENSITIVE' | 'OTHER';

export interface AlertRow {
  id: number;
  name: string;
  description: string | null;
  status: AlertStatusValue;
  createdAt: Date;
  customerCode: string;
  source: string;
  assignedTo: string | null;
  escalated: boolean;
  severity: SeverityValue;
  timeClosed: Date | null;
  verdict: VerdictValue | null;
  verdictReason: VerdictReasonValue | null;
  verdictNote: string | null;
  verdictBy: string | null;
  verdictAt: Date | null;
}

export const AlertEntity = new EntitySchema<AlertRow>({
  name: 'Alert',
  tableName: 'incident_management_alert',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { name: 'alert_name', type: 'text' },
    description: { name: 'alert_description', type: 'text', nullable: true },
    status: { type: 'varchar', length: 50, default: 'OPEN' },
    createdAt: { name: 'alert_creation_time', type: 'timestamptz', precision: 3, default: () => 'now()' },
    customerCode: { name: 'customer_code', type: 'varchar', length: 50 },
    source: { type: 'varchar', length: 50 },
    assignedTo: { name: 'assigned_to', type: 'varchar', length: 64, nullable: true },
    escalated: { type: 'boolean', default: false },
    severity: { type: 'varchar', length: 20, default: 'Medium' },
    timeClosed: { name: 'time_closed', type: 'timestamptz', precision: 3, nullable: true },
    verdict: { type: 'varchar', length: 20, nullable: true },
    verdictReason: { name: 'verdict_reason', type: 'varchar', length: 30, nullable: true },
    verdictNote: { name: 'verdict_note', type: 'text', nullable: true },
    verdictBy: { name: 'verdict_by', type: 'varchar', length: 64, nullable: true },
    verdictAt: { name: 'verdict_at', type: 'timestamptz', nullable: true },
  },
});
