import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { YamlError, parseYaml, toYaml } from '../../../native-models/formats/project-yaml';
import { yamlPath } from '../../../native-models/formats/infer-architecture';
import { fixture } from './fixtures';

describe('project.yaml for taming configs', () => {
  it('parses an OmegaConf-style project.yaml (indentless lists, flow lists, floats like 4.5e-06, comments)', () => {
    const y = parseYaml(readFileSync(fixture('cond-transformer-seg.project.yaml'), 'utf8'));
    const p = (...keys: string[]) => yamlPath(y, ...keys);
    expect(p('model', 'base_learning_rate')).toBe(4.5e-6);
    expect(p('model', 'params', 'transformer_config', 'params', 'n_head')).toBe(2);
    expect(p('model', 'params', 'first_stage_config', 'params', 'ddconfig', 'ch_mult')).toEqual([1, 1, 2]);
    expect(p('model', 'params', 'first_stage_config', 'params', 'ddconfig', 'double_z')).toBe(false);
    expect(p('model', 'params', 'cond_stage_config', 'params', 'ddconfig', 'attn_resolutions')).toEqual([8]);
    expect(p('data', 'params', 'batch_size')).toBe(2);
  });

  it('handles sequences of mappings, quoting, nulls, flow mappings', () => {
    expect(parseYaml("a:\n  - x: 1\n    y: [1, {b: 2}]\n  - 'q: r' # c\n  -\n    z: ~\nb: \"s\\n\"\nc: '#not a comment'\n")).toEqual({
      a: [{ x: 1, y: [1, { b: 2 }] }, 'q: r', { z: null }],
      b: 's\n',
      c: '#not a comment',
    });
    expect(parseYaml('cond_stage_config: __is_unconditional__\n')).toEqual({ cond_stage_config: '__is_unconditional__' });
  });

  it('emits YAML that parses back identically (and keeps floats PyYAML-readable)', () => {
    const v = { model: { lr: 1e-8, target: 'a.b.C', list: [1, 1, 2], flag: false, s: 'needs: quoting', n: null, deep: { x: [{ a: 1 }] } } };
    const text = toYaml(v);
    expect(text).toContain('lr: 1.0e-8');
    expect(parseYaml(text)).toEqual(v);
  });

  it('reads full YAML (block scalars, aliases) and refuses what is not one plain document, saying so', () => {
    expect(parseYaml('a: |\n  text\nb: &x [1, 2]\nc: *x\n')).toEqual({ a: 'text\n', b: [1, 2], c: [1, 2] });
    expect(() => parseYaml('a: 1\n\tb: 2\n')).toThrow(YamlError);
    expect(() => parseYaml('a: 1\n---\nb: 2\n')).toThrow(/invalid YAML: .*multiple documents/i);
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow(/invalid YAML/);
    // an alias bomb (each level doubles): refused, not expanded
    const bomb = ['a: &a0 [x, x]', ...Array.from({ length: 30 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}]`)].join('\n');
    expect(() => parseYaml(bomb)).toThrow(YamlError);
  });
});
