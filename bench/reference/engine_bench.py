#!/usr/bin/python3
"""PyTorch reference timings for `npm run bench -- engine` (Debian python3-torch 1.13, CPU).

Workloads (must match bench/engine.ts):
  resblock  VQGAN ResnetBlock 64->64 (GroupNorm(32, eps 1e-6) -> SiLU -> Conv3x3, twice, + identity skip)
            on x [8, 64, 64, 64]; train step = forward + MSE to a fixed target + backward + Adam(lr 1e-4).
  gpt       minGPT Block (n_embd 256, n_head 8, causal) on x [8, 256, 256], then a bias-free
            Linear(256 -> 1024) head and a 1024-way cross-entropy; train step = forward + backward + Adam.
  forward   = the same model's forward (loss included) under torch.no_grad().
Each timing is the median wall time of --iters runs after --warmup runs, per thread count (torch.set_num_threads),
plus the mean process CPU time per run (steadier than wall time when other processes load the machine).

Usage: /usr/bin/python3 bench/reference/engine_bench.py [--threads 1,2] [--iters 20] [--warmup 3]
Prints one JSON object on stdout.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ResnetBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1 = nn.GroupNorm(32, c, eps=1e-6)
        self.conv1 = nn.Conv2d(c, c, 3, 1, 1)
        self.norm2 = nn.GroupNorm(32, c, eps=1e-6)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):  # x: [B, C, H, W]
        h = self.conv1(F.silu(self.norm1(x)))  # [B, C, H, W]
        h = self.conv2(F.silu(self.norm2(h)))  # [B, C, H, W]
        return x + h


class CausalSelfAttention(nn.Module):
    def __init__(self, d, n_head, block):
        super().__init__()
        self.key, self.query, self.value, self.proj = (nn.Linear(d, d) for _ in range(4))
        self.n_head = n_head
        self.register_buffer('mask', torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):  # x: [B, T, C]
        B, T, C = x.shape
        hs = C // self.n_head
        k = self.key(x).view(B, T, self.n_head, hs).transpose(1, 2)  # [B, nh, T, hs]
        q = self.query(x).view(B, T, self.n_head, hs).transpose(1, 2)  # [B, nh, T, hs]
        v = self.value(x).view(B, T, self.n_head, hs).transpose(1, 2)  # [B, nh, T, hs]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # [B, nh, T, T]
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float('-inf'))
        y = F.softmax(att, dim=-1) @ v  # [B, nh, T, hs]
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))  # [B, T, C]


class Block(nn.Module):
    def __init__(self, d, n_head, block):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.ln2 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, n_head, block)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):  # x: [B, T, C]
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GptBlockLM(nn.Module):
    def __init__(self, d=256, n_head=8, block=256, vocab=1024):
        super().__init__()
        self.block = Block(d, n_head, block)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, x, targets):  # x: [B, T, C], targets: [B, T]
        logits = self.head(self.block(x))  # [B, T, V]
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def blas_library():
    """Which BLAS shared library torch's matmuls go through (Debian's torch uses the libblas.so.3 alternative;
    the netlib reference BLAS there is ~20x slower than OpenBLAS, which makes the GPT ratios meaningless)."""
    torch.randn(8, 8) @ torch.randn(8, 8)
    with open('/proc/self/maps') as f:
        libs = {line.split()[-1] for line in f if 'blas' in line.lower()}
    if any('openblas' in l for l in libs):
        return 'openblas'
    if any('mkl' in l for l in libs):
        return 'mkl'
    return 'reference (netlib) - install libopenblas0-openmp for a fair comparison' if libs else 'unknown'


def median_ms(fn, iters, warmup):
    """(median wall ms, mean process CPU ms) per call; CPU time is the steadier measure on a loaded machine."""
    for _ in range(warmup):
        fn()
    times = []
    c0 = time.process_time()
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), (time.process_time() - c0) * 1e3 / iters


def workloads():
    torch.manual_seed(0)
    res = ResnetBlock(64)
    x_res = torch.randn(8, 64, 64, 64)
    y_res = torch.randn(8, 64, 64, 64)
    gpt = GptBlockLM()
    x_gpt = torch.randn(8, 256, 256)
    t_gpt = torch.randint(0, 1024, (8, 256))
    return {
        'resblock': (res, lambda: F.mse_loss(res(x_res), y_res)),
        'gpt': (gpt, lambda: gpt(x_gpt, t_gpt)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--iters', type=int, default=20)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--only', default='resblock,gpt')
    args = ap.parse_args()
    torch.set_num_interop_threads(1)
    results = []
    for name, (model, loss_fn) in workloads().items():
        if name not in args.only.split(','):
            continue
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)

        def train_step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn()
            loss.backward()
            opt.step()

        def forward():
            with torch.no_grad():
                loss_fn()

        for n in [int(t) for t in args.threads.split(',')]:
            torch.set_num_threads(n)
            train_ms, train_cpu_ms = median_ms(train_step, args.iters, args.warmup)
            forward_ms, forward_cpu_ms = median_ms(forward, args.iters, args.warmup)
            results.append({
                'workload': name, 'threads': n, 'train_ms': train_ms, 'forward_ms': forward_ms,
                'train_cpu_ms': train_cpu_ms, 'forward_cpu_ms': forward_cpu_ms,
            })
    print(json.dumps({'torch': torch.__version__, 'blas': blas_library(), 'iters': args.iters, 'warmup': args.warmup, 'results': results}))


if __name__ == '__main__':
    main()
