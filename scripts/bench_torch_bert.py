#!/usr/bin/python3
"""PyTorch eager baseline of BertBenchmark: all-MiniLM-L6-v2, batch of 32 sentences, mean pooling + L2.

Usage (from the repository root, after converting the ONNX file with the library):
  ./llm convert --model all-minilm-l6-v2.onnx --out /tmp/minilm
  /usr/bin/python3 scripts/bench_torch_bert.py /tmp/minilm [--threads 2] [--seconds 20]

The weights are read from the folder's model.safetensors (parsed by hand: no transformers or
safetensors package here); the forward is the plain-torch BERT of scripts/gen_bert_fixtures.py in
float32 under torch.inference_mode, as a padded batch with an attention mask (what transformers'
BertModel does). Sentence lengths are BertBenchmark's: mixed = 8 + (37 i) mod 121 for i < 32, full = 128.
Prints sentences/s for each.
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch


def load(folder):
    with open(folder + "/model.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    w = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        w[name.removeprefix("bert.")] = torch.from_numpy(
            np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"]).copy())
    cfg = json.load(open(folder + "/config.json"))
    return cfg, w


def forward(cfg, w, ids, mask):
    eps = cfg["layer_norm_eps"]
    B, T = ids.shape
    C = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    hd = C // nh
    ln = torch.nn.functional.layer_norm
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:T][None] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, (C,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    lin = torch.nn.functional.linear
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i

        def heads(t):
            return t.view(B, T, nh, hd).transpose(1, 2)
        q = heads(lin(x, w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"]))
        k = heads(lin(x, w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]))
        v = heads(lin(x, w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + ext, dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(B, T, C)
        x = ln(lin(ctx, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]) + x,
               (C,), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = torch.nn.functional.gelu(lin(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
        x = ln(lin(h, w[p + "output.dense.weight"], w[p + "output.dense.bias"]) + x, (C,),
               w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    m = mask[:, :, None].float()
    e = (x * m).sum(1) / m.sum(1)
    return torch.nn.functional.normalize(e, dim=-1)


def main():
    folder = sys.argv[1]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 20
    torch.set_num_threads(threads)
    cfg, w = load(folder)
    g = torch.Generator().manual_seed(42)
    for kind in ("mixed", "full"):
        lengths = [128 if kind == "full" else 8 + (37 * i) % 121 for i in range(32)]
        T = max(lengths)
        ids = torch.zeros(32, T, dtype=torch.long)
        mask = torch.zeros(32, T, dtype=torch.long)
        for b, n in enumerate(lengths):
            ids[b, :n] = torch.randint(1000, 30000, (n,), generator=g)
            ids[b, 0], ids[b, n - 1] = 101, 102
            mask[b, :n] = 1
        with torch.inference_mode():
            for _ in range(3):
                forward(cfg, w, ids, mask)
            ops = 0
            start = time.perf_counter()
            while time.perf_counter() - start < seconds:
                forward(cfg, w, ids, mask)
                ops += 1
            dt = time.perf_counter() - start
        print("%s: %.1f sentences/s (%d batches of 32 in %.1f s, %d threads, torch %s)"
              % (kind, ops * 32 / dt, ops, dt, threads, torch.__version__))


if __name__ == "__main__":
    main()
