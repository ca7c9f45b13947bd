// One generation at a time, as the studio sees it: start, live progress (token i/N, elapsed, ETA,
// previews that fill in), cancel, and the finished variations with their seeds (fetched back from the
// gallery, where the jobs service saved them).

import { useCallback, useEffect, useRef, useState } from 'react';
import type { GenerateJobRequest, JobFinishEvent, JobProgressEvent } from '../../preload/contract';
import { api, errorMessage } from '../api/client';

export interface GeneratedImage {
  seed: number;
  galleryId: string | null;
  dataUrl: string | null;
  width: number;
  height: number;
}

export interface GenerationState {
  status: 'idle' | 'starting' | 'running' | 'done' | 'cancelled' | 'failed';
  jobId: string | null;
  done: number;
  total: number;
  elapsedMs: number;
  etaMs: number | null;
  previews: string[];
  /** Seeds of the variations of the running / last job (seed + k). */
  seeds: number[];
  results: GeneratedImage[];
  error: string | null;
  /** The condition as it was when Generate was pressed (shown beside the result). */
  conditionUrl: string | null;
}

const IDLE: GenerationState = { status: 'idle', jobId: null, done: 0, total: 0, elapsedMs: 0, etaMs: null, previews: [], seeds: [], results: [], error: null, conditionUrl: null };

export function useGeneration() {
  const [state, setState] = useState<GenerationState>(IDLE);
  const jobRef = useRef<string | null>(null);
  const early = useRef<{ progress: JobProgressEvent[]; finish: JobFinishEvent | null }>({ progress: [], finish: null });

  const onProgress = useCallback((e: JobProgressEvent) => {
    if (e.jobId !== jobRef.current) {
      if (jobRef.current === null) early.current.progress.push(e);
      return;
    }
    setState((s) => ({ ...s, status: 'running', done: e.done, total: e.total, elapsedMs: e.elapsedMs, etaMs: e.etaMs, previews: e.previews ?? s.previews }));
  }, []);

  const onFinish = useCallback((e: JobFinishEvent) => {
    if (e.jobId !== jobRef.current) {
      if (jobRef.current === null) early.current.finish = e;
      return;
    }
    if (e.status !== 'done') {
      setState((s) => ({ ...s, status: e.status === 'cancelled' ? 'cancelled' : 'failed', error: e.status === 'failed' ? (e.error ?? 'The generation failed.') : null }));
      return;
    }
    const images = e.images ?? [];
    setState((s) => ({
      ...s, status: 'done', done: s.total, etaMs: 0,
      results: images.map((im, k) => ({ seed: im.record.seed, galleryId: im.galleryId ?? null, dataUrl: s.previews[k] ?? null, width: im.record.size.width, height: im.record.size.height })),
    }));
    images.forEach((im, k) => {
      if (!im.galleryId) return;
      const size = Math.min(1024, Math.max(16, im.record.size.width, im.record.size.height));
      void api.gallery.thumbnail({ id: im.galleryId, size }).then((t) => {
        setState((s) => ({ ...s, results: s.results.map((r, i) => (i === k ? { ...r, dataUrl: t.dataUrl } : r)) }));
      }, () => undefined);
    });
  }, []);

  useEffect(() => {
    const offProgress = api.jobs.onDidJobProgress(onProgress);
    const offFinish = api.jobs.onDidJobFinish(onFinish);
    return () => {
      offProgress();
      offFinish();
    };
  }, [onProgress, onFinish]);

  const start = useCallback(async (request: GenerateJobRequest, conditionUrl: string | null) => {
    const n = request.n ?? 1;
    const seed = request.seed ?? 0;
    jobRef.current = null;
    early.current = { progress: [], finish: null };
    setState({ ...IDLE, status: 'starting', conditionUrl, seeds: Array.from({ length: n }, (_, k) => seed + k) });
    try {
      const { jobId } = await api.jobs.generate(request);
      jobRef.current = jobId;
      const { progress, finish } = early.current;
      early.current = { progress: [], finish: null };
      for (const p of progress) onProgress(p);
      if (finish) onFinish(finish);
      setState((s) => ({ ...s, jobId, status: s.status === 'starting' ? 'running' : s.status }));
    } catch (err) {
      setState((s) => ({ ...s, status: 'failed', error: errorMessage(err) }));
    }
  }, [onProgress, onFinish]);

  const cancel = useCallback(async () => {
    const jobId = jobRef.current;
    if (!jobId) return;
    try {
      await api.jobs.cancel({ jobId });
    } catch (err) {
      setState((s) => ({ ...s, error: errorMessage(err) }));
    }
  }, []);

  const busy = state.status === 'starting' || state.status === 'running';
  return { state, start, cancel, busy };
}

/** "1:05" / "12 s" style durations. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
