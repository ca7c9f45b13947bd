import { describe, expect, expectTypeOf, it } from 'vitest';
import { API_EVENTS, API_METHODS, ipcChannel, listEventPaths, listMethodPaths } from '../../preload/contract';
import type { Api, EventPath, MethodPath, ParamsOf, PayloadOf, ResultOf, SettingsPatch, SettingsSnapshot, AppInfo } from '../../preload/contract';

describe('preload/contract', () => {
  it('lists the same domains for methods and events', () => {
    expect(Object.keys(API_EVENTS).sort()).toEqual(Object.keys(API_METHODS).sort());
  });

  it('derives the v0 method and event paths in order', () => {
    expect(listMethodPaths()).toEqual(['app.info', 'settings.get', 'settings.update', 'jobs.generate', 'jobs.cancel',
      'gallery.query', 'gallery.facets', 'gallery.get', 'gallery.thumbnail', 'gallery.setStar', 'gallery.setNotes', 'gallery.remove', 'gallery.exportPng', 'gallery.openFolder', 'gallery.rescan',
      'models.list', 'models.registry', 'models.import', 'models.cancelImport', 'models.uploadBegin', 'models.uploadChunk', 'models.uploadFinish',
      'models.uploadAbort', 'models.rename', 'models.remove', 'models.exportTaming', 'conditions.edgesFromImage', 'device.list',
      'finetune.scan', 'finetune.estimate', 'finetune.start', 'finetune.stop', 'finetune.resume', 'finetune.runs', 'finetune.run', 'finetune.compare']);
    expect(listEventPaths()).toEqual(['settings.onDidChange', 'jobs.onDidJobProgress', 'jobs.onDidJobFinish', 'gallery.onDidGalleryChange',
      'models.onDidModelsChange', 'models.onDidImportProgress', 'finetune.onDidFinetuneProgress', 'finetune.onDidFinetuneFinish']);
  });

  it('names every event onDidX and no method onDidX', () => {
    for (const path of listEventPaths()) expect(path.split('.')[1]).toMatch(/^onDid[A-Z]/);
    for (const path of listMethodPaths()) expect(path.split('.')[1]).not.toMatch(/^onDid/);
  });

  it('has unique, prefixed IPC channels', () => {
    const channels = [...listMethodPaths(), ...listEventPaths()].map(ipcChannel);
    expect(new Set(channels).size).toBe(channels.length);
    for (const channel of channels) expect(channel).toMatch(/^tessera:[a-z]+\.[A-Za-z]+$/);
  });

  it('types parameters, results and payloads from the interfaces', () => {
    expectTypeOf<MethodPath>().toEqualTypeOf<'app.info' | 'settings.get' | 'settings.update' | 'jobs.generate' | 'jobs.cancel'
      | 'gallery.query' | 'gallery.facets' | 'gallery.get' | 'gallery.thumbnail' | 'gallery.setStar' | 'gallery.setNotes' | 'gallery.remove' | 'gallery.exportPng' | 'gallery.openFolder' | 'gallery.rescan'
      | 'models.list' | 'conditions.edgesFromImage'
      | 'models.registry' | 'models.import' | 'models.cancelImport' | 'models.uploadBegin' | 'models.uploadChunk' | 'models.uploadFinish' | 'models.uploadAbort'
      | 'models.rename' | 'models.remove' | 'models.exportTaming' | 'device.list'
      | 'finetune.scan' | 'finetune.estimate' | 'finetune.start' | 'finetune.stop' | 'finetune.resume' | 'finetune.runs' | 'finetune.run' | 'finetune.compare'>();
    expectTypeOf<EventPath>().toEqualTypeOf<'settings.onDidChange' | 'jobs.onDidJobProgress' | 'jobs.onDidJobFinish' | 'gallery.onDidGalleryChange'
      | 'models.onDidModelsChange' | 'models.onDidImportProgress' | 'finetune.onDidFinetuneProgress' | 'finetune.onDidFinetuneFinish'>();
    expectTypeOf<ParamsOf<'settings.update'>>().toEqualTypeOf<SettingsPatch>();
    expectTypeOf<ParamsOf<'app.info'>>().toEqualTypeOf<undefined>();
    expectTypeOf<ResultOf<'app.info'>>().toEqualTypeOf<AppInfo>();
    expectTypeOf<ResultOf<'settings.get'>>().toEqualTypeOf<SettingsSnapshot>();
    expectTypeOf<PayloadOf<'settings.onDidChange'>>().toEqualTypeOf<SettingsSnapshot>();
    expectTypeOf<Api['settings']['onDidChange']>().parameter(0).toEqualTypeOf<(payload: SettingsSnapshot) => void>();
  });

  it('refuses names that are not in the interfaces (compile-time)', () => {
    // @ts-expect-error: not a method of the settings domain
    const badMethod: MethodPath = 'settings.reset';
    // @ts-expect-error: events are not methods
    const eventAsMethod: MethodPath = 'settings.onDidChange';
    expect([badMethod, eventAsMethod]).toHaveLength(2);
  });
});
