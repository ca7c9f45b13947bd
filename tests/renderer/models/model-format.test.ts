import { describe, expect, it } from 'vitest';
import { bytesToBase64, describeKind, formatBytes, percent, pickDroppedFiles } from '../../../renderer/models/model-format';

describe('model manager display helpers', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KB');
    expect(formatBytes(490.2 * 1024)).toBe('490.2 KB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GB');
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBe(0);
  });

  it('describes kinds and conditions', () => {
    expect(describeKind({ kind: 'vqgan', conditionMode: null })).toBe('VQGAN autoencoder');
    expect(describeKind({ kind: 'cond-transformer', conditionMode: 'segmentation' })).toBe('Transformer · Semantic layout');
  });

  it('picks the checkpoint and project.yaml from dropped files', () => {
    const f = (name: string) => ({ name });
    expect(pickDroppedFiles([f('project.yaml'), f('last.ckpt'), f('notes.txt')])).toEqual({ checkpoint: f('last.ckpt'), config: f('project.yaml'), ignored: [f('notes.txt')] });
    expect(pickDroppedFiles([f('weights.safetensors')])).toEqual({ checkpoint: f('weights.safetensors'), config: null, ignored: [] });
    expect(pickDroppedFiles([f('a.yaml')])).toEqual({ checkpoint: null, config: f('a.yaml'), ignored: [] });
  });

  it('encodes bytes as base64 like Node does, also past one 32 KiB step', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});
