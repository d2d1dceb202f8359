#!/usr/bin/env python3
"""Golden fixture for llm-training (the idea of llm.c's test_gpt2): a tiny GPT-2 written in plain
PyTorch, independent of llmkit, with seeded weights; records the logits, the loss, the gradient of
every parameter, and the losses of 10 AdamW steps on one batch, plus the parameters after them.

Architecture (GPT-2): learned positions, pre-norm LayerNorm (eps 1e-5), tanh GELU, biases everywhere,
tied embeddings, ffn = 4 * dim; vocab 64, block 16, 2 layers, 2 heads, dim 32, batch 2.
Weights are drawn in float32; everything is then computed in float64, so the reference carries no
float32 rounding of its own. Targets -1 are ignored (nanoGPT's ignore_index).

AdamW as nanoGPT's configure_optimizers: torch.optim.AdamW, lr 1e-3, betas (0.9, 0.95), eps 1e-8,
weight decay 0.1 on parameters of rank >= 2 (matrices and embeddings), none on norms and biases.

Output: llm-training/src/test/resources/fixtures/gpt2_tiny.bin, a little-endian file:
  magic b"LLMKFIX1", int32 count, then count records of
  int32 name length, UTF-8 name, int32 rank, int32 dims[rank], float32 data (row-major).
Names: param/<canonical name>, grad/<canonical name>, final/<canonical name> (after the 10 steps),
inputs (B, T), targets (B, T) (ids as floats), logits (B*T, V), loss (1), adamw_losses (10).

Run: /usr/bin/python3 scripts/gen_training_fixtures.py   (Debian's python3-torch)
"""
import math
import os
import struct

import torch
import torch.nn.functional as F

V, T, L, NH, C, B = 64, 16, 2, 2, 32, 2
H = 4 * C
HD = C // NH
STEPS = 10
LR, BETAS, EPS, WD = 1e-3, (0.9, 0.95), 1e-8, 0.1

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "llm-training", "src", "test",
                   "resources", "fixtures", "gpt2_tiny.bin")


def make_params():
    g = torch.Generator().manual_seed(1337)

    def normal(std, *shape):
        return (torch.randn(*shape, generator=g, dtype=torch.float32) * std)

    p = {}
    p["tok_embeddings.weight"] = normal(0.1, V, C)
    p["pos_embeddings.weight"] = normal(0.1, T, C)
    for l in range(L):
        pre = f"layers.{l}."
        p[pre + "attn_norm.weight"] = 1 + normal(0.1, C)
        p[pre + "attn_norm.bias"] = normal(0.05, C)
        for n, out in (("wq", C), ("wk", C), ("wv", C), ("wo", C)):
            p[pre + f"attn.{n}.weight"] = normal(0.1, out, C)
            p[pre + f"attn.{n}.bias"] = normal(0.05, out)
        p[pre + "mlp_norm.weight"] = 1 + normal(0.1, C)
        p[pre + "mlp_norm.bias"] = normal(0.05, C)
        p[pre + "mlp.w1.weight"] = normal(0.1, H, C)
        p[pre + "mlp.w1.bias"] = normal(0.05, H)
        p[pre + "mlp.w2.weight"] = normal(0.1 / math.sqrt(2 * L), C, H)
        p[pre + "mlp.w2.bias"] = normal(0.05, C)
    p["final_norm.weight"] = 1 + normal(0.1, C)
    p["final_norm.bias"] = normal(0.05, C)
    return p


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(p, idx, targets):
    b, t = idx.shape
    x = p["tok_embeddings.weight"][idx] + p["pos_embeddings.weight"][:t]
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for l in range(L):
        pre = f"layers.{l}."
        h = F.layer_norm(x, (C,), p[pre + "attn_norm.weight"], p[pre + "attn_norm.bias"], 1e-5)

        def proj(n, z):
            return z @ p[pre + f"attn.{n}.weight"].T + p[pre + f"attn.{n}.bias"]

        q = proj("wq", h).view(b, t, NH, HD).transpose(1, 2)
        k = proj("wk", h).view(b, t, NH, HD).transpose(1, 2)
        v = proj("wv", h).view(b, t, NH, HD).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(HD)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, C)
        x = x + proj("wo", y)
        h = F.layer_norm(x, (C,), p[pre + "mlp_norm.weight"], p[pre + "mlp_norm.bias"], 1e-5)
        a = gelu_tanh(h @ p[pre + "mlp.w1.weight"].T + p[pre + "mlp.w1.bias"])
        x = x + a @ p[pre + "mlp.w2.weight"].T + p[pre + "mlp.w2.bias"]
    x = F.layer_norm(x, (C,), p["final_norm.weight"], p["final_norm.bias"], 1e-5)
    logits = x @ p["tok_embeddings.weight"].T  # tied head
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)
    return logits.view(-1, V), loss


def main():
    torch.set_num_threads(1)
    params32 = make_params()
    g = torch.Generator().manual_seed(7)
    inputs = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    targets[0, 3] = -1
    targets[1, 10] = -1

    p = {n: t.double().clone().requires_grad_(True) for n, t in params32.items()}
    logits, loss = forward(p, inputs, targets)
    loss.backward()
    records = [(f"param/{n}", t) for n, t in params32.items()]
    records += [("inputs", inputs.float()), ("targets", targets.float()),
                ("logits", logits.detach()), ("loss", loss.detach().reshape(1))]
    records += [(f"grad/{n}", t.grad) for n, t in p.items()]

    # 10 AdamW steps on the same batch (fresh copy of the weights)
    q = {n: t.double().clone().requires_grad_(True) for n, t in params32.items()}
    decay = [t for t in q.values() if t.dim() >= 2]
    no_decay = [t for t in q.values() if t.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=LR, betas=BETAS, eps=EPS)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        _, l = forward(q, inputs, targets)
        losses.append(l.item())
        l.backward()
        opt.step()
    records.append(("adamw_losses", torch.tensor(losses)))
    records += [(f"final/{n}", t.detach()) for n, t in q.items()]

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(b"LLMKFIX1")
        f.write(struct.pack("<i", len(records)))
        for name, t in records:
            t = t.detach().to(torch.float32).contiguous()
            nb = name.encode("utf-8")
            f.write(struct.pack("<i", len(nb)))
            f.write(nb)
            f.write(struct.pack("<i", t.dim()))
            f.write(struct.pack(f"<{t.dim()}i", *t.shape))
            f.write(t.numpy().astype("<f4").tobytes())
    print(f"wrote {OUT}: loss {loss.item():.6f}, adamw losses {[round(x, 6) for x in losses]}")


if __name__ == "__main__":
    main()
