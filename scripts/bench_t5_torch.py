#!/usr/bin/python3
"""PyTorch eager baseline of T5 batch-1 decoding (the T5DecodeBenchmark of benchmarks/).

A plain-torch T5ForConditionalGeneration forward written after Hugging Face's modeling_t5.py (as in
scripts/gen_t5_fixtures.py), float32, with the decoder's self-attention KV cache preallocated and
the cross-attention keys/values computed once per input, as an efficient eager implementation
does. Random weights of the shape chosen by --shape:

  small:  t5-small       d_model 512, d_kv 64, 8 heads, d_ff 2048, 6+6 layers, relu, tied, vocab 32128
  tiny:   t5-efficient-tiny  d_model 256, d_kv 64, 4 heads, d_ff 1024, 4+4 layers, relu, tied, vocab 32128

The measured loop is the same as T5DecodeBenchmark.decode32's: a 64-token input is encoded once
(not timed), then 32 tokens are decoded greedily from decoder_start_token_id, one forward pass per
token. Prints `decode_tok_per_s X` (best of --repeats after a warm-up).

Usage: /usr/bin/python3 scripts/bench_t5_torch.py [--shape small] [--threads 2] [--repeats 5]
"""
import argparse
import math
import time

import torch

SHAPES = {
    "small": dict(d_model=512, d_kv=64, heads=8, d_ff=2048, enc=6, dec=6, vocab=32128),
    "tiny": dict(d_model=256, d_kv=64, heads=4, d_ff=1024, enc=4, dec=4, vocab=32128),
}
BUCKETS, MAX_DIST, EPS = 32, 128, 1e-6


def bucket(rel, bidirectional):
    nb = BUCKETS
    out = torch.zeros_like(rel)
    if bidirectional:
        nb //= 2
        out += (rel > 0).to(torch.long) * nb
        rel = torch.abs(rel)
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    me = nb // 2
    large = me + (torch.log(rel.float() / me) / math.log(MAX_DIST / me) * (nb - me)).to(torch.long)
    large = torch.min(large, torch.full_like(large, nb - 1))
    return out + torch.where(rel < me, rel, large)


def rms(x, w):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))


class T5:
    def __init__(self, s, seed=0):
        g = torch.Generator().manual_seed(seed)
        d, dk, H, ff = s["d_model"], s["d_kv"], s["heads"], s["d_ff"]
        self.d, self.dk, self.H = d, dk, H
        inner = H * dk

        def r(*shape, std):
            return torch.randn(*shape, generator=g) * std

        def attn():
            return dict(q=r(inner, d, std=(d * dk) ** -0.5), k=r(inner, d, std=d ** -0.5),
                        v=r(inner, d, std=d ** -0.5), o=r(d, inner, std=inner ** -0.5))

        self.shared = r(s["vocab"], d, std=1.0)
        self.enc = [dict(ln0=torch.ones(d), sa=attn(), ln1=torch.ones(d), wi=r(ff, d, std=d ** -0.5),
                         wo=r(d, ff, std=ff ** -0.5)) for _ in range(s["enc"])]
        self.dec = [dict(ln0=torch.ones(d), sa=attn(), ln1=torch.ones(d), ca=attn(), ln2=torch.ones(d),
                         wi=r(ff, d, std=d ** -0.5), wo=r(d, ff, std=ff ** -0.5)) for _ in range(s["dec"])]
        self.enc_rel = r(BUCKETS, H, std=1.0)
        self.dec_rel = r(BUCKETS, H, std=1.0)
        self.enc_ln, self.dec_ln = torch.ones(d), torch.ones(d)

    def heads(self, x):
        return x.view(x.shape[0], self.H, self.dk).transpose(0, 1)

    def encode(self, ids):
        x = self.shared[ids]
        S = len(ids)
        pos = torch.arange(S)
        bias = self.enc_rel[bucket(pos[None, :] - pos[:, None], True)].permute(2, 0, 1)
        for L in self.enc:
            h = rms(x, L["ln0"])
            q, k, v = self.heads(h @ L["sa"]["q"].T), self.heads(h @ L["sa"]["k"].T), self.heads(h @ L["sa"]["v"].T)
            p = torch.softmax(q @ k.transpose(1, 2) + bias, dim=-1)
            x = x + (p @ v).transpose(0, 1).reshape(S, -1) @ L["sa"]["o"].T
            x = x + torch.relu(rms(x, L["ln1"]) @ L["wi"].T) @ L["wo"].T
        enc = rms(x, self.enc_ln)
        self.cross = [(self.heads(enc @ L["ca"]["k"].T), self.heads(enc @ L["ca"]["v"].T)) for L in self.dec]

    def reset(self, ctx):
        inner = self.H * self.dk
        self.kc = [torch.zeros(self.H, ctx, self.dk) for _ in self.dec]
        self.vc = [torch.zeros(self.H, ctx, self.dk) for _ in self.dec]

    def step(self, token, pos):
        x = self.shared[token].view(1, -1)
        rel = torch.arange(pos + 1) - pos
        bias = self.dec_rel[bucket(rel, False)].T.unsqueeze(1)  # (H, 1, pos+1)
        for i, L in enumerate(self.dec):
            h = rms(x, L["ln0"])
            q = self.heads(h @ L["sa"]["q"].T)
            self.kc[i][:, pos] = (h @ L["sa"]["k"].T).view(self.H, self.dk)
            self.vc[i][:, pos] = (h @ L["sa"]["v"].T).view(self.H, self.dk)
            k, v = self.kc[i][:, :pos + 1], self.vc[i][:, :pos + 1]
            p = torch.softmax(q @ k.transpose(1, 2) + bias, dim=-1)
            x = x + (p @ v).transpose(0, 1).reshape(1, -1) @ L["sa"]["o"].T
            h = rms(x, L["ln1"])
            q = self.heads(h @ L["ca"]["q"].T)
            ck, cv = self.cross[i]
            p = torch.softmax(q @ ck.transpose(1, 2), dim=-1)
            x = x + (p @ cv).transpose(0, 1).reshape(1, -1) @ L["ca"]["o"].T
            x = x + torch.relu(rms(x, L["ln2"]) @ L["wi"].T) @ L["wo"].T
        x = rms(x, self.dec_ln) * (self.d ** -0.5)
        return (x @ self.shared.T)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="small", choices=sorted(SHAPES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--new", type=int, default=32)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m = T5(SHAPES[a.shape])
    ids = torch.randint(2, SHAPES[a.shape]["vocab"], (64,), generator=torch.Generator().manual_seed(7))
    best = float("inf")
    with torch.inference_mode():
        m.encode(ids)
        for r in range(a.repeats + 1):
            m.reset(a.new + 1)
            t0 = time.perf_counter()
            tok = 0
            for pos in range(a.new):
                tok = int(torch.argmax(m.step(tok, pos)))
            dt = time.perf_counter() - t0
            if r > 0:
                best = min(best, dt)
    print("decode_tok_per_s %.1f" % (a.new / best))


if __name__ == "__main__":
    main()
