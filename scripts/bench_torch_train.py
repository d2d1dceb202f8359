#!/usr/bin/env python3
"""PyTorch eager baseline for `llm train`: nanoGPT's char-level Shakespeare recipe in plain torch.

The same model as llmkit's GPT-2 preset (learned positions, pre-norm LayerNorm eps 1e-5, tanh GELU,
biases, tied embeddings, init N(0, 0.02) with c_proj scaled by 1/sqrt(2 n_layer)), the same data
(characters of the corpus, first 90% train / last 10% val, random windows of block+1 tokens), the same
optimisation (AdamW betas (0.9, beta2), eps 1e-8, weight decay on matrices/embeddings only, warm-up +
cosine decay exactly as nanoGPT's get_lr, global-norm clipping 1.0) and the same output lines:
train_tok_per_s (training steps only, evaluation excluded), final_train_loss, final_val_loss (mean over
--eval-iters batches of each split).

Usage (2 threads, the comparison of issue 6):
  /usr/bin/python3 scripts/bench_torch_train.py --data ../shared/data/tinyshakespeare.txt \
      --layers 4 --heads 4 --dim 128 --block 64 --batch 12 --iters 2000 --lr 1e-3 --min-lr 1e-4 \
      --warmup 100 --eval-iters 20 --threads 2
"""
import argparse
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln1(x)).split(C, dim=2)
        q = q.view(B, T, self.h, C // self.h).transpose(1, 2)
        k = k.view(B, T, self.h, C // self.h).transpose(1, 2)
        v = v.view(B, T, self.h, C // self.h).transpose(1, 2)
        # explicit causal attention (torch 1.13 has no scaled_dot_product_attention)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.c_proj(y)
        x = x + self.mlp_proj(F.gelu(self.c_fc(self.ln2(x)), approximate="tanh"))
        return x


class GPT(nn.Module):
    def __init__(self, vocab, block, layers, heads, dim):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.wpe = nn.Embedding(block, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(dim, eps=1e-5)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("c_proj.weight") or n.endswith("mlp_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * layers))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        logits = self.ln_f(x) @ self.wte.weight.t()  # tied output projection
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--block", type=int, default=64)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--beta2", type=float, default=0.99)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--eval-iters", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--step-bench", choices=["char", "gpt2"],
                    help="only time training steps of random ids: char (4x4x128, block 64, batch 12, "
                         "vocab 65) or gpt2 (124M, batch 4 x 64) - the shapes of TrainStepBenchmark")
    a = ap.parse_args()
    if a.step_bench:
        step_bench(a)
        return

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(len(data) * 0.9)
    train, val = data[:n], data[n:]

    def get_batch(split, gen):
        d = train if split == "train" else val
        ix = torch.randint(len(d) - a.block, (a.batch,), generator=gen)
        x = torch.stack([d[i:i + a.block] for i in ix])
        y = torch.stack([d[i + 1:i + 1 + a.block] for i in ix])
        return x, y

    model = GPT(len(chars), a.block, a.layers, a.heads, a.dim)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, a.beta2), eps=1e-8)

    def get_lr(it):
        if it < a.warmup:
            return a.lr * (it + 1) / (a.warmup + 1)
        if it > a.iters:
            return a.min_lr
        ratio = (it - a.warmup) / (a.iters - a.warmup)
        return a.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (a.lr - a.min_lr)

    @torch.no_grad()
    def estimate(split, seed):
        gen = torch.Generator().manual_seed(seed)
        model.eval()
        losses = [model(*get_batch(split, gen)).item() for _ in range(a.eval_iters)]
        model.train()
        return sum(losses) / len(losses)

    gen = torch.Generator().manual_seed(a.seed + 1)
    train_time = 0.0
    for it in range(a.iters):
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = get_lr(it)
        x, y = get_batch("train", gen)
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        opt.step()
        train_time += time.perf_counter() - t0
        if it % 100 == 0 or it == a.iters - 1:
            print(f"step {it + 1}: loss {loss.item():.4f} "
                  f"{a.batch * a.block * (it + 1) / train_time:.0f} tok/s", file=sys.stderr)
    print(f"train_tok_per_s {a.batch * a.block * a.iters / train_time:.1f}")
    print(f"final_train_loss {estimate('train', a.seed + 2):.4f}")
    print(f"final_val_loss {estimate('val', a.seed + 3):.4f}")


def step_bench(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.step_bench == "char":
        vocab, block, layers, heads, dim, batch, ctx = 65, 64, 4, 4, 128, 12, 64
    else:
        vocab, block, layers, heads, dim, batch, ctx = 50257, 64, 12, 12, 768, 4, 1024
    model = GPT(vocab, ctx, layers, heads, dim)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-4, betas=(0.9, 0.99))
    x = torch.randint(vocab, (batch, block))
    y = torch.randint(vocab, (batch, block))

    def step():
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(3):
        step()
    n = 20 if a.step_bench == "char" else 5
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    print(f"torch_step_ms_{a.step_bench} {1000 * med:.2f} (median of {n}, min {1000 * times[0]:.2f})")
    print(f"torch_step_tok_per_s_{a.step_bench} {batch * block / med:.1f}")


if __name__ == "__main__":
    main()
