import type { ReactNode } from 'react';

/** One label and its value. */
export type InfoRow = [label: string, value: ReactNode];

interface InfoTableProps {
  rows: readonly InfoRow[];
  className?: string;
  testId?: string;
}

/** A definition list of label/value rows (the gallery's parameters, the settings' app info). */
export function InfoTable({ rows, className, testId }: InfoTableProps) {
  return (
    <dl className={className ? `info-table ${className}` : 'info-table'} data-testid={testId}>
      {rows.map(([label, value]) => (
        <div key={label} className="info-row">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
