import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PickleFormatError, PyDict, PyGlobal, PyStub, UnsafePickleError } from '../../../native-models/formats/pickle-values';
import type { PickleValue, PyTuple } from '../../../native-models/formats/pickle-values';
import { isDangerousGlobal } from '../../../native-models/formats/pickle-safety';
import { unpickle } from '../../../native-models/formats/pickle-vm';
import { fixture } from './fixtures';

/** Tiny pickle assembler for hand-written test programs. */
function P(...parts: Array<number | string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') out.push(...Buffer.from(p, 'latin1'));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const binunicode = (s: string): number[] => {
  const b = Buffer.from(s, 'utf8');
  return [0x58, ...u32(b.length), ...b];
};
const shortUni = (s: string): number[] => [0x8c, Buffer.byteLength(s), ...Buffer.from(s, 'utf8')];
const GLOBAL = (m: string, n: string): string => `c${m}\n${n}\n`;

describe('pickle VM: data opcodes', () => {
  it('builds dicts, lists, tuples, ints of every width, floats, strings, bytes, memo references', () => {
    const data = P(
      0x80, 4, 0x95, ...[0, 0, 0, 0, 0, 0, 0, 0], // PROTO 4, FRAME
      0x7d, 0x94, // EMPTY_DICT, MEMOIZE (0)
      0x28, // MARK
      ...shortUni('ints'), 0x28, 0x4b, 7, 0x4d, 0x34, 0x12, 0x4a, ...u32(-5 >>> 0), 0x8a, 1, 0xff, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x6c, // [7, 0x1234, -5, -1, 2^64] LIST
      ...binunicode('float'), 0x47, ...Buffer.from('400921fb54442d18', 'hex'), // BINFLOAT pi
      ...shortUni('tuple'), 0x88, 0x89, 0x4e, 0x87, // (True, False, None)
      ...shortUni('bytes'), 0x43, 3, 1, 2, 3,
      ...shortUni('empty'), 0x29,
      ...shortUni('again'), 0x68, 0, // BINGET 0 -> the dict itself
      ...shortUni('list'), 0x5d, 0x4b, 1, 0x61, 0x28, 0x4b, 2, 0x4b, 3, 0x65, // [1] APPEND, APPENDS 2 3
      0x75, // SETITEMS
      0x2e, // STOP
    );
    const v = unpickle(data);
    expect(v).toBeInstanceOf(PyDict);
    const d = v as PyDict;
    expect(d.get('ints')).toEqual([7, 0x1234, -5, -1, 2n ** 64n]);
    expect(d.get('float')).toBe(Math.PI);
    expect((d.get('tuple') as PyTuple).items).toEqual([true, false, null]);
    expect([...(d.get('bytes') as Uint8Array)]).toEqual([1, 2, 3]);
    expect((d.get('empty') as PyTuple).items).toEqual([]);
    expect(d.get('again')).toBe(d);
    expect(d.get('list')).toEqual([1, 2, 3]);
  });

  it('turns unknown classes into inert stubs (REDUCE, NEWOBJ + BUILD) and OrderedDict into a dict', () => {
    const data = P(
      0x80, 2,
      GLOBAL('pytorch_lightning.callbacks.model_checkpoint', 'ModelCheckpoint'), 0x29, 0x81, // NEWOBJ
      0x7d, ...binunicode('monitor'), ...binunicode('val/loss'), 0x73, 0x62, // BUILD {'monitor': ...}
      GLOBAL('collections', 'OrderedDict'), 0x29, 0x52, // OrderedDict()
      ...binunicode('k'), 0x4b, 1, 0x73, // SETITEM
      GLOBAL('some.unknown', 'factory'), ...binunicode('arg'), 0x85, 0x52, // factory('arg')
      0x87, 0x2e,
    );
    const v = unpickle(data) as PyTuple;
    const [stub, od, made] = v.items as [PyStub, PyDict, PyStub];
    expect(stub).toBeInstanceOf(PyStub);
    expect((stub.cls as PyGlobal).qualified).toBe('pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint');
    expect((stub.state as PyDict).get('monitor')).toBe('val/loss');
    expect(od).toBeInstanceOf(PyDict);
    expect(od.get('k')).toBe(1);
    expect(made).toBeInstanceOf(PyStub);
    expect(made.args).toEqual(['arg']);
  });

  it('uses allow-listed reconstructors and persistent ids supplied by the caller', () => {
    const calls: PickleValue[][] = [];
    const data = P(0x80, 2, GLOBAL('my', 'rebuild'), 0x28, 0x28, ...binunicode('storage'), ...binunicode('0'), 0x74, 0x51, 0x4b, 5, 0x74, 0x52, 0x2e);
    const v = unpickle(data, {
      reconstructors: new Map([['my.rebuild', (args: PickleValue[]) => (calls.push(args), 'rebuilt')]]),
      persistentLoad: (pid) => `storage:${(pid as PyTuple).items[1] as string}`,
    });
    expect(v).toBe('rebuilt');
    expect(calls).toEqual([['storage:0', 5]]);
  });
});

