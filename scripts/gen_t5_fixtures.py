#!/usr/bin/python3
"""Golden fixtures for the T5 (encoder-decoder) model of llm-model.

Run from the repository root:  /usr/bin/python3 scripts/gen_t5_fixtures.py

Writes llm-model/src/test/resources/fixtures/:
  t5-relu-tied/     config.json + model.safetensors of a random T5 v1.0-style model (relu FFN, output
                    head tied to the shared embedding with the d_model^-0.5 scaling), 3 encoder and 2
                    decoder layers; golden.json
  t5-gated-untied/  a random T5 v1.1-style model (gated-gelu FFN, tanh GELU, untied lm_head,
                    num_heads*d_kv != d_model), 2 encoder and 3 decoder layers; golden.json

golden.json: encoder ids, decoder ids, the encoder's last hidden states [S, d_model], the decoder
logits [T, V], the attention weights of layer 0 of each kind ([heads, T, S]), the greedy output ids
from [decoder_start_token_id] and the relative-position buckets of both directions over -300..300.

The reference below is plain torch written after Hugging Face transformers' modeling_t5.py
(T5ForConditionalGeneration: T5LayerNorm, T5Attention with compute_bias/_relative_position_bucket,
T5DenseActDense / T5DenseGatedActDense, the tied-head scaling) and shares no code with the Java
library. Arithmetic is float64 on the float32 weights; the buckets are computed in float32 exactly
as modeling_t5.py does (their log-spaced boundaries depend on float32 rounding).
The safetensors files are written by hand (8-byte little-endian header length, JSON header, data);
as save_pretrained does, the tied tensors are written once (shared.weight only).
"""
import json
import math
import os
import struct

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "llm-model", "src", "test",
                    "resources", "fixtures")


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for name, arr in tensors:
        b = np.ascontiguousarray(arr, dtype=np.float32).astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ------------------------------------------------------------------------------------ reference

def relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
    """modeling_t5.T5Attention._relative_position_bucket, in float32 as there."""
    relative_buckets = torch.zeros_like(relative_position)
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    if_large = max_exact + (
        torch.log(relative_position.float() / max_exact)
        / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    if_large = torch.min(if_large, torch.full_like(if_large, num_buckets - 1))
    relative_buckets += torch.where(is_small, relative_position, if_large)
    return relative_buckets


def compute_bias(table, q_len, k_len, bidirectional, cfg):
    """(heads, q_len, k_len) bias; queries at positions k_len-q_len.., keys 0..k_len-1."""
    ctx = torch.arange(k_len - q_len, k_len, dtype=torch.long)[:, None]
    mem = torch.arange(k_len, dtype=torch.long)[None, :]
    buckets = relative_position_bucket(mem - ctx, bidirectional, cfg["relative_attention_num_buckets"],
                                       cfg["relative_attention_max_distance"])
    return table[buckets].permute(2, 0, 1)


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def attention(p, prefix, x, mem, bias, causal, cfg):
    """x: (T, d), mem: (S, d) -> out (T, d), probs (H, T, S); scores not scaled by 1/sqrt(d_kv)."""
    H, dk = cfg["num_heads"], cfg["d_kv"]
    q = (x @ p[prefix + ".q.weight"].T).view(-1, H, dk).transpose(0, 1)
    k = (mem @ p[prefix + ".k.weight"].T).view(-1, H, dk).transpose(0, 1)
    v = (mem @ p[prefix + ".v.weight"].T).view(-1, H, dk).transpose(0, 1)
    scores = q @ k.transpose(1, 2)
    if bias is not None:
        scores = scores + bias
    if causal:
        T, S = scores.shape[1], scores.shape[2]
        m = torch.ones(T, S, dtype=torch.bool).tril(S - T)
        scores = scores.masked_fill(~m, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    out = (probs @ v).transpose(0, 1).reshape(x.shape[0], H * dk)
    return out @ p[prefix + ".o.weight"].T, probs


def ffn(p, prefix, x, cfg):
    if cfg["feed_forward_proj"] == "relu":
        h = torch.relu(x @ p[prefix + ".wi.weight"].T)
    else:
        h = gelu_new(x @ p[prefix + ".wi_0.weight"].T) * (x @ p[prefix + ".wi_1.weight"].T)
    return h @ p[prefix + ".wo.weight"].T


def encode(p, cfg, ids):
    eps = cfg["layer_norm_epsilon"]
    x = p["shared.weight"][ids]
    S = len(ids)
    bias = compute_bias(p["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], S, S, True, cfg)
    probs0 = None
    for i in range(cfg["num_layers"]):
        b = f"encoder.block.{i}"
        a, probs = attention(p, b + ".layer.0.SelfAttention", rms_norm(x, p[b + ".layer.0.layer_norm.weight"], eps),
                             rms_norm(x, p[b + ".layer.0.layer_norm.weight"], eps), bias, False, cfg)
        probs0 = probs if i == 0 else probs0
        x = x + a
        x = x + ffn(p, b + ".layer.1.DenseReluDense", rms_norm(x, p[b + ".layer.1.layer_norm.weight"], eps), cfg)
    return rms_norm(x, p["encoder.final_layer_norm.weight"], eps), probs0


def decode(p, cfg, enc, ids):
    eps = cfg["layer_norm_epsilon"]
    x = p["shared.weight"][ids]
    T = len(ids)
    bias = compute_bias(p["decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], T, T, False, cfg)
    self0 = cross0 = None
    for i in range(cfg["num_decoder_layers"]):
        b = f"decoder.block.{i}"
        h = rms_norm(x, p[b + ".layer.0.layer_norm.weight"], eps)
        a, ps = attention(p, b + ".layer.0.SelfAttention", h, h, bias, True, cfg)
        x = x + a
        h = rms_norm(x, p[b + ".layer.1.layer_norm.weight"], eps)
        a, pc = attention(p, b + ".layer.1.EncDecAttention", h, enc, None, False, cfg)
        x = x + a
        x = x + ffn(p, b + ".layer.2.DenseReluDense", rms_norm(x, p[b + ".layer.2.layer_norm.weight"], eps), cfg)
        if i == 0:
            self0, cross0 = ps, pc
    x = rms_norm(x, p["decoder.final_layer_norm.weight"], eps)
    if cfg["tie_word_embeddings"]:
        x = x * (cfg["d_model"] ** -0.5)
        head = p["shared.weight"]
    else:
        head = p["lm_head.weight"]
    return x @ head.T, self0, cross0


def greedy(p, cfg, enc, max_new):
    ids = [cfg["decoder_start_token_id"]]
    out = []
    for _ in range(max_new):
        logits, _, _ = decode(p, cfg, enc, ids)
        nxt = int(torch.argmax(logits[-1]))
        out.append(nxt)
        if nxt == cfg["eos_token_id"]:
            break
        ids.append(nxt)
    return out


# ------------------------------------------------------------------------------------ checkpoints

def random_params(cfg, seed):
    g = torch.Generator().manual_seed(seed)

    def n(*shape, std):
        return (torch.randn(*shape, generator=g, dtype=torch.float32) * std)

    d, H, dk, ff, V = cfg["d_model"], cfg["num_heads"], cfg["d_kv"], cfg["d_ff"], cfg["vocab_size"]
    inner = H * dk
    nb = cfg["relative_attention_num_buckets"]
    p = [("shared.weight", n(V, d, std=0.3 if cfg["tie_word_embeddings"] else 1.0))]

    def attn(prefix, rel):
        p.append((prefix + ".q.weight", n(inner, d, std=(d * dk) ** -0.5 * 2)))
        p.append((prefix + ".k.weight", n(inner, d, std=d ** -0.5)))
        p.append((prefix + ".v.weight", n(inner, d, std=d ** -0.5)))
        p.append((prefix + ".o.weight", n(d, inner, std=inner ** -0.5)))
        if rel:
            p.append((prefix + ".relative_attention_bias.weight", n(nb, H, std=1.0)))

    def ln(name):
        p.append((name, 1.0 + n(d, std=0.2)))

    def mlp(prefix):
        if cfg["feed_forward_proj"] == "relu":
            p.append((prefix + ".wi.weight", n(ff, d, std=d ** -0.5)))
        else:
            p.append((prefix + ".wi_0.weight", n(ff, d, std=d ** -0.5)))
            p.append((prefix + ".wi_1.weight", n(ff, d, std=d ** -0.5)))
        p.append((prefix + ".wo.weight", n(d, ff, std=ff ** -0.5)))

    for i in range(cfg["num_layers"]):
        b = f"encoder.block.{i}"
        attn(b + ".layer.0.SelfAttention", i == 0)
        ln(b + ".layer.0.layer_norm.weight")
        mlp(b + ".layer.1.DenseReluDense")
        ln(b + ".layer.1.layer_norm.weight")
    ln("encoder.final_layer_norm.weight")
    for i in range(cfg["num_decoder_layers"]):
        b = f"decoder.block.{i}"
        attn(b + ".layer.0.SelfAttention", i == 0)
        ln(b + ".layer.0.layer_norm.weight")
        attn(b + ".layer.1.EncDecAttention", False)
        ln(b + ".layer.1.layer_norm.weight")
        mlp(b + ".layer.2.DenseReluDense")
        ln(b + ".layer.2.layer_norm.weight")
    ln("decoder.final_layer_norm.weight")
    if not cfg["tie_word_embeddings"]:
        p.append(("lm_head.weight", n(V, d, std=d ** -0.5)))
    return p


def config(**kw):
    cfg = {
        "architectures": ["T5ForConditionalGeneration"],
        "model_type": "t5",
        "is_encoder_decoder": True,
        "dropout_rate": 0.1,
        "layer_norm_epsilon": 1e-6,
        "decoder_start_token_id": 0,
        "pad_token_id": 0,
        "eos_token_id": 1,
        "n_positions": 64,
    }
    cfg.update(kw)
    return cfg


def bucket_table(cfg, bidirectional):
    rel = torch.arange(-300, 301, dtype=torch.long)
    return relative_position_bucket(rel, bidirectional, cfg["relative_attention_num_buckets"],
                                    cfg["relative_attention_max_distance"]).tolist()


def make(name, cfg, seed, enc_ids, dec_ids, max_new):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    params = random_params(cfg, seed)
    write_safetensors(os.path.join(d, "model.safetensors"), [(k, v.numpy()) for k, v in params])
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    p = {k: v.double() for k, v in params}
    with torch.no_grad():
        enc, enc_probs = encode(p, cfg, torch.tensor(enc_ids))
        logits, self0, cross0 = decode(p, cfg, enc, torch.tensor(dec_ids))
        out = greedy(p, cfg, enc, max_new)

    def r(t):
        return [[float("%.7g" % v) for v in row] for row in t.tolist()]

    golden = {
        "encoder_ids": enc_ids,
        "decoder_ids": dec_ids,
        "encoder_hidden": r(enc),
        "logits": r(logits),
        "encoder_attention0": [r(h) for h in enc_probs],
        "decoder_attention0": [r(h) for h in self0],
        "cross_attention0": [r(h) for h in cross0],
        "greedy": out,
        "buckets_from": -300,
        "buckets_bidirectional": bucket_table(cfg, True),
        "buckets_causal": bucket_table(cfg, False),
    }
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    print(name, "greedy", out)


if __name__ == "__main__":
    make("t5-relu-tied",
         config(vocab_size=96, d_model=32, d_kv=8, num_heads=4, d_ff=48, num_layers=3, num_decoder_layers=2,
                relative_attention_num_buckets=16, relative_attention_max_distance=24,
                feed_forward_proj="relu", tie_word_embeddings=True),
         seed=3, enc_ids=[5, 17, 42, 3, 95, 7, 64, 33, 8, 77, 21, 50, 2, 11, 1],
         dec_ids=[0, 12, 40, 7, 88, 19, 3, 61, 25], max_new=10)
    make("t5-gated-untied",
         config(vocab_size=80, d_model=24, d_kv=10, num_heads=3, d_ff=40, num_layers=2, num_decoder_layers=3,
                relative_attention_num_buckets=32, relative_attention_max_distance=128,
                feed_forward_proj="gated-gelu", tie_word_embeddings=False, layer_norm_epsilon=1e-5),
         seed=114, enc_ids=[9, 4, 71, 30, 2, 66, 13, 45, 8, 27, 79, 52, 19, 6, 38, 60, 11, 24, 1],
         dec_ids=[0, 33, 5, 70, 14, 28, 9], max_new=12)
