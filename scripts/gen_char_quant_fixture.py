#!/usr/bin/env python3
"""Fixture of llm-model's QuantizedAccuracyTest: a character-level GPT-2 trained on Tiny Shakespeare.

Trains, in plain torch, nanoGPT's shakespeare_char recipe at a size whose matrices are whole Q4_K
super-blocks (width 256, 1 layer, 4 heads, feed-forward 512, context 64, tied embeddings, tanh GELU,
LayerNorm eps 1e-5, biases), on the first 90% of examples/.../tinyshakespeare.txt, AdamW with warm-up
and cosine decay, until the validation loss stops improving, MAX_STEPS or BUDGET_S seconds (the
development machine is 2 shared cores), then writes:

  llm-model/src/test/resources/fixtures/char-shakespeare/model-f16.gguf  the weights as a GGUF
      (architecture gpt2; matrices and embeddings F16, norms and biases F32; the 65-character
      vocabulary, ids in sorted order, in the metadata string llmkit.char_vocab)
  llm-model/src/test/resources/fixtures/char-shakespeare/valid.txt  the first 16384 characters of the
      validation split (Tiny Shakespeare: public domain; see examples/.../data/NOTICE.md)
  llm-model/src/test/resources/fixtures/char-shakespeare/expected.properties  the F32 perplexity of
      the F16 weights (upcast) on valid.txt, computed here as llama.cpp's perplexity tool and
      llmkit's Perplexity do: non-overlapping windows of 64, scored on tokens 33..63 of each.

  PYTHONPATH=../shared/tools/llama.cpp/gguf-py /usr/bin/python3 scripts/gen_char_quant_fixture.py
"""
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import gguf

OUT = "llm-model/src/test/resources/fixtures/char-shakespeare"
TEXT = "examples/src/main/resources/dev/llmkit/examples/data/tinyshakespeare.txt"
C, L, H, T, FF = 256, 1, 4, 64, 512
BATCH, LR, MAX_STEPS, BUDGET_S = 16, 3e-3, 3000, 1500

torch.manual_seed(1337)
torch.set_num_threads(1)  # a shared machine: OpenMP threads spinning on busy cores cost more than they give


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(C, eps=1e-5)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C, eps=1e-5)
        self.up = nn.Linear(C, FF)
        self.down = nn.Linear(FF, C)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (z.view(b, t, H, C // H).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
        att = att.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
        a = F.softmax(att, dim=-1) @ v
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, C))
        return x + self.down(F.gelu(self.up(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, C)
        self.wpe = nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.lnf = nn.LayerNorm(C, eps=1e-5)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for blk in self.blocks:
            x = blk(x)
        return self.lnf(x) @ self.wte.weight.T


def perplexity(model, ids):
    nll, n = 0.0, 0
    with torch.no_grad():
        for w in range(len(ids) // T):
            x = torch.tensor(ids[w * T:(w + 1) * T]).unsqueeze(0)
            logp = F.log_softmax(model(x)[0].double(), dim=-1)
            for j in range(T // 2, T - 1):
                nll -= logp[j, ids[w * T + j + 1]].item()
                n += 1
    return math.exp(nll / n)


def main():
    text = open(TEXT, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text])
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    model = Gpt(len(chars))
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.1, betas=(0.9, 0.99))
    best, bad, t0 = 1e9, 0, time.time()
    for step in range(MAX_STEPS):
        lr = LR * min(1.0, (step + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / MAX_STEPS)))
        for g in opt.param_groups:
            g["lr"] = lr
        ix = torch.randint(len(train) - T - 1, (BATCH,))
        x = torch.stack([train[i:i + T] for i in ix])
        y = torch.stack([train[i + 1:i + T + 1] for i in ix])
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 100 == 99 or step == 9:
            with torch.no_grad():
                g = torch.Generator().manual_seed(0)
                ix = torch.randint(len(val) - T - 1, (64,), generator=g)
                vx = torch.stack([val[i:i + T] for i in ix])
                vy = torch.stack([val[i + 1:i + T + 1] for i in ix])
                vl = F.cross_entropy(model(vx).view(-1, len(chars)), vy.view(-1)).item()
            print(f"step {step + 1} train {loss.item():.4f} val {vl:.4f} ({time.time() - t0:.0f} s)", flush=True)
            if vl < best - 0.005:
                best, bad = vl, 0
            else:
                bad += 1
                if bad >= 5:  # no improvement for 500 steps: converged at this size
                    break
            if time.time() - t0 > BUDGET_S:  # a shared 2-core machine: stop at the time budget
                print("time budget reached", flush=True)
                break
    # the F16 weights are what the fixture holds: evaluate those, upcast
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.copy_(p.half().float())
    valid = text[split:split + 16384]
    ppl = perplexity(model, [stoi[c] for c in valid])
    print("f32 perplexity", ppl)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "valid.txt"), "w", encoding="utf-8") as f:
        f.write(valid)
    w = gguf.GGUFWriter(os.path.join(OUT, "model-f16.gguf"), "gpt2")
    w.add_block_count(L)
    w.add_context_length(T)
    w.add_embedding_length(C)
    w.add_feed_forward_length(FF)
    w.add_head_count(H)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(1)
    w.add_string("llmkit.char_vocab", "".join(chars))

    def f16(name, t):
        w.add_tensor(name, t.detach().numpy().astype(np.float16))

    def f32(name, t):
        w.add_tensor(name, t.detach().numpy().astype(np.float32))

    f16("token_embd.weight", model.wte.weight)
    f16("position_embd.weight", model.wpe.weight)
    for i, b in enumerate(model.blocks):
        p = f"blk.{i}."
        f32(p + "attn_norm.weight", b.ln1.weight)
        f32(p + "attn_norm.bias", b.ln1.bias)
        f16(p + "attn_qkv.weight", b.qkv.weight)
        f32(p + "attn_qkv.bias", b.qkv.bias)
        f16(p + "attn_output.weight", b.proj.weight)
        f32(p + "attn_output.bias", b.proj.bias)
        f32(p + "ffn_norm.weight", b.ln2.weight)
        f32(p + "ffn_norm.bias", b.ln2.bias)
        f16(p + "ffn_up.weight", b.up.weight)
        f32(p + "ffn_up.bias", b.up.bias)
        f16(p + "ffn_down.weight", b.down.weight)
        f32(p + "ffn_down.bias", b.down.bias)
    f32("output_norm.weight", model.lnf.weight)
    f32("output_norm.bias", model.lnf.bias)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    with open(os.path.join(OUT, "expected.properties"), "w") as f:
        f.write("# written by scripts/gen_char_quant_fixture.py\n")
        f.write(f"f32.perplexity={ppl!r}\n")
        f.write(f"context={T}\n")


if __name__ == "__main__":
    main()