describe('pickle VM: refuses code execution, executing nothing', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['os.system via REDUCE', P(0x80, 2, GLOBAL('os', 'system'), ...binunicode('touch /tmp/x'), 0x85, 0x52, 0x2e), /os\.system \(REDUCE\)/],
    ['posix.system via STACK_GLOBAL', P(0x80, 4, ...shortUni('posix'), ...shortUni('system'), 0x93, ...shortUni('id'), 0x85, 0x52, 0x2e), /posix\.system/],
    ['builtins.eval', P(0x80, 2, GLOBAL('builtins', 'eval'), ...binunicode('1+1'), 0x85, 0x52, 0x2e), /builtins\.eval/],
    ['subprocess.Popen via NEWOBJ', P(0x80, 2, GLOBAL('subprocess', 'Popen'), ...binunicode('ls'), 0x85, 0x81, 0x2e), /subprocess\.Popen \(NEWOBJ\)/],
    ['INST opcode', P(0x28, ...binunicode('ls'), 'ios\nsystem\n', 0x2e), /os\.system \(INST\)/],
    ['functools.partial(os.system, ...)', P(0x80, 2, GLOBAL('functools', 'partial'), GLOBAL('os', 'system'), ...binunicode('ls'), 0x86, 0x52, 0x2e), /os\.system \(REDUCE argument\)/],
    ['builtins.getattr chain', P(0x80, 2, GLOBAL('builtins', 'getattr'), GLOBAL('builtins', 'object'), ...binunicode('__subclasses__'), 0x86, 0x52, 0x2e), /builtins\.getattr/],
  ];
  for (const [label, data, msg] of cases) {
    it(label, () => {
      expect(() => unpickle(data)).toThrow(UnsafePickleError);
      expect(() => unpickle(data)).toThrow(msg);
    });
  }

  it('the malicious fixture pickle (torch-style REDUCE on posix.system) is refused and runs nothing', () => {
    const marker = '/tmp/tessera-malicious-pickle-marker';
    rmSync(marker, { force: true });
    expect(() => unpickle(readFileSync(fixture('malicious.pkl')))).toThrow(/refused to load: the pickle would call posix\.system.*Nothing was executed/s);
    expect(() => readFileSync(marker)).toThrow();
  });

  it('resolves protocol-2 nested globals spelled getattr(Outer, "Inner") to an inert reference', () => {
    const v = unpickle(P(0x80, 2, GLOBAL('builtins', 'getattr'), GLOBAL('some.module', 'Outer'), ...binunicode('Inner'), 0x86, 0x52, 0x2e));
    expect(v).toBeInstanceOf(PyGlobal);
    expect((v as PyGlobal).qualified).toBe('some.module.Outer.Inner');
    expect(() => unpickle(P(0x80, 2, GLOBAL('builtins', 'getattr'), GLOBAL('os', 'path'), ...binunicode('join'), 0x86, 0x52, 0x2e))).toThrow(UnsafePickleError);
  });

  it('classifies globals', () => {
    expect(isDangerousGlobal('os', 'system')).toBe(true);
    expect(isDangerousGlobal('subprocess', 'check_output')).toBe(true);
    expect(isDangerousGlobal('builtins', 'exec')).toBe(true);
    expect(isDangerousGlobal('builtins', 'set')).toBe(false);
    expect(isDangerousGlobal('torch._utils', '_rebuild_tensor_v2')).toBe(false);
    expect(isDangerousGlobal('collections', 'OrderedDict')).toBe(false);
  });
});

describe('pickle VM: malformed input', () => {
  it('reports truncation and unknown opcodes with the byte position', () => {
    expect(() => unpickle(P(0x80, 2, 0x58, 10, 0, 0, 0, 'ab'))).toThrow(PickleFormatError);
    expect(() => unpickle(P(0x80, 2, 0x58, 10, 0, 0, 0, 'ab'))).toThrow(/truncated pickle/);
    expect(() => unpickle(P(0x80, 2, 0xff))).toThrow(/unknown pickle opcode 0xff at byte 2/);
    expect(() => unpickle(P(0x80, 2, 0x4b, 1))).toThrow(/no STOP/);
    expect(() => unpickle(P(0x80, 2, 0x68, 3, 0x2e))).toThrow(/memo 3 is not defined/);
    expect(() => unpickle(P(0x80, 2, 0x30, 0x2e))).toThrow(/POP on empty stack/);
  });
});
