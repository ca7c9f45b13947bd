// Settings → Device: the execution providers this build offers, each with its self-test (a tiny
// program compiled and run on it), and the choice generation and training use: Auto or a provider by
// name (never a GPU id). A provider that fails is shown with its reason; work then falls back to CPU.

import { useCallback, useEffect, useState } from 'react';
import type { DeviceStatus } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import './device.css';

const ms = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

export function DeviceSection() {
  const [status, setStatus] = useState<DeviceStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const [saving, setSaving] = useState(false);

  const load = useCallback(async (rerun: boolean) => {
    setTesting(true);
    try {
      setStatus(await api.device.list(rerun ? { rerun: true } : undefined));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setTesting(false);
    }
  }, []);

  useEffect(() => {
    void load(false);
    return api.settings.onDidChange(() => void load(false));
  }, [load]);

  async function choose(preferred: string) {
    setSaving(true);
    try {
      await api.settings.update({ device: { preferred } });
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="card" aria-labelledby="device-heading" data-testid="device-section">
      <h2 id="device-heading">Device</h2>
      <p className="hint">Where generation and fine-tuning run. Each execution provider of this build is tested with a tiny program; Auto uses the first accelerator that passes, else the CPU.</p>
      {error && <p className="status-error" role="alert">{error}</p>}
      {status === null ? <p className="hint">{testing ? 'Testing execution providers…' : 'Loading…'}</p> : (
        <>
          <table className="device-table">
            <thead>
              <tr><th>Provider</th><th>Self-test</th><th>Compile + first run</th><th>Run</th></tr>
            </thead>
            <tbody>
              {status.providers.map((p) => (
                <tr key={p.name} data-testid={`device-${p.name}`}>
                  <td><strong>{p.name}</strong>{!p.bundled && <div className="device-reason">needs its libraries installed</div>}</td>
                  <td>
                    {p.selfTest.ok ? <span className="status-ok">Works</span> : <span className="status-error">Failed</span>}
                    {p.selfTest.error && <div className="device-reason">{p.selfTest.error}</div>}
                  </td>
                  <td>{ms(p.selfTest.compileMs)}</td>
                  <td>{ms(p.selfTest.runMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="device-choice">
            <label htmlFor="device-preferred" className="field-label">Use</label>
            <select id="device-preferred" value={status.preferred} disabled={saving} onChange={(e) => void choose(e.target.value)}>
              <option value="auto">Auto</option>
              {status.providers.map((p) => (
                <option key={p.name} value={p.name}>{p.name}{p.selfTest.ok ? '' : ' (failed its self-test)'}</option>
              ))}
            </select>
            <button type="button" className="button" disabled={testing} onClick={() => void load(true)}>{testing ? 'Testing…' : 'Run self-test again'}</button>
          </div>
          <p className="hint" role="status" data-testid="device-resolved">
            Generation and training use <strong>{status.resolved.provider}</strong>
            {status.resolved.fallbackReason ? <> — <span className="status-error">{status.resolved.fallbackReason}</span></> : '.'}
          </p>
        </>
      )}
    </section>
  );
}
