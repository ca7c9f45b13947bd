#!/usr/bin/python3
"""PyTorch reference timings for `npm run bench -- models` (Debian python3-torch 1.13, CPU).

bench/models.ts writes the weights (safetensors, taming key names) and a config.json into --dir; this script
builds the same models from the reference modules of tests/fixtures/models/make_parity.py (written from the
math of taming-transformers' modules), loads those weights and times, per thread count (torch.set_num_threads):
  vqgan      encode (encoder, quant_conv, nearest code) + decode (codebook lookup, post_quant_conv, decoder)
             of one image [1, 3, S, S]
  gpt        full-sequence logits of [1, T] tokens
under torch.no_grad(). It also prints the codes of the encode and a checksum of the logits, so the TypeScript side
can confirm both ran the same model. One JSON object on stdout.

Usage: /usr/bin/python3 bench/reference/models_bench.py --dir DIR [--threads 1,2] [--iters 3] [--warmup 1]
"""
import argparse
import importlib.util
import json
import os
import statistics
import struct
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'make_parity', os.path.join(HERE, '..', '..', 'tests', 'fixtures', 'models', 'make_parity.py'))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
torch.set_grad_enabled(False)


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, t in header.items():
            if name == '__metadata__':
                continue
            assert t['dtype'] == 'F32', f'{name}: {t["dtype"]}'
            b, e = t['data_offsets']
            f.seek(base + b)
            out[name] = torch.from_numpy(np.frombuffer(f.read(e - b), dtype='<f4').copy().reshape(t['shape']))
        return out


def median_ms(fn, iters, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--iters', type=int, default=3)
    ap.add_argument('--warmup', type=int, default=1)
    args = ap.parse_args()
    cfg = json.load(open(os.path.join(args.dir, 'config.json')))

    vq = ref.VQModel(cfg['vqgan'])
    vq.load_state_dict(read_safetensors(os.path.join(args.dir, 'vqgan.safetensors')), strict=True)
    vq.eval()
    gpt = ref.GPT(cfg['gpt'])
    gpt.load_state_dict(read_safetensors(os.path.join(args.dir, 'gpt.safetensors')), strict=False)  # attn.mask regenerated
    gpt.eval()
    image = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'image.f32'), dtype='<f4').reshape(cfg['image_shape']))
    tokens = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'tokens.i64'), dtype='<i8').reshape(cfg['tokens_shape']))

    def vq_roundtrip():
        _, idx, _ = vq.encode(image)
        return idx, vq.decode_indices(idx)

    results = []
    for n in [int(t) for t in args.threads.split(',')]:
        torch.set_num_threads(n)
        results.append({'workload': 'vqgan', 'threads': n, 'ms': median_ms(vq_roundtrip, args.iters, args.warmup)})
        results.append({'workload': 'gpt', 'threads': n, 'ms': median_ms(lambda: gpt(tokens), args.iters, args.warmup)})
    idx, dec = vq_roundtrip()
    logits = gpt(tokens)
    print(json.dumps({
        'torch': torch.__version__, 'results': results,
        'indices': idx.reshape(-1).tolist(), 'decoded_sum': float(dec.double().sum()),
        'logits_sum': float(logits.double().sum()), 'logits_abs_sum': float(logits.double().abs().sum()),
    }))


if __name__ == '__main__':
    main()
