#!/usr/bin/python3
"""Golden fixtures for llm-model: tiny GPT-2 and tiny GQA Llama checkpoints with reference logits.

Run from the repository root:  /usr/bin/python3 scripts/gen_model_fixtures.py

Writes llm-model/src/test/resources/fixtures/:
  gpt2-tiny/               config.json, model.safetensors (F32, HF GPT2LMHeadModel names, Conv1D [in, out]
                           weights, fused c_attn, tied lm_head not stored), logits.json, samples.json
  gpt2-tiny-sharded/       the same weights in two shards + model.safetensors.index.json; this copy also
                           carries the old `.attn.bias` / `.attn.masked_bias` buffers and names without the
                           `transformer.` prefix (both must be accepted and ignored/mapped by the loader)
  llama-gqa-tiny/          config.json, model.safetensors (F32, HF LlamaForCausalLM names, q/k stored for
                           rotate-half RoPE), logits.json, samples.json
  llama-gqa-tiny-f16/      config.json + model.safetensors with every tensor in F16
  llama-gqa-tiny-bf16/     config.json + model.safetensors with every tensor in BF16

logits.json: {"ids": [...], "logits": [[V floats] per position]} computed by the plain-torch reference
implementations below (float64 arithmetic on the float32 weights), which follow the Hugging Face
architectures but share no code with them or with the Java library.

samples.json: {"canonical name": [[flat index, value], ...]} a few weights in the library's canonical layout
(matrices [out, in], q/k/v split out of c_attn), derived here independently of the Java name mapping.

The safetensors files are written by hand (8-byte little-endian header length, JSON header, raw data).
"""
import json
import math
import os
import struct

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "llm-model", "src", "test",
                    "resources", "fixtures")
IDS = [1, 5, 17, 42, 3, 95, 0, 64, 33, 8, 77, 21, 50, 2, 11, 90]

DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2)}


# ------------------------------------------------------------------------------------ safetensors

