import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { AppInfo, SettingsSnapshot } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { InfoTable, type InfoRow } from '../shell/InfoTable';
import { DeviceSection } from './DeviceSection';

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'error'; message: string };

export function SettingsPage() {
  const [settings, setSettings] = useState<SettingsSnapshot | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [folder, setFolder] = useState('');
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });

  useEffect(() => {
    let live = true;
    api.settings.get().then((s) => {
      if (!live) return;
      setSettings(s);
      setFolder(s.values.libraryFolder);
    }, (err: unknown) => live && setLoadError(errorMessage(err)));
    api.app.info().then((i) => live && setInfo(i), (err: unknown) => live && setLoadError(errorMessage(err)));
    const off = api.settings.onDidChange((s) => {
      setSettings(s);
      setFolder(s.values.libraryFolder);
    });
    return () => {
      live = false;
      off();
    };
  }, []);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSave({ kind: 'saving' });
    try {
      const next = await api.settings.update({ libraryFolder: folder.trim() });
      setSettings(next);
      setFolder(next.values.libraryFolder);
      setSave({ kind: 'saved' });
    } catch (err) {
      setSave({ kind: 'error', message: errorMessage(err) });
    }
  }

  const dirty = settings !== null && folder.trim() !== settings.values.libraryFolder;

  return (
    <div className="settings">
      {loadError && <p className="banner banner-error" role="alert">{loadError}</p>}
      {settings?.recovered && (
        <p className="banner banner-warning" role="alert">
          {settings.recovered.reason} The old file was kept as <code>{settings.recovered.movedTo}</code>.
        </p>
      )}

      <form className="card" onSubmit={(e) => void onSubmit(e)}>
        <h2>Library</h2>
        <p className="hint">Generated images and fine-tuned models are written to this folder. It is created if it does not exist.</p>
        <label className="field">
          <span className="field-label">Library folder</span>
          <input
            type="text"
            value={folder}
            spellCheck={false}
            disabled={settings === null}
            onChange={(e) => {
              setFolder(e.target.value);
              setSave({ kind: 'idle' });
            }}
          />
        </label>
        <div className="form-row">
          <button type="submit" className="button primary" disabled={!dirty || save.kind === 'saving'}>
            {save.kind === 'saving' ? 'Saving…' : 'Save'}
          </button>
          {save.kind === 'saved' && <span className="status-ok" role="status">Saved</span>}
          {save.kind === 'error' && <span className="status-error" role="alert">{save.message}</span>}
        </div>
        {settings && <p className="hint small">Settings file: <code>{settings.file}</code></p>}
      </form>

      <DeviceSection />

      <section className="card" aria-labelledby="about-heading">
        <h2 id="about-heading">About this installation</h2>
        {info ? <AppInfoTable info={info} /> : <p className="hint">Loading…</p>}
      </section>
    </div>
  );
}

function AppInfoTable({ info }: { info: AppInfo }) {
  const rows: InfoRow[] = [
    ['Version', `${info.name} ${info.version}`],
    ['Running as', info.host === 'electron' ? 'Desktop app (Electron)' : info.host === 'web' ? 'Web host (browser)' : 'Command line'],
    ['Platform', `${info.platform} ${info.arch}`],
    ['Node', info.versions.node],
    ['Electron', info.versions.electron ?? '—'],
    ['onnxruntime', info.versions.onnxruntime ?? <span className="status-error">{info.onnxruntimeError}</span>],
    ['Execution providers', info.executionProviders.length ? (
      <span className="chips">
        {info.executionProviders.map((p) => (
          <span key={p.name} className={p.bundled ? 'chip' : 'chip chip-muted'} title={p.bundled ? 'ships with Tessera' : 'needs its libraries installed separately'}>
            {p.name}
          </span>
        ))}
      </span>
    ) : '—'],
    ['SQLite', info.sqlite.available ? info.sqlite.version : <span className="status-error">{info.sqlite.error}</span>],
    ['User data', <code key="ud">{info.userDataDir}</code>],
  ];
  return (
    <InfoTable rows={rows} testId="app-info" />
  );
}
