// What a scan found: images found / usable, skipped files with their reasons (grouped, collapsible),
// the condition the base model needs (present / missing with the file names), and the training crops.

import type { FinetuneScanReport } from '../../preload/contract';
import { SKIP_REASON_LABELS, conditionFileHint, countSkipReasons } from './finetune-format';

/** Usable images that also carry the condition the model needs (all usable ones when it needs none). */
export function trainableImages(report: FinetuneScanReport): number {
  return conditionFileHint(report.conditions.mode) ? report.conditions.present : report.usable;
}

function ConditionLine({ report }: { report: FinetuneScanReport }) {
  const { mode, present, missing } = report.conditions;
  const file = conditionFileHint(mode);
  if (mode === 'unconditional') return <p className="ft-cond ft-cond-ok">Unconditional model: the pictures alone are the training data.</p>;
  if (mode === 'edge') return <p className="ft-cond ft-cond-ok">Edge model: edge sketches are computed from the pictures (Canny); nothing else is needed.</p>;
  if (!file) return <p className="ft-cond">Condition: {mode}.</p>;
  return (
    <div className={missing.length === 0 ? 'ft-cond ft-cond-ok' : present === 0 ? 'ft-cond ft-cond-bad' : 'ft-cond ft-cond-warn'} data-testid="scan-conditions">
      <p>
        {mode === 'semantic' ? 'Semantic model' : 'Pose model'}: <strong>{present}</strong> of {report.usable} pictures have a {file}
        {missing.length > 0 && <>; <strong>{missing.length}</strong> have none and will not train</>}.
      </p>
      {missing.length > 0 && (
        <details>
          <summary>Pictures without a {mode === 'semantic' ? 'label map' : 'pose file'} ({missing.length})</summary>
          <ul className="ft-file-list">{missing.map((m) => <li key={m}><code>{m}</code></li>)}</ul>
        </details>
      )}
    </div>
  );
}

export function ScanReport({ report }: { report: FinetuneScanReport }) {
  const groups = countSkipReasons(report.skipped);
  return (
    <section className="ft-scan" aria-labelledby="ft-scan-heading" data-testid="scan-report">
      <h3 id="ft-scan-heading">Scan of <code>{report.root}</code></h3>
      <p className="ft-scan-counts" data-testid="scan-counts">
        <strong>{report.found}</strong> file{report.found === 1 ? '' : 's'} found · <strong>{report.usable}</strong> usable for training
        {report.skipped.length > 0 && <> · <strong>{report.skipped.length}</strong> skipped</>}
        <span className="hint small-inline"> ({Math.round(report.elapsedMs)} ms)</span>
      </p>
      {report.skipped.length > 0 && (
        <details className="ft-skipped" data-testid="scan-skipped">
          <summary>
            Skipped: {groups.map((g) => `${g.count} ${g.label}`).join(', ')}
          </summary>
          <table className="ft-table">
            <thead><tr><th>File</th><th>Reason</th><th>Detail</th></tr></thead>
            <tbody>
              {report.skipped.map((s) => (
                <tr key={s.relPath}>
                  <td><code>{s.relPath}</code></td>
                  <td>{SKIP_REASON_LABELS[s.reason] ?? s.reason}</td>
                  <td>{s.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <ConditionLine report={report} />
      {report.previews.length > 0 && (
        <>
          <h4 className="ft-subheading">Training crops <span className="hint small-inline">as the model will see them</span></h4>
          <ul className="ft-crop-grid">
            {report.previews.map((p) => (
              <li key={p.relPath}>
                <img src={p.dataUrl} alt={`Training crop of ${p.relPath}`} title={p.relPath} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
