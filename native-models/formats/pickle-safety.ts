// What the pickle VM may build and what it refuses: globals that could run code (os.system, builtins.eval,
// subprocess.*, …) are refused; the built-in reconstructors below only build data (dicts, sets, lists, bytes).

import { PickleFormatError, PyDict, PyGlobal, PySet, PyStub, PyTuple } from './pickle-values';
import type { PickleExtension, PickleValue, Reconstructor } from './pickle-values';

const DANGEROUS_MODULES = [
  'os', 'posix', 'nt', 'posixpath', 'ntpath', 'subprocess', 'sys', 'shutil', 'socket', 'pty', 'importlib',
  'runpy', 'pickle', '_pickle', 'cPickle', 'marshal', 'ctypes', 'code', 'codeop', 'commands', 'webbrowser',
  'multiprocessing', 'asyncio', 'signal', 'tempfile', 'pathlib', 'io', '_io', 'platform', 'inspect', 'types',
  'pydoc', 'timeit', 'bdb', 'pdb', 'trace', 'cProfile', 'profile',
  'threading', '_thread', 'urllib', 'http', 'requests', 'ftplib', 'smtplib', 'telnetlib', 'xmlrpc',
  'zipimport', 'venv', 'ensurepip', 'pip', 'setuptools', 'distutils', 'imp', 'site', 'gc', 'builtins',
  '__builtin__', 'torch.hub', 'torch.jit', 'torch._C', 'torch.ops', 'torch.classes', 'numpy.load',
  'numpy.testing', 'numpy.f2py', 'numpy.distutils', 'dill', 'cloudpickle', 'joblib', 'yaml', 'jinja2',
  'IPython', 'pexpect', 'paramiko', 'fabric', 'invoke',
];
/** builtins that merely build data and are handled without executing anything. */
const SAFE_BUILTINS = new Set([
  'set', 'frozenset', 'list', 'tuple', 'dict', 'bytearray', 'bytes', 'str', 'int', 'float', 'complex', 'bool',
  'slice', 'range', 'object',
]);

export function isDangerousGlobal(module: string, name: string): boolean {
  if ((module === 'builtins' || module === '__builtin__') && SAFE_BUILTINS.has(name)) return false;
  if (name === 'eval' || name === 'exec' || name === 'system' || name === '__import__' || name === 'popen') return true;
  return DANGEROUS_MODULES.some((m) => module === m || module.startsWith(`${m}.`));
}

export function tupleItems(v: PickleValue, what: string): PickleValue[] {
  if (v instanceof PyTuple) return v.items;
  if (Array.isArray(v)) return v;
  throw new PickleFormatError(`${what}: expected a tuple of arguments, got ${describe(v)}`);
}

export function describe(v: PickleValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (Array.isArray(v)) return `list[${v.length}]`;
  if (v instanceof PyTuple) return `tuple[${v.items.length}]`;
  if (v instanceof PyDict) return `dict[${v.size}]`;
  if (v instanceof PyGlobal) return `global ${v.qualified}`;
  if (v instanceof PyStub) return `object of ${v.cls instanceof PyGlobal ? v.cls.qualified : 'unknown class'}`;
  if (v instanceof Uint8Array) return `bytes[${v.byteLength}]`;
  if (typeof v === 'object') return (v as PickleExtension).pickleKind ?? 'object';
  return typeof v;
}

export const BUILTIN_RECONSTRUCTORS = new Map<string, Reconstructor>([
  ['collections.OrderedDict', (args) => dictFrom(args[0])],
  ['builtins.dict', (args) => dictFrom(args[0])],
  ['builtins.set', (args) => new PySet(args.length ? iterItems(args[0]!) : [], false)],
  ['builtins.frozenset', (args) => new PySet(args.length ? iterItems(args[0]!) : [], true)],
  ['__builtin__.set', (args) => new PySet(args.length ? iterItems(args[0]!) : [], false)],
  ['builtins.list', (args) => (args.length ? iterItems(args[0]!) : [])],
  ['builtins.tuple', (args) => new PyTuple(args.length ? iterItems(args[0]!) : [])],
  ['builtins.bytearray', (args) => bytesFrom(args)],
  ['builtins.bytes', (args) => bytesFrom(args)],
  ['_codecs.encode', (args) => bytesFrom(args)],
  // copyreg._reconstructor(cls, base, state): an object of `cls` (protocol 0/1); stays an inert stub
  ['copyreg._reconstructor', (args) => new PyStub(args[0] ?? null, args.slice(1), 'reduce')],
  ['copy_reg._reconstructor', (args) => new PyStub(args[0] ?? null, args.slice(1), 'reduce')],
]);

function iterItems(v: PickleValue): PickleValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple) return v.items;
  if (v instanceof PySet) return v.items;
  if (v instanceof PyDict) return v.keys();
  if (typeof v === 'string') return [...v];
  throw new PickleFormatError(`cannot iterate over ${describe(v)}`);
}

function dictFrom(v: PickleValue | undefined): PyDict {
  const d = new PyDict();
  if (v === undefined || v === null) return d;
  if (v instanceof PyDict) {
    for (const [k, x] of v.entries()) d.set(k, x);
    return d;
  }
  for (const pair of iterItems(v)) {
    const [key, value, ...rest] = tupleItems(pair, 'dict item');
    if (key === undefined || value === undefined || rest.length > 0) throw new PickleFormatError(`dict item: expected a (key, value) pair, got ${describe(pair)}`);
    d.set(key, value);
  }
  return d;
}

function bytesFrom(args: PickleValue[]): Uint8Array {
  const a = args[0];
  if (a === undefined) return new Uint8Array(0);
  if (a instanceof Uint8Array) return a;
  if (typeof a === 'string') return Buffer.from(a, 'latin1'); // _codecs.encode(s, 'latin1')
  if (Array.isArray(a)) return Uint8Array.from(a.map((x) => Number(x)));
  throw new PickleFormatError(`cannot build bytes from ${describe(a)}`);
}