def to_bytes(arr, dtype):
    """Raw little-endian bytes of a float32 numpy array in the given safetensors dtype."""
    a = np.ascontiguousarray(arr, dtype=np.float32)
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    if dtype == "BF16":
        # round to nearest even, as torch does
        bits = a.view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        return rounded.astype("<u2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """tensors: list of (name, float32 ndarray) in file order."""
    header = {}
    blobs = []
    offset = 0
    for name, arr in tensors:
        b = to_bytes(arr, dtype)
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def logits_json(ids, logits):
    return {"ids": ids, "logits": [[float(np.float32(x)) for x in row] for row in logits.tolist()]}


def samples(canon, rng, per_tensor=3):
    out = {}
    for name, arr in canon.items():
        flat = arr.reshape(-1)
        idx = sorted(set([0, flat.size - 1] + [int(i) for i in rng.integers(0, flat.size, per_tensor)]))
        out[name] = [[i, float(flat[i])] for i in idx]
    return out


# ------------------------------------------------------------------------------------ GPT-2

def gpt2_weights(cfg, gen):
    V, P, L, C = cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"], cfg["n_embd"]
    H = 4 * C

    def rnd(*shape, std=0.2):
        return (torch.randn(*shape, generator=gen, dtype=torch.float64) * std).float().numpy()

    w = {"transformer.wte.weight": rnd(V, C, std=0.3), "transformer.wpe.weight": rnd(P, C, std=0.1)}
    for i in range(L):
        p = f"transformer.h.{i}."
        w[p + "ln_1.weight"] = 1.0 + rnd(C, std=0.1)
        w[p + "ln_1.bias"] = rnd(C, std=0.1)
        w[p + "attn.c_attn.weight"] = rnd(C, 3 * C)   # Conv1D [in, out]
        w[p + "attn.c_attn.bias"] = rnd(3 * C, std=0.1)
        w[p + "attn.c_proj.weight"] = rnd(C, C)
        w[p + "attn.c_proj.bias"] = rnd(C, std=0.1)
        w[p + "ln_2.weight"] = 1.0 + rnd(C, std=0.1)
        w[p + "ln_2.bias"] = rnd(C, std=0.1)
        w[p + "mlp.c_fc.weight"] = rnd(C, H)
        w[p + "mlp.c_fc.bias"] = rnd(H, std=0.1)
        w[p + "mlp.c_proj.weight"] = rnd(H, C)
        w[p + "mlp.c_proj.bias"] = rnd(C, std=0.1)
    w["transformer.ln_f.weight"] = 1.0 + rnd(C, std=0.1)
    w["transformer.ln_f.bias"] = rnd(C, std=0.1)
    return w


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_attention(q, k, v, n_heads, n_kv_heads):
    """q: (T, nh*hd), k/v: (T, nkv*hd) -> (T, nh*hd); query head h uses kv head h // (nh/nkv)."""
    T = q.shape[0]
    hd = q.shape[1] // n_heads
    group = n_heads // n_kv_heads
    out = torch.zeros_like(q)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for h in range(n_heads):
        kvh = h // group
        qh = q[:, h * hd:(h + 1) * hd]
        kh = k[:, kvh * hd:(kvh + 1) * hd]
        vh = v[:, kvh * hd:(kvh + 1) * hd]
        s = qh @ kh.T / math.sqrt(hd)
        s = s.masked_fill(mask, float("-inf"))
        p = torch.softmax(s, dim=-1)
        out[:, h * hd:(h + 1) * hd] = p @ vh
    return out


def gpt2_forward(cfg, w, ids):
    t = {k: torch.from_numpy(v).double() for k, v in w.items()}
    C, nh, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    T = len(ids)
    x = t["transformer.wte.weight"][ids] + t["transformer.wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        h = layer_norm(x, t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
        qkv = h @ t[p + "attn.c_attn.weight"] + t[p + "attn.c_attn.bias"]
        q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
        a = causal_attention(q, k, v, nh, nh)
        x = x + a @ t[p + "attn.c_proj.weight"] + t[p + "attn.c_proj.bias"]
        h = layer_norm(x, t[p + "ln_2.weight"], t[p + "ln_2.bias"], eps)
        h = gelu_new(h @ t[p + "mlp.c_fc.weight"] + t[p + "mlp.c_fc.bias"])
        x = x + h @ t[p + "mlp.c_proj.weight"] + t[p + "mlp.c_proj.bias"]
    x = layer_norm(x, t["transformer.ln_f.weight"], t["transformer.ln_f.bias"], eps)
    return (x @ t["transformer.wte.weight"].T).numpy()


def gpt2_forward_functional(cfg, w, ids):
    """Cross-check with torch's own layer_norm, tanh GELU and a batched masked softmax attention."""
    F = torch.nn.functional
    t = {k: torch.from_numpy(v).double() for k, v in w.items()}
    C, nh, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    T, hd = len(ids), C // nh
    x = F.embedding(torch.tensor(ids), t["transformer.wte.weight"]) + t["transformer.wpe.weight"][:T]
    mask = torch.tril(torch.ones(T, T)).bool()
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        h = F.layer_norm(x, (C,), t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
        q, k, v = torch.addmm(t[p + "attn.c_attn.bias"], h, t[p + "attn.c_attn.weight"]).split(C, dim=1)
        q, k, v = (z.reshape(T, nh, hd).transpose(0, 1) for z in (q, k, v))
        s = (q @ k.transpose(1, 2)) / math.sqrt(hd)
        a = torch.softmax(s.masked_fill(~mask, float("-inf")), -1) @ v
        x = x + torch.addmm(t[p + "attn.c_proj.bias"], a.transpose(0, 1).reshape(T, C), t[p + "attn.c_proj.weight"])
        h = F.layer_norm(x, (C,), t[p + "ln_2.weight"], t[p + "ln_2.bias"], eps)
        h = F.gelu(torch.addmm(t[p + "mlp.c_fc.bias"], h, t[p + "mlp.c_fc.weight"]), approximate="tanh")
        x = x + torch.addmm(t[p + "mlp.c_proj.bias"], h, t[p + "mlp.c_proj.weight"])
    x = F.layer_norm(x, (C,), t["transformer.ln_f.weight"], t["transformer.ln_f.bias"], eps)
    return F.linear(x, t["transformer.wte.weight"]).numpy()


def gpt2_canonical(cfg, w):
    """The library's canonical names and layout, derived independently of the Java mapping."""
    C = cfg["n_embd"]
    c = {"tok_embeddings.weight": w["transformer.wte.weight"],
         "pos_embeddings.weight": w["transformer.wpe.weight"]}
    for i in range(cfg["n_layer"]):
        p, q = f"transformer.h.{i}.", f"layers.{i}."
        cw, cb = w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"]
        c[q + "attn_norm.weight"] = w[p + "ln_1.weight"]
        c[q + "attn_norm.bias"] = w[p + "ln_1.bias"]
        for j, n in enumerate(["wq", "wk", "wv"]):
            c[q + f"attn.{n}.weight"] = cw[:, j * C:(j + 1) * C].T
            c[q + f"attn.{n}.bias"] = cb[j * C:(j + 1) * C]
        c[q + "attn.wo.weight"] = w[p + "attn.c_proj.weight"].T
        c[q + "attn.wo.bias"] = w[p + "attn.c_proj.bias"]
        c[q + "mlp_norm.weight"] = w[p + "ln_2.weight"]
        c[q + "mlp_norm.bias"] = w[p + "ln_2.bias"]
        c[q + "mlp.w1.weight"] = w[p + "mlp.c_fc.weight"].T
        c[q + "mlp.w1.bias"] = w[p + "mlp.c_fc.bias"]
        c[q + "mlp.w2.weight"] = w[p + "mlp.c_proj.weight"].T
        c[q + "mlp.w2.bias"] = w[p + "mlp.c_proj.bias"]
    c["final_norm.weight"] = w["transformer.ln_f.weight"]
    c["final_norm.bias"] = w["transformer.ln_f.bias"]
    return c


# ------------------------------------------------------------------------------------ Llama

def llama_weights(cfg, gen):
    V, L, C, F = cfg["vocab_size"], cfg["num_hidden_layers"], cfg["hidden_size"], cfg["intermediate_size"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = C // nh

    def rnd(*shape, std=0.2):
        return (torch.randn(*shape, generator=gen, dtype=torch.float64) * std).float().numpy()

    w = {"model.embed_tokens.weight": rnd(V, C, std=0.3)}
    for i in range(L):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1.0 + rnd(C, std=0.1)
        w[p + "self_attn.q_proj.weight"] = rnd(nh * hd, C, std=0.3)   # nn.Linear [out, in]
        w[p + "self_attn.k_proj.weight"] = rnd(nkv * hd, C, std=0.3)
        w[p + "self_attn.v_proj.weight"] = rnd(nkv * hd, C)
        w[p + "self_attn.o_proj.weight"] = rnd(C, nh * hd)
        w[p + "post_attention_layernorm.weight"] = 1.0 + rnd(C, std=0.1)
        w[p + "mlp.gate_proj.weight"] = rnd(F, C)
        w[p + "mlp.up_proj.weight"] = rnd(F, C)
        w[p + "mlp.down_proj.weight"] = rnd(C, F)
    w["model.norm.weight"] = 1.0 + rnd(C, std=0.1)
    w["lm_head.weight"] = rnd(V, C, std=0.3)
    return w


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rope_rotate_half(x, n_heads, theta):
    """x: (T, n_heads*hd); Hugging Face rotary: pairs (x[i], x[i + hd/2]), frequency theta^(-2i/hd)."""
    T = x.shape[0]
    hd = x.shape[1] // n_heads
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]   # (T, hd/2)
    cos = torch.cat([ang.cos(), ang.cos()], dim=-1)
    sin = torch.cat([ang.sin(), ang.sin()], dim=-1)
    out = torch.empty_like(x)
    for h in range(n_heads):
        xh = x[:, h * hd:(h + 1) * hd]
        rot = torch.cat([-xh[:, hd // 2:], xh[:, :hd // 2]], dim=-1)
        out[:, h * hd:(h + 1) * hd] = xh * cos + rot * sin
    return out


def llama_forward(cfg, w, ids):
    t = {k: torch.from_numpy(v).double() for k, v in w.items()}
    nh, nkv, eps, theta = (cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["rms_norm_eps"],
                           cfg["rope_theta"])
    x = t["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, t[p + "input_layernorm.weight"], eps)
        q = rope_rotate_half(h @ t[p + "self_attn.q_proj.weight"].T, nh, theta)
        k = rope_rotate_half(h @ t[p + "self_attn.k_proj.weight"].T, nkv, theta)
        v = h @ t[p + "self_attn.v_proj.weight"].T
        x = x + causal_attention(q, k, v, nh, nkv) @ t[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, t[p + "post_attention_layernorm.weight"], eps)
        g = h @ t[p + "mlp.gate_proj.weight"].T
        u = h @ t[p + "mlp.up_proj.weight"].T
        x = x + (g * torch.sigmoid(g) * u) @ t[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, t["model.norm.weight"], eps)
    return (x @ t["lm_head.weight"].T).numpy()


def llama_forward_meta(cfg, w, ids):
    """Cross-check: Meta's formulation (adjacent-pair RoPE via complex numbers) on q/k weights permuted
    back from Hugging Face's rotate-half layout must give the same logits."""
    nh, nkv, theta = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["rope_theta"]
    C = cfg["hidden_size"]
    hd = C // nh

    def unpermute(m, heads):   # inverse of transformers' convert_llama_weights_to_hf permute()
        return m.reshape(heads, 2, hd // 2, C).transpose(0, 2, 1, 3).reshape(heads * hd, C)

    def rope_pairs(x, heads):
        T = x.shape[0]
        xc = torch.view_as_complex(x.reshape(T, heads, hd // 2, 2).contiguous())
        freqs = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        cis = torch.polar(torch.ones(T, hd // 2, dtype=torch.float64),
                          torch.arange(T, dtype=torch.float64)[:, None] * freqs[None, :])
        return torch.view_as_real(xc * cis[:, None, :]).reshape(T, heads * hd)

    m = dict(w)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        m[p + "self_attn.q_proj.weight"] = unpermute(w[p + "self_attn.q_proj.weight"], nh)
        m[p + "self_attn.k_proj.weight"] = unpermute(w[p + "self_attn.k_proj.weight"], nkv)
    global rope_rotate_half
    saved = rope_rotate_half
    rope_rotate_half = lambda x, heads, th: rope_pairs(x, heads)
    try:
        return llama_forward(cfg, m, ids)
    finally:
        rope_rotate_half = saved


def llama_canonical(cfg, w):
    c = {"tok_embeddings.weight": w["model.embed_tokens.weight"]}
    for i in range(cfg["num_hidden_layers"]):
        p, q = f"model.layers.{i}.", f"layers.{i}."
        c[q + "attn_norm.weight"] = w[p + "input_layernorm.weight"]
        c[q + "attn.wq.weight"] = w[p + "self_attn.q_proj.weight"]
        c[q + "attn.wk.weight"] = w[p + "self_attn.k_proj.weight"]
        c[q + "attn.wv.weight"] = w[p + "self_attn.v_proj.weight"]
        c[q + "attn.wo.weight"] = w[p + "self_attn.o_proj.weight"]
        c[q + "mlp_norm.weight"] = w[p + "post_attention_layernorm.weight"]
        c[q + "mlp.w1.weight"] = w[p + "mlp.gate_proj.weight"]
        c[q + "mlp.w3.weight"] = w[p + "mlp.up_proj.weight"]
        c[q + "mlp.w2.weight"] = w[p + "mlp.down_proj.weight"]
    c["final_norm.weight"] = w["model.norm.weight"]
    c["lm_head.weight"] = w["lm_head.weight"]
    return c


# ------------------------------------------------------------------------------------ main

def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(1234)

    # ---- GPT-2
    gpt2_cfg = {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "vocab_size": 96, "n_positions": 32, "n_ctx": 32, "n_embd": 32, "n_layer": 2, "n_head": 4,
        "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
        "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "initializer_range": 0.02,
        "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": True, "torch_dtype": "float32",
    }
    w = gpt2_weights(gpt2_cfg, torch.Generator().manual_seed(42))
    d = os.path.join(ROOT, "gpt2-tiny")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), gpt2_cfg)
    write_safetensors(os.path.join(d, "model.safetensors"), list(w.items()), metadata={"format": "pt"})
    gpt2_logits = gpt2_forward(gpt2_cfg, w, IDS)
    assert np.allclose(gpt2_logits, gpt2_forward_functional(gpt2_cfg, w, IDS), atol=1e-10)
    write_json(os.path.join(d, "logits.json"), logits_json(IDS, gpt2_logits))
    write_json(os.path.join(d, "samples.json"), samples(gpt2_canonical(gpt2_cfg, w), rng))

    # ---- GPT-2, two shards, old buffers, names without the "transformer." prefix
    d = os.path.join(ROOT, "gpt2-tiny-sharded")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), gpt2_cfg)
    P = gpt2_cfg["n_positions"]
    items = []
    for name, arr in w.items():
        items.append((name[len("transformer."):], arr))
        if name.endswith("attn.c_attn.weight"):
            base = name[len("transformer."):-len("c_attn.weight")]
            items.append((base + "bias", np.tril(np.ones((P, P), np.float32)).reshape(1, 1, P, P)))
            items.append((base + "masked_bias", np.array(-1e4, dtype=np.float32).reshape(())))
    half = len(items) // 2
    shards = [items[:half], items[half:]]
    weight_map = {}
    total = 0
    for k, shard in enumerate(shards):
        fname = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(d, fname), shard, metadata={"format": "pt"})
        for name, arr in shard:
            weight_map[name] = fname
            total += arr.size * 4
    write_json(os.path.join(d, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})

    # ---- Llama with grouped-query attention
    llama_cfg = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": 96, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 32,
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "rope_scaling": None, "hidden_act": "silu",
        "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False,
        "bos_token_id": 1, "eos_token_id": 2, "initializer_range": 0.02, "torch_dtype": "float32",
    }
    w = llama_weights(llama_cfg, torch.Generator().manual_seed(7))
    d = os.path.join(ROOT, "llama-gqa-tiny")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), llama_cfg)
    write_safetensors(os.path.join(d, "model.safetensors"), list(w.items()), metadata={"format": "pt"})
    llama_logits = llama_forward(llama_cfg, w, IDS)
    assert np.allclose(llama_logits, llama_forward_meta(llama_cfg, w, IDS), atol=1e-10)
    write_json(os.path.join(d, "logits.json"), logits_json(IDS, llama_logits))
    write_json(os.path.join(d, "samples.json"), samples(llama_canonical(llama_cfg, w), rng))
    for dtype in ["F16", "BF16"]:
        d = os.path.join(ROOT, "llama-gqa-tiny-" + dtype.lower())
        os.makedirs(d, exist_ok=True)
        write_json(os.path.join(d, "config.json"), dict(llama_cfg, torch_dtype=
                                                        "float16" if dtype == "F16" else "bfloat16"))
        write_safetensors(os.path.join(d, "model.safetensors"), list(w.items()), dtype=dtype,
                          metadata={"format": "pt"})

    # cross-check the hand-written BF16/F16 encoders against torch's own conversions
    a = w["model.embed_tokens.weight"]
    assert to_bytes(a, "BF16") == torch.from_numpy(a).bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()
    assert to_bytes(a, "F16") == torch.from_numpy(a).half().view(torch.int16).numpy().astype("<i2").tobytes()
    print("fixtures written to", os.path.normpath(ROOT))


if __name__ == "__main__":
    main()
