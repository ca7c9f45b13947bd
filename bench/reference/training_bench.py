#!/usr/bin/python3
"""PyTorch reference timings for `npm run bench -- training` (Debian python3-torch 1.13, CPU).

Written from the math of the VQGAN / transformer objectives (taming/modules/losses/vqperceptual.py,
taming/models/cond_transformer.py), with the configs of
bench/training.ts (keep the two in step):
  vqgan  encoder/decoder with ch 32, ch_mult (1, 2, 2), one res-block per encoder level (two per decoder level),
         single-head attention at 8x8 and in the middle, VQ with 256 codes of dim 64 (z 64), and a BatchNorm
         PatchGAN (ndf 32, 2 layers), on x [4, 3, 32, 32]. One iteration = generator step
           loss = mean|x - x^| + (mean((sg(zq) - z)^2) + 0.25 mean((zq - sg(z))^2))
                  + lambda * (-mean(D(x^))),  lambda = 0.8 * clamp(|grad_W nll| / (|grad_W g| + 1e-4), 0, 1e4) detached,
                  W = the decoder's last conv weight; Adam(0.5, 0.9)
         then discriminator step d = 0.5 (mean relu(1 - D(x)) + mean relu(1 + D(sg(x^)))), Adam(0.5, 0.9).
  gpt    4 pre-LN blocks (d 256, 8 heads, causal), vocab 1024, tokens [8, 128], cross-entropy over the last 128
         positions, AdamW(0.9, 0.95, weight decay 0.01 on Linear weights only).
Prints one JSON object: {torch, results: [{workload, threads, ms, cpu_ms}]} with ms the median wall time per iteration
and cpu_ms the mean process CPU time per iteration.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CH, CH_MULT, NUM_RES, ATTN_RES, RESOLUTION, Z, EMBED, N_EMBED = 32, (1, 2, 2), 1, (8,), 32, 64, 64, 256
VQ_BATCH, VQ_SIZE, NDF, D_LAYERS = 4, 32, 32, 2
VOCAB, BLOCK, N_LAYER, N_HEAD, N_EMBD, GPT_BATCH, GPT_T, GPT_Z = 1024, 256, 4, 8, 256, 8, 128, 128


def norm(c):
    return nn.GroupNorm(32, c, eps=1e-6)


class Res(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.n1, self.c1, self.n2, self.c2 = norm(cin), nn.Conv2d(cin, cout, 3, 1, 1), norm(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):  # [B, Cin, H, W] -> [B, Cout, H, W]
        h = self.c1(F.silu(self.n1(x)))
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n = norm(c)
        self.q, self.k, self.v, self.o = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):  # [B, C, H, W]
        b, c, h, w = x.shape
        n = self.n(x)
        q = self.q(n).reshape(b, c, h * w).permute(0, 2, 1)  # [B, HW, C]
        k = self.k(n).reshape(b, c, h * w)  # [B, C, HW]
        v = self.v(n).reshape(b, c, h * w)  # [B, C, HW]
        a = torch.softmax(torch.bmm(q, k) / math.sqrt(c), dim=2)  # [B, HW, HW]
        return x + self.o(torch.bmm(v, a.permute(0, 2, 1)).reshape(b, c, h, w))


def mid(c):
    return [Res(c, c), Attn(c), Res(c, c)]


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        layers, res, cin = [nn.Conv2d(3, CH, 3, 1, 1)], RESOLUTION, CH
        for i, m in enumerate(CH_MULT):
            for _ in range(NUM_RES):
                layers.append(Res(cin, CH * m))
                cin = CH * m
                if res in ATTN_RES:
                    layers.append(Attn(cin))
            if i != len(CH_MULT) - 1:
                layers.append(Down(cin))
                res //= 2
        layers += mid(cin) + [norm(cin), nn.SiLU(), nn.Conv2d(cin, Z, 3, 1, 1)]
        self.f = nn.Sequential(*layers)

    def forward(self, x):
        return self.f(x)


class Down(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):  # pad right/bottom by one, 3x3 stride 2
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        cin = CH * CH_MULT[-1]
        res = RESOLUTION // 2 ** (len(CH_MULT) - 1)
        layers = [nn.Conv2d(Z, cin, 3, 1, 1)] + mid(cin)
        for i in reversed(range(len(CH_MULT))):
            for _ in range(NUM_RES + 1):
                layers.append(Res(cin, CH * CH_MULT[i]))
                cin = CH * CH_MULT[i]
                if res in ATTN_RES:
                    layers.append(Attn(cin))
            if i != 0:
                layers.append(Up(cin))
                res *= 2
        self.last = nn.Conv2d(cin, 3, 3, 1, 1)
        layers += [norm(cin), nn.SiLU(), self.last]
        self.f = nn.Sequential(*layers)

    def forward(self, z):
        return self.f(z)


class VQModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder, self.decoder = Encoder(), Decoder()
        self.quant_conv, self.post_quant_conv = nn.Conv2d(Z, EMBED, 1), nn.Conv2d(EMBED, Z, 1)
        self.codebook = nn.Parameter(torch.empty(N_EMBED, EMBED).uniform_(-1 / N_EMBED, 1 / N_EMBED))

    def forward(self, x):
        z = self.quant_conv(self.encoder(x))  # [B, E, h, w]
        b, e, h, w = z.shape
        zf = z.permute(0, 2, 3, 1).reshape(-1, e)  # [N, E]
        d = (zf ** 2).sum(1, keepdim=True) + (self.codebook ** 2).sum(1) - 2 * zf @ self.codebook.t()  # [N, K]
        zq = self.codebook[d.argmin(1)].reshape(b, h, w, e).permute(0, 3, 1, 2)  # [B, E, h, w]
        q_loss = ((zq.detach() - z) ** 2).mean() + 0.25 * ((zq - z.detach()) ** 2).mean()
        zst = z + (zq - z).detach()  # straight-through
        return self.decoder(self.post_quant_conv(zst)), q_loss


def discriminator():
    layers, mult = [nn.Conv2d(3, NDF, 4, 2, 1), nn.LeakyReLU(0.2)], 1
    for n in range(1, D_LAYERS):
        prev, mult = mult, min(2 ** n, 8)
        layers += [nn.Conv2d(NDF * prev, NDF * mult, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * mult), nn.LeakyReLU(0.2)]
    prev, mult = mult, min(2 ** D_LAYERS, 8)
    layers += [nn.Conv2d(NDF * prev, NDF * mult, 4, 1, 1, bias=False), nn.BatchNorm2d(NDF * mult), nn.LeakyReLU(0.2),
               nn.Conv2d(NDF * mult, 1, 4, 1, 1)]
    return nn.Sequential(*layers)


def vqgan_iteration():
    torch.manual_seed(0)
    model, disc = VQModel(), discriminator()
    opt_ae = torch.optim.Adam(model.parameters(), lr=4.5e-6, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(disc.parameters(), lr=4.5e-6, betas=(0.5, 0.9))
    x = torch.rand(VQ_BATCH, 3, VQ_SIZE, VQ_SIZE) * 2 - 1
    last = model.decoder.last.weight

    def step():
        xrec, q_loss = model(x)
        nll = (x - xrec).abs().mean()
        g = -disc(xrec).mean()
        gn = torch.autograd.grad(nll, last, retain_graph=True)[0]
        gg = torch.autograd.grad(g, last, retain_graph=True)[0]
        lam = (torch.norm(gn) / (torch.norm(gg) + 1e-4)).clamp(0, 1e4).detach() * 0.8
        loss = nll + lam * g + q_loss
        opt_ae.zero_grad()
        loss.backward()
        opt_ae.step()
        d_loss = 0.5 * (F.relu(1 - disc(x)).mean() + F.relu(1 + disc(xrec.detach())).mean())
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
    return step


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        d = N_EMBD
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.key, self.query, self.value, self.proj = (nn.Linear(d, d) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.register_buffer('mask', torch.tril(torch.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK))

    def forward(self, x):  # [B, T, d]
        b, t, c = x.shape
        hs = c // N_HEAD
        h = self.ln1(x)
        k = self.key(h).view(b, t, N_HEAD, hs).transpose(1, 2)  # [B, nh, T, hs]
        q = self.query(h).view(b, t, N_HEAD, hs).transpose(1, 2)
        v = self.value(h).view(b, t, N_HEAD, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float('-inf')).softmax(-1)
        x = x + self.proj((att @ v).transpose(1, 2).contiguous().view(b, t, c))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(VOCAB, N_EMBD)
        self.pos_emb = nn.Parameter(torch.zeros(1, BLOCK, N_EMBD))
        self.blocks = nn.Sequential(*(Block() for _ in range(N_LAYER)))
        self.ln_f = nn.LayerNorm(N_EMBD)
        self.head = nn.Linear(N_EMBD, VOCAB, bias=False)

    def forward(self, idx):  # [B, T] -> [B, T, V]
        x = self.tok_emb(idx) + self.pos_emb[:, :idx.shape[1]]
        return self.head(self.ln_f(self.blocks(x)))


def gpt_iteration():
    torch.manual_seed(0)
    model = GPT()
    decay = [p for n, p in model.named_parameters() if n.endswith('weight') and p.dim() == 2 and 'emb' not in n]
    ids = {id(p) for p in decay}
    rest = [p for p in model.parameters() if id(p) not in ids]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': rest, 'weight_decay': 0.0}], lr=4.5e-4, betas=(0.9, 0.95))
    inp = torch.randint(0, VOCAB, (GPT_BATCH, GPT_T))
    target = torch.randint(0, VOCAB, (GPT_BATCH, GPT_Z))

    def step():
        logits = model(inp)[:, GPT_T - GPT_Z:]  # [B, Tz, V]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def median_ms(fn, iters, warmup):
    """Median wall ms per call, and mean process CPU ms per call (all threads)."""
    for _ in range(warmup):
        fn()
    ms = []
    c0 = time.process_time()
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms), (time.process_time() - c0) * 1000 / max(1, iters)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', choices=['vqgan', 'gpt'])
    ap.add_argument('--threads', default='1')
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    a = ap.parse_args()
    results = []
    for name, make in (('vqgan', vqgan_iteration), ('gpt', gpt_iteration)):
        if a.only and a.only != name:
            continue
        for n in map(int, a.threads.split(',')):
            torch.set_num_threads(n)
            ms, cpu_ms = median_ms(make(), a.iters, a.warmup)
            results.append({'workload': name, 'threads': n, 'ms': ms, 'cpu_ms': cpu_ms})
    print(json.dumps({'torch': torch.__version__, 'results': results}))


if __name__ == '__main__':
    main()
