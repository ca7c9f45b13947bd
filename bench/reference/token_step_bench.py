"""PyTorch reference for `npm run bench -- token-step` (Debian python3-torch, CPU).

Loads the SAME weights as the TypeScript side (weights.bin + index.json, written by bench/gpt-weights.ts) into the
minGPT of sampling_bench.py and measures, with the given thread count:
  bandwidth  a streaming read of a 1 GiB float32 buffer (torch.sum), bytes per second (best of 5)
  prefill    the 256-token condition, seconds, and its last logits (compared with Tessera's)
  step       one sample_with_past-style token step (forward of one token with the past K/V, torch.cat onto the past)
             after the prefill: median of `steps` steps
  window     the reference sliding-window loop (one full forward of condition 256 + window 255 per token) on the
             given target positions of an H x W grid (positions that are not targets stay token 0), seconds and tokens
Linears over several rows run on oneDNN (MiniGpt onednn=True; Debian's torch has the netlib reference BLAS).
A whole 256-token image is not run (minutes at this size with this torch); the caller estimates it as
prefill + 255 steps. Prints one JSON line.
"""
import json
import statistics
import sys
import time

import torch

from sampling_bench import MiniGpt, load


def bandwidth():
    x = torch.ones(256 << 20, dtype=torch.float32)  # 1 GiB
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        x.sum()
        best = max(best, x.numel() * 4 / (time.perf_counter() - t))
    return best


def step_times(m, cond, steps, res):
    t = time.perf_counter()
    logits, past = m.forward(cond)
    res["prefill_s"] = time.perf_counter() - t
    res["prefill_logits"] = logits[0, -1].tolist()
    n = cond.shape[1]
    nxt = logits[:, -1].argmax(-1, keepdim=True)
    out = []
    for s in range(steps + 2):
        t = time.perf_counter()
        logits, past = m.forward(nxt, past, n + s)
        if s >= 2:  # two warm-up steps
            out.append(time.perf_counter() - t)
        nxt = logits[:, -1].argmax(-1, keepdim=True)
    return statistics.median(out)


def window_at(m, cidx, H, W, targets):
    idx = torch.zeros(1, H, W, dtype=torch.long)
    for i, j in targets:
        li = i if i <= 8 else (16 - (H - i) if H - i < 8 else 8)
        lj = j if j <= 8 else (16 - (W - j) if W - j < 8 else 8)
        i0, j0 = i - li, j - lj
        patch = idx[:, i0:i0 + 16, j0:j0 + 16].reshape(1, 256)
        cpatch = cidx[:, i0:i0 + 16, j0:j0 + 16].reshape(1, 256)
        logits, _ = m.forward(torch.cat([cpatch, patch], dim=1)[:, :-1])
        idx[:, i, j] = logits[:, -256:].reshape(1, 16, 16, -1)[:, li, lj].argmax(-1)
    return [int(idx[0, i, j]) for i, j in targets]


def main():
    folder, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    res = {"threads": torch.get_num_threads(), "torch": torch.__version__, "bandwidth": bandwidth()}
    cfg, job, w = load(folder, "job")
    m = MiniGpt(cfg, w, onednn=True)
    cond = torch.tensor(job["cond16"], dtype=torch.long).reshape(1, 256)
    with torch.no_grad():
        m.forward(cond[:, :16])  # warm-up (oneDNN weight conversion)
        res["step_s"] = step_times(m, cond, job["steps"], res)
        H, W = job["h"], job["w"]
        cgrid = torch.tensor(job["cond"], dtype=torch.long).reshape(1, H, W)
        targets = [tuple(t) for t in job["targets"]]
        if targets:
            t = time.perf_counter(); res["window_tokens"] = window_at(m, cgrid, H, W, targets); res["window_s"] = time.perf_counter() - t
    print(json.dumps(res))


if __name__ == "__main__":
    main()
