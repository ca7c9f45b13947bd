// The Fine-tune page: the runs list beside either the wizard (a new job) or the dashboard of the chosen
// run. The wizard stays mounted while a dashboard is open, so its fields survive a look at a run.

import { useCallback, useEffect, useState } from 'react';
import type { FinetuneRunSummary } from '../../preload/contract';
import { api, errorMessage } from '../api/client';
import { FinetuneDashboard } from './FinetuneDashboard';
import { FinetuneWizard } from './FinetuneWizard';
import { RunList } from './RunList';
import './finetune.css';

const SELECTED_KEY = 'tessera.finetune.selectedRun';

function storedSelection(): string | null {
  try {
    return sessionStorage.getItem(SELECTED_KEY);
  } catch {
    return null;
  }
}

export function FinetunePage() {
  const [runs, setRuns] = useState<FinetuneRunSummary[] | null>(null);
  const [runsError, setRunsError] = useState<string | null>(null);
  // The open run survives a visit to another page (this session only).
  const [selected, setSelectedState] = useState<string | null>(storedSelection);
  const setSelected = useCallback((runId: string | null) => {
    setSelectedState(runId);
    try {
      if (runId) sessionStorage.setItem(SELECTED_KEY, runId);
      else sessionStorage.removeItem(SELECTED_KEY);
    } catch {
      // storage unavailable: the selection just does not persist
    }
  }, []);
  const [live, setLive] = useState<ReadonlyMap<string, { step: number; totalSteps: number }>>(new Map());

  const refresh = useCallback(async () => {
    try {
      setRuns(await api.finetune.runs());
      setRunsError(null);
    } catch (err) {
      setRunsError(errorMessage(err));
    }
  }, []);

  useEffect(() => {
    void refresh();
    const known = new Set<string>();
    const offProgress = api.finetune.onDidFinetuneProgress((e) => {
      setLive((m) => new Map(m).set(e.runId, { step: e.step, totalSteps: e.totalSteps }));
      // A job this list has not seen as running yet (started elsewhere, or resumed): list it again.
      if (!known.has(e.runId)) {
        known.add(e.runId);
        void refresh();
      }
    });
    const offFinish = api.finetune.onDidFinetuneFinish((e) => {
      known.delete(e.runId);
      setLive((m) => {
        const next = new Map(m);
        next.delete(e.runId);
        return next;
      });
      void refresh();
    });
    return () => {
      offProgress();
      offFinish();
    };
  }, [refresh]);

  const onChanged = useCallback(() => void refresh(), [refresh]);

  // First list: a stored run that is gone is dropped; with nothing chosen, a running job opens its dashboard.
  const [settled, setSettled] = useState(false);
  useEffect(() => {
    if (settled || runs === null) return;
    setSettled(true);
    if (selected !== null && !runs.some((r) => r.runId === selected)) setSelected(null);
    else if (selected === null) {
      const running = runs.find((r) => r.status === 'running');
      if (running) setSelected(running.runId);
    }
  }, [runs, settled, selected, setSelected]);

  return (
    <div className="ft-page">
      <RunList
        runs={runs}
        selected={selected}
        live={live}
        error={runsError}
        onSelect={setSelected}
        onNew={() => setSelected(null)}
      />
      <div className="ft-main">
        <div hidden={selected !== null}>
          <FinetuneWizard onStarted={(runId) => {
            setSelected(runId);
            void refresh();
          }} />
        </div>
        {selected !== null && <FinetuneDashboard runId={selected} onChanged={onChanged} />}
      </div>
    </div>
  );
}
