"""PyTorch reference for `npm run bench -- sampling` (Debian python3-torch, CPU).

A minGPT written from taming's architecture description (pre-LN blocks, separate key/query/value/proj with bias,
erf GELU, learned absolute positions, bias-free head; taming/modules/transformer/mingpt.py), loaded with the SAME weights the
TypeScript side generated (weights.bin + index.json in the work folder), timing three greedy loops:
  with_past  256 tokens after a 256-token condition with a KV cache, one token per call (sample_with_past style)
  full       the same 256 tokens recomputing the whole prefix every step (Net2NetTransformer.sample semantics)
  window     an H x W grid by the reference sliding-window loop: one full (cond 256 + window 255)-token forward
             per token, logits[-256:].reshape(16, 16)[local_i, local_j]
Prints one JSON line: seconds per loop and the sampled tokens.
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(folder, extra="grid"):
    """(config, index[extra], weights by name) from a folder written by bench/gpt-weights.ts."""
    with open(f"{folder}/index.json") as f:
        index = json.load(f)
    raw = np.memmap(f"{folder}/weights.bin", dtype="<f4", mode="r")
    weights = {k: torch.from_numpy(np.array(raw[o:o + int(np.prod(s))]).reshape(s)) for k, (o, s) in index["tensors"].items()}
    return index["config"], index[extra], weights


class MiniGpt:
    """onednn=True: linears over more than one row go through oneDNN (mkldnn_linear). Debian's torch is built with
    the netlib reference BLAS (torch.__config__: BLAS_INFO=generic), whose sgemm is ~30x slower than oneDNN here;
    one-row linears (the token step) stay on F.linear, whose sgemv is the faster of the two for them."""

    def __init__(self, cfg, w, onednn=False):
        self.c, self.w = cfg, w
        self.nh, self.d = cfg["nHead"], cfg["nEmbd"]
        self.onednn, self.mk = onednn, {}

    def mkldnn(self, name):
        if name not in self.mk:
            self.mk[name] = self.w[name].to_mkldnn()
        return self.mk[name]

    def lin(self, x, name, bias=True):
        if self.onednn and x.numel() > x.shape[-1]:
            b = self.mkldnn(name + ".bias") if bias else None
            return torch._C._nn.mkldnn_linear(x.contiguous().to_mkldnn(), self.mkldnn(name + ".weight"), b).to_dense()
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"] if bias else None)

    def ln(self, x, name):
        return F.layer_norm(x, (self.d,), self.w[name + ".weight"], self.w[name + ".bias"], 1e-5)

    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.nh, self.d // self.nh).transpose(1, 2)

    def forward(self, idx, past=None, start=0):
        """idx [B, T] at positions start..start+T-1; past: list of (k, v) per layer. Returns logits [B, T, V], presents."""
        b, t = idx.shape
        x = self.w["tok_emb.weight"][idx] + self.w["pos_emb"][:, start:start + t]
        presents = []
        hs = self.d // self.nh
        for i in range(self.c["nLayer"]):
            p = f"blocks.{i}"
            h = self.ln(x, p + ".ln1")
            q = self.heads(self.lin(h, p + ".attn.query"))
            k = self.heads(self.lin(h, p + ".attn.key"))
            v = self.heads(self.lin(h, p + ".attn.value"))
            if past is not None:
                k = torch.cat([past[i][0], k], dim=2)
                v = torch.cat([past[i][1], v], dim=2)
            presents.append((k, v))
            att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
            if t > 1:
                total = k.shape[2]
                mask = torch.ones(t, total).tril(total - t) == 0
                att = att.masked_fill(mask, float("-inf"))
            y = (att.softmax(-1) @ v).transpose(1, 2).contiguous().view(b, t, self.d)
            x = x + self.lin(y, p + ".attn.proj")
            h = self.ln(x, p + ".ln2")
            x = x + self.lin(F.gelu(self.lin(h, p + ".mlp.0")), p + ".mlp.2")
        return self.lin(self.ln(x, "ln_f"), "head", bias=False), presents


def loop_with_past(m, cond, steps):
    logits, past = m.forward(cond)
    out = []
    n = cond.shape[1]
    for s in range(steps):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        out.append(int(nxt[0, 0]))
        if s == steps - 1:
            break
        logits, past = m.forward(nxt, past, n + s)
    return out


def loop_full(m, cond, steps):
    x = cond
    out = []
    for _ in range(steps):
        logits, _ = m.forward(x)
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        out.append(int(nxt[0, 0]))
        x = torch.cat([x, nxt], dim=1)
    return out


def loop_window(m, cidx, H, W):
    idx = torch.zeros(1, H, W, dtype=torch.long)
    for i in range(H):
        li = i if i <= 8 else (16 - (H - i) if H - i < 8 else 8)
        for j in range(W):
            lj = j if j <= 8 else (16 - (W - j) if W - j < 8 else 8)
            i0, j0 = i - li, j - lj
            patch = idx[:, i0:i0 + 16, j0:j0 + 16].reshape(1, 256)
            cpatch = cidx[:, i0:i0 + 16, j0:j0 + 16].reshape(1, 256)
            logits, _ = m.forward(torch.cat([cpatch, patch], dim=1)[:, :-1])
            logits = logits[:, -256:].reshape(1, 16, 16, -1)[:, li, lj]
            idx[:, i, j] = logits.argmax(-1)
    return idx.reshape(-1).tolist()


def main():
    folder = sys.argv[1]
    cfg, grid, w = load(folder)
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else torch.get_num_threads())
    m = MiniGpt(cfg, w)
    H, W = grid["h"], grid["w"]
    cgrid = torch.tensor(grid["cond"], dtype=torch.long).reshape(1, H, W)
    cond = torch.tensor(grid["cond16"], dtype=torch.long).reshape(1, 256)
    res = {"threads": torch.get_num_threads()}
    with torch.no_grad():
        loop_with_past(m, cond, 8)  # warm-up
        t = time.perf_counter(); res["with_past_tokens"] = loop_with_past(m, cond, 256); res["with_past_s"] = time.perf_counter() - t
        t = time.perf_counter(); res["full_tokens"] = loop_full(m, cond, 256); res["full_s"] = time.perf_counter() - t
        t = time.perf_counter(); res["window_tokens"] = loop_window(m, cgrid, H, W); res["window_s"] = time.perf_counter() - t
    print(json.dumps(res))


if __name__ == "__main__":
    main()
