// The device domain: the self-test really compiles and runs a program through native-models/runtime
// (onnxruntime-node) on each provider; a provider that cannot run falls back to cpu with the reason.
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceService, deviceSchemas, resolveProvider, selfTestProvider } from '../../../main/services/device';
import { releaseSessions } from '../../../native-models/runtime/session';
import type { DeviceProvider } from '../../../preload/model-manager-types';

afterAll(() => releaseSessions());

const passed = (name: string, ok: boolean): DeviceProvider => ({ name, bundled: true, selfTest: { ok, compileMs: 1, runMs: ok ? 1 : null, error: ok ? null : 'boom', testedAt: '' } });

describe('device self-test', () => {
  it('passes on cpu with timings', async () => {
    const r = await selfTestProvider('cpu');
    expect(r).toMatchObject({ ok: true, error: null });
    expect(r.compileMs).toBeGreaterThan(0);
    expect(r.runMs).toBeGreaterThanOrEqual(0);
  });

  it('fails a provider this build cannot run, with the runtime reason (no silent CPU success)', async () => {
    const r = await selfTestProvider('dml');
    expect(r.ok).toBe(false);
    expect(r.runMs).toBeNull();
    expect(r.error).toMatch(/^dml: not offered by this onnxruntime-node build/);
  });

  it('lists providers with results and resolves the preferred one, falling back to cpu with a visible reason', async () => {
    let preferred = 'dml';
    const service = new DeviceService({
      settings: () => ({ preferred }),
      listProviders: async () => [{ name: 'cpu', bundled: true }, { name: 'dml', bundled: false }],
    });
    const s = await service.status();
    expect(s.providers.map((p) => [p.name, p.selfTest.ok])).toEqual([['cpu', true], ['dml', false]]);
    expect(s.preferred).toBe('dml');
    expect(s.resolved.provider).toBe('cpu');
    expect(s.resolved.fallbackReason).toMatch(/^dml failed its self-test \(dml: not offered .*\); using cpu\.$/);
    preferred = 'auto';
    expect(await service.resolve()).toEqual({ provider: 'cpu', fallbackReason: null });
    preferred = 'cpu';
    expect(await service.resolve()).toEqual({ provider: 'cpu', fallbackReason: null });
  });

  it('resolveProvider: auto takes the first working accelerator; an unknown name falls back', () => {
    const providers = [passed('cpu', true), passed('webgpu', true), passed('cuda', false)];
    expect(resolveProvider({ preferred: 'auto' }, providers)).toEqual({ provider: 'webgpu', fallbackReason: null });
    expect(resolveProvider({ device: { preferred: 'webgpu' } }, providers)).toEqual({ provider: 'webgpu', fallbackReason: null });
    expect(resolveProvider({ preferred: 'cuda' }, providers)).toEqual({ provider: 'cpu', fallbackReason: 'cuda failed its self-test (boom); using cpu.' });
    expect(resolveProvider({ preferred: 'rocm' }, providers).fallbackReason).toBe('rocm is not offered by this build (it offers cpu, webgpu, cuda); using cpu.');
  });

  it('device.list takes nothing or { rerun }', () => {
    expect(deviceSchemas.list.parse(undefined, 'params')).toBeUndefined();
    expect(deviceSchemas.list.parse({ rerun: true }, 'params')).toEqual({ rerun: true });
    expect(() => deviceSchemas.list.parse({ gpu: 0 }, 'params')).toThrow(/unknown field/);
  });
});
