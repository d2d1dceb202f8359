#!/usr/bin/env python3
"""PyTorch eager baseline for `./llm bench`: GPT-2 124M-shaped decoding with a KV cache on the CPU.

Random weights (12 layers, 12 heads, width 768, vocab 50257, context 1024, tied output projection),
batch 1, float32, greedy, `torch.set_num_threads(2)` by default. It prints the same two lines as
`./llm bench`:

    prefill_tok_per_s X      (a prompt of --prompt-len tokens in one forward pass)
    decode_tok_per_s Y       (--new tokens, one forward pass per token, after a warm-up)

Usage: /usr/bin/python3 scripts/bench_torch_decode.py [--prompt-len 512] [--new 64] [--threads 2]
This is the baseline of the "Model inference" section of benchmarks/README.md.
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F


class Gpt2:
    """A minimal GPT2LMHeadModel forward (pre-norm, tanh GELU) with a preallocated KV cache."""

    def __init__(self, vocab=50257, ctx=1024, layers=12, heads=12, dim=768, seed=0):
        g = torch.Generator().manual_seed(seed)
        def rnd(*shape, std=0.02):
            return torch.randn(*shape, generator=g) * std
        self.heads, self.dim, self.ctx = heads, dim, ctx
        self.wte = rnd(vocab, dim)
        self.wpe = rnd(ctx, dim, std=0.01)
        self.layers = []
        for _ in range(layers):
            self.layers.append(dict(
                ln1_w=torch.ones(dim), ln1_b=torch.zeros(dim),
                attn_w=rnd(3 * dim, dim), attn_b=torch.zeros(3 * dim),   # nn.Linear layout [out, in]
                proj_w=rnd(dim, dim), proj_b=torch.zeros(dim),
                ln2_w=torch.ones(dim), ln2_b=torch.zeros(dim),
                fc_w=rnd(4 * dim, dim), fc_b=torch.zeros(4 * dim),
                fc2_w=rnd(dim, 4 * dim), fc2_b=torch.zeros(dim)))
        self.lnf_w, self.lnf_b = torch.ones(dim), torch.zeros(dim)
        hd = dim // heads
        self.k_cache = [torch.zeros(heads, ctx, hd) for _ in range(layers)]
        self.v_cache = [torch.zeros(heads, ctx, hd) for _ in range(layers)]

    def forward(self, ids, pos):
        """ids: (T,) at positions pos..pos+T-1 -> logits of the last position (V,)."""
        T = ids.shape[0]
        C, H = self.dim, self.heads
        hd = C // H
        x = self.wte[ids] + self.wpe[pos:pos + T]                       # (T, C)
        for l, p in enumerate(self.layers):
            h = F.layer_norm(x, (C,), p["ln1_w"], p["ln1_b"], 1e-5)
            qkv = F.linear(h, p["attn_w"], p["attn_b"])                    # (T, 3C)
            q, k, v = qkv.split(C, dim=1)
            q = q.view(T, H, hd).transpose(0, 1)                           # (H, T, hd)
            self.k_cache[l][:, pos:pos + T] = k.view(T, H, hd).transpose(0, 1)
            self.v_cache[l][:, pos:pos + T] = v.view(T, H, hd).transpose(0, 1)
            K = self.k_cache[l][:, :pos + T]                               # (H, S, hd)
            V = self.v_cache[l][:, :pos + T]
            att = (q @ K.transpose(1, 2)) / math.sqrt(hd)                  # (H, T, S)
            if T > 1:
                mask = torch.ones(T, pos + T, dtype=torch.bool).tril(diagonal=pos)
                att = att.masked_fill(~mask, float("-inf"))
            att = torch.softmax(att, dim=-1)
            y = (att @ V).transpose(0, 1).reshape(T, C)                    # (T, C)
            x = x + F.linear(y, p["proj_w"], p["proj_b"])
            h = F.layer_norm(x, (C,), p["ln2_w"], p["ln2_b"], 1e-5)
            h = F.gelu(F.linear(h, p["fc_w"], p["fc_b"]), approximate="tanh")
            x = x + F.linear(h, p["fc2_w"], p["fc2_b"])
        x = F.layer_norm(x[-1:], (C,), self.lnf_w, self.lnf_b, 1e-5)
        return F.linear(x, self.wte)[0]                                    # (V,)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prompt-len", type=int, default=512)
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m = Gpt2()
    prompt = torch.randint(0, 50257, (a.prompt_len,), generator=torch.Generator().manual_seed(1))
    best_prefill, best_decode = 0.0, 0.0
    with torch.inference_mode():
        m.forward(prompt[:16], 0)                                           # warm-up
        for _ in range(8):
            m.forward(prompt[:1], 16)
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            logits = m.forward(prompt, 0)
            t1 = time.perf_counter()
            best_prefill = max(best_prefill, a.prompt_len / (t1 - t0))
            tok = int(torch.argmax(logits))
            pos = a.prompt_len
            t0 = time.perf_counter()
            for _ in range(a.new):
                logits = m.forward(torch.tensor([tok]), pos)
                tok = int(torch.argmax(logits))
                pos += 1
            t1 = time.perf_counter()
            best_decode = max(best_decode, a.new / (t1 - t0))
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    print(f"prefill_tok_per_s {best_prefill:.1f}")
    print(f"decode_tok_per_s {best_decode:.1f}")


if __name__ == "__main__":
    main()
