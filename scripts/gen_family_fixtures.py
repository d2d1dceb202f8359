#!/usr/bin/env python3
"""Golden fixtures of the model families (issue #17): one tiny random checkpoint per family, as a
Hugging Face folder and as the GGUF llama.cpp's convert_hf_to_gguf.py writes for it, with reference
logits from a plain-torch forward (float64) written after each family's modeling_*.py in
huggingface/transformers:

  qwen2      Qwen2ForCausalLM: q/k/v biases (no o bias), tied embeddings, GQA      GGUF arch qwen2
  mistral    MistralForCausalLM: sliding_window 4 (< the 10 ids), GQA              GGUF arch llama
  llama3     LlamaForCausalLM + rope_scaling llama3, rope_theta 500000, tied        GGUF arch llama + rope_freqs
  llama-yarn LlamaForCausalLM + rope_scaling yarn (factor 4)                        (HF only)
  gemma      GemmaForCausalLM: GeGLU (tanh), RMSNorm (1 + w), embeddings * sqrt(C), head_dim 16 != C/heads, MQA
  gemma2     Gemma2ForCausalLM: + sandwich norms, attention and final soft-capping, sliding window 4
             on even layers, query_pre_attn_scalar 24
  phi3       Phi3ForCausalLM: fused qkv_proj and gate_up_proj, sliding_window 6    GGUF arch phi3

Every folder under llm-model/src/test/resources/fixtures/families/<family>/ holds config.json,
model.safetensors (F32), logits.json ({"ids", "logits"}) and, where llama.cpp has the architecture,
model.gguf (F32; llama arch with q/k rows permuted as the converter does; gemma norms stored as 1 + w)
and, when llama.cpp computes a different function than transformers (Mistral: its llama arch has no
sliding window; Gemma 2: attention scale 1/sqrt(head_dim) instead of query_pre_attn_scalar), the
reference logits of that function in logits-gguf.json.

  PYTHONPATH=../shared/tools/llama.cpp/gguf-py /usr/bin/python3 scripts/gen_family_fixtures.py

Seeded: rerunning gives the same bytes.
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_model_fixtures import logits_json, write_json, write_safetensors  # noqa: E402

import gguf  # noqa: E402  (llama.cpp's gguf-py)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "llm-model", "src", "test",
                    "resources", "fixtures", "families")
IDS = [1, 5, 17, 42, 3, 95, 0, 64, 33, 8]
V, C, L, FFN = 96, 32, 2, 48


def base_cfg(model_type, arch, **kw):
    cfg = {"architectures": [arch], "model_type": model_type, "vocab_size": V, "hidden_size": C,
           "intermediate_size": FFN, "num_hidden_layers": L, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-6,
           "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False,
           "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
    cfg.update(kw)
    return cfg


def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


# ------------------------------------------------------------------------------------ weights

def weights(cfg, seed, fused=False, qkv_bias=False, sandwich=False, norm_around=1.0):
    """HF-named float32 weights; norms near norm_around (Gemma stores w with 1 + w applied)."""
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, std=0.2):
        return (torch.randn(*shape, generator=g) * std).float().numpy()

    hd, nh, nkv = head_dim(cfg), cfg["num_attention_heads"], cfg["num_key_value_heads"]
    c, h = cfg["hidden_size"], cfg["intermediate_size"]
    w = {"model.embed_tokens.weight": rnd(cfg["vocab_size"], c, std=0.5)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = norm_around + rnd(c, std=0.1)
        q, k, v = rnd(nh * hd, c), rnd(nkv * hd, c), rnd(nkv * hd, c)
        if fused:
            w[p + "self_attn.qkv_proj.weight"] = np.concatenate([q, k, v])
        else:
            w[p + "self_attn.q_proj.weight"] = q
            w[p + "self_attn.k_proj.weight"] = k
            w[p + "self_attn.v_proj.weight"] = v
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"] = rnd(nh * hd)
            w[p + "self_attn.k_proj.bias"] = rnd(nkv * hd)
            w[p + "self_attn.v_proj.bias"] = rnd(nkv * hd)
        w[p + "self_attn.o_proj.weight"] = rnd(c, nh * hd)
        w[p + "post_attention_layernorm.weight"] = norm_around + rnd(c, std=0.1)
        if sandwich:
            w[p + "pre_feedforward_layernorm.weight"] = norm_around + rnd(c, std=0.1)
            w[p + "post_feedforward_layernorm.weight"] = norm_around + rnd(c, std=0.1)
        gate, up = rnd(h, c), rnd(h, c)
        if fused:
            w[p + "mlp.gate_up_proj.weight"] = np.concatenate([gate, up])
        else:
            w[p + "mlp.gate_proj.weight"] = gate
            w[p + "mlp.up_proj.weight"] = up
        w[p + "mlp.down_proj.weight"] = rnd(c, h)
    w["model.norm.weight"] = norm_around + rnd(c, std=0.1)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = rnd(cfg["vocab_size"], c)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in w.items()}


# ------------------------------------------------------------------------------------ reference

def rms_norm(x, w, eps, gemma=False):
    y = x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps)
    return y * (1.0 + w) if gemma else y * w


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def inv_freq(cfg):
    """transformers modeling_rope_utils: default, linear, dynamic (plain below max positions),
    llama3, yarn."""
    hd, base = head_dim(cfg), cfg["rope_theta"]
    inv = 1.0 / (base ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv, 1.0
    t = rs.get("rope_type", rs.get("type"))
    if t == "linear":
        return inv / rs["factor"], 1.0
    if t == "dynamic":
        return inv, 1.0
    if t == "llama3":
        factor, lo, hi, old = (rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"],
                               rs["original_max_position_embeddings"])
        lo_w, hi_w = old / lo, old / hi
        wavelen = 2 * math.pi / inv
        out = torch.where(wavelen > lo_w, inv / factor, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * out / factor + smooth * out
        medium = ~(wavelen < hi_w) & ~(wavelen > lo_w)
        return torch.where(medium, smoothed, out), 1.0
    if t == "yarn":
        factor = rs["factor"]
        old = rs.get("original_max_position_embeddings") or cfg["max_position_embeddings"]
        beta_fast, beta_slow = rs.get("beta_fast") or 32, rs.get("beta_slow") or 1
        att = rs.get("attention_factor") or (0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0)

        def corr(rot):
            return (hd * math.log(old / (rot * 2 * math.pi))) / (2 * math.log(base))

        low, high = max(math.floor(corr(beta_fast)), 0), min(math.ceil(corr(beta_slow)), hd - 1)
        if low == high:
            high += 0.001
        ramp = ((torch.arange(hd // 2, dtype=torch.float64) - low) / (high - low)).clamp(0, 1)
        extra = 1 - ramp
        return (inv / factor) * (1 - extra) + inv * extra, att
    raise ValueError(t)


def rope(x, n_heads, cfg):
    """x: (T, n_heads*hd), Hugging Face rotate-half pairs (x[i], x[i + hd/2])."""
    T, hd = x.shape[0], head_dim(cfg)
    inv, att = inv_freq(cfg)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([ang.cos(), ang.cos()], -1) * att
    sin = torch.cat([ang.sin(), ang.sin()], -1) * att
    out = torch.empty_like(x)
    for h in range(n_heads):
        xh = x[:, h * hd:(h + 1) * hd]
        rot = torch.cat([-xh[:, hd // 2:], xh[:, :hd // 2]], -1)
        out[:, h * hd:(h + 1) * hd] = xh * cos + rot * sin
    return out


def attention(q, k, v, nh, nkv, hd, scale, window=None, softcap=None):
    """Causal; a query at i sees keys j with j <= i and i - j < window (transformers' sliding mask)."""
    T = q.shape[0]
    out = torch.zeros(T, nh * hd, dtype=torch.float64)
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    allowed = j <= i
    if window:
        allowed = allowed & (i - j < window)
    for h in range(nh):
        g = h // (nh // nkv)
        s = q[:, h * hd:(h + 1) * hd] @ k[:, g * hd:(g + 1) * hd].T * scale
        if softcap:
            s = torch.tanh(s / softcap) * softcap
        s = s.masked_fill(~allowed, float("-inf"))
        out[:, h * hd:(h + 1) * hd] = torch.softmax(s, -1) @ v[:, g * hd:(g + 1) * hd]
    return out


def forward(cfg, w, ids, family, gguf_semantics=False):
    t = {k: torch.from_numpy(v).double() for k, v in w.items()}
    nh, nkv, hd, eps = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg), cfg["rms_norm_eps"]
    gemma = family.startswith("gemma")
    x = t["model.embed_tokens.weight"][ids]
    if gemma:
        x = x * torch.tensor(cfg["hidden_size"] ** 0.5, dtype=torch.float32).double()
    scale = hd ** -0.5
    if family == "gemma2" and not gguf_semantics:
        scale = cfg["query_pre_attn_scalar"] ** -0.5
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        window = cfg.get("sliding_window")
        if family == "gemma2" and i % 2 == 1:
            window = None   # layer_types: sliding on even layers, full on odd
        if family == "mistral" and gguf_semantics:
            window = None   # llama.cpp's llama arch has no sliding window
        h = rms_norm(x, t[p + "input_layernorm.weight"], eps, gemma)
        if family == "phi3":
            qkv = h @ t[p + "self_attn.qkv_proj.weight"].T
            q, k, v = qkv[:, :nh * hd], qkv[:, nh * hd:(nh + nkv) * hd], qkv[:, (nh + nkv) * hd:]
        else:
            q = h @ t[p + "self_attn.q_proj.weight"].T
            k = h @ t[p + "self_attn.k_proj.weight"].T
            v = h @ t[p + "self_attn.v_proj.weight"].T
        if p + "self_attn.q_proj.bias" in t:
            q, k, v = q + t[p + "self_attn.q_proj.bias"], k + t[p + "self_attn.k_proj.bias"], v + t[p + "self_attn.v_proj.bias"]
        q, k = rope(q, nh, cfg), rope(k, nkv, cfg)
        a = attention(q, k, v, nh, nkv, hd, scale, window, cfg.get("attn_logit_softcapping"))
        a = a @ t[p + "self_attn.o_proj.weight"].T
        if family == "gemma2":
            a = rms_norm(a, t[p + "post_attention_layernorm.weight"], eps, True)
            x = x + a
            h = rms_norm(x, t[p + "pre_feedforward_layernorm.weight"], eps, True)
        else:
            x = x + a
            h = rms_norm(x, t[p + "post_attention_layernorm.weight"], eps, gemma)
        if family == "phi3":
            gu = h @ t[p + "mlp.gate_up_proj.weight"].T
            g, u = gu[:, :cfg["intermediate_size"]], gu[:, cfg["intermediate_size"]:]
        else:
            g, u = h @ t[p + "mlp.gate_proj.weight"].T, h @ t[p + "mlp.up_proj.weight"].T
        act = gelu_tanh(g) if gemma else g * torch.sigmoid(g)
        f = (act * u) @ t[p + "mlp.down_proj.weight"].T
        if family == "gemma2":
            f = rms_norm(f, t[p + "post_feedforward_layernorm.weight"], eps, True)
        x = x + f
    x = rms_norm(x, t["model.norm.weight"], eps, gemma)
    head = t["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else t["lm_head.weight"]
    logits = x @ head.T
    cap = cfg.get("final_logit_softcapping")
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return logits.numpy()


# ------------------------------------------------------------------------------------ GGUF

def permute(m, n_head):
    """convert_hf_to_gguf.py LlamaModel.permute: rotate-half rows back to Meta's adjacent pairs."""
    return m.reshape(n_head, 2, m.shape[0] // n_head // 2, *m.shape[1:]).swapaxes(1, 2).reshape(m.shape)


def write_gguf(path, arch, cfg, w, family):
    nh, nkv, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    g = gguf.GGUFWriter(path, arch)
    g.add_name(family + "-random")
    g.add_block_count(cfg["num_hidden_layers"])
    g.add_context_length(cfg["max_position_embeddings"])
    g.add_embedding_length(cfg["hidden_size"])
    g.add_feed_forward_length(cfg["intermediate_size"])
    g.add_head_count(nh)
    g.add_head_count_kv(nkv)
    g.add_rope_freq_base(cfg["rope_theta"])
    g.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    g.add_file_type(gguf.LlamaFileType.ALL_F32)
    g.add_rope_dimension_count(hd)
    if family.startswith("gemma"):
        g.add_key_length(hd)
        g.add_value_length(hd)
    if family == "gemma2":
        g.add_attn_logit_softcapping(cfg["attn_logit_softcapping"])
        g.add_final_logit_softcapping(cfg["final_logit_softcapping"])
        g.add_sliding_window(cfg["sliding_window"])
    if family == "phi3":
        g.add_sliding_window(cfg["sliding_window"])
        g.add_rope_scaling_orig_ctx_len(cfg["original_max_position_embeddings"])
    g.add_bos_token_id(cfg["bos_token_id"])
    g.add_eos_token_id(cfg["eos_token_id"])
    gemma = family.startswith("gemma")
    llama = arch == "llama"

    def add(name, a):
        g.add_tensor(name, np.ascontiguousarray(a, dtype=np.float32))

    def norm(a):
        return a + 1 if gemma else a   # Gemma's converter stores 1 + w

    add("token_embd.weight", w["model.embed_tokens.weight"])
    if family == "llama3":
        rs = cfg["rope_scaling"]
        base = cfg["rope_theta"]
        freqs = 1.0 / (base ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        factor, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        lo_w, hi_w = old / lo, old / hi
        f = []
        for fr in freqs.tolist():
            wl = 2 * math.pi / fr
            if wl < hi_w:
                f.append(1)
            elif wl > lo_w:
                f.append(factor)
            else:
                smooth = (old / wl - lo) / (hi - lo)
                f.append(1 / ((1 - smooth) / factor + smooth))
        add("rope_freqs.weight", np.array(f, dtype=np.float32))
    for i in range(cfg["num_hidden_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        add(b + "attn_norm.weight", norm(w[p + "input_layernorm.weight"]))
        if family == "phi3":
            add(b + "attn_qkv.weight", w[p + "self_attn.qkv_proj.weight"])
        else:
            q, k = w[p + "self_attn.q_proj.weight"], w[p + "self_attn.k_proj.weight"]
            add(b + "attn_q.weight", permute(q, nh) if llama else q)
            add(b + "attn_k.weight", permute(k, nkv) if llama else k)
            add(b + "attn_v.weight", w[p + "self_attn.v_proj.weight"])
            if p + "self_attn.q_proj.bias" in w:
                add(b + "attn_q.bias", w[p + "self_attn.q_proj.bias"])
                add(b + "attn_k.bias", w[p + "self_attn.k_proj.bias"])
                add(b + "attn_v.bias", w[p + "self_attn.v_proj.bias"])
        add(b + "attn_output.weight", w[p + "self_attn.o_proj.weight"])
        if family == "gemma2":
            add(b + "post_attention_norm.weight", norm(w[p + "post_attention_layernorm.weight"]))
            add(b + "ffn_norm.weight", norm(w[p + "pre_feedforward_layernorm.weight"]))
            add(b + "post_ffw_norm.weight", norm(w[p + "post_feedforward_layernorm.weight"]))
        else:
            add(b + "ffn_norm.weight", norm(w[p + "post_attention_layernorm.weight"]))
        if family == "phi3":
            add(b + "ffn_up.weight", w[p + "mlp.gate_up_proj.weight"])
        else:
            add(b + "ffn_gate.weight", w[p + "mlp.gate_proj.weight"])
            add(b + "ffn_up.weight", w[p + "mlp.up_proj.weight"])
        add(b + "ffn_down.weight", w[p + "mlp.down_proj.weight"])
    add("output_norm.weight", norm(w["model.norm.weight"]))
    if not cfg["tie_word_embeddings"]:
        add("output.weight", w["lm_head.weight"])
    g.write_header_to_file()
    g.write_kv_data_to_file()
    g.write_tensors_to_file()
    g.close()


# ------------------------------------------------------------------------------------ families

FAMILIES = {
    "qwen2": (base_cfg("qwen2", "Qwen2ForCausalLM", rope_theta=1000000.0, tie_word_embeddings=True,
                       use_sliding_window=False, sliding_window=32, max_window_layers=2),
              dict(qkv_bias=True), "qwen2"),
    "mistral": (base_cfg("mistral", "MistralForCausalLM", sliding_window=4, rms_norm_eps=1e-5),
                {}, "llama"),
    "llama3": (base_cfg("llama", "LlamaForCausalLM", rope_theta=500000.0, tie_word_embeddings=True,
                        rms_norm_eps=1e-5, attention_bias=False, mlp_bias=False,
                        rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                      "original_max_position_embeddings": 16, "rope_type": "llama3"}),
               {}, "llama"),
    "llama-yarn": (base_cfg("llama", "LlamaForCausalLM",
                            rope_scaling={"type": "yarn", "factor": 4.0,
                                          "original_max_position_embeddings": 16}),
                   {}, None),
    "gemma": (base_cfg("gemma", "GemmaForCausalLM", head_dim=16, num_key_value_heads=1,
                       hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh",
                       tie_word_embeddings=True, bos_token_id=2, eos_token_id=1),
              dict(norm_around=0.0), "gemma"),
    "gemma2": (base_cfg("gemma2", "Gemma2ForCausalLM", head_dim=16, hidden_act="gelu_pytorch_tanh",
                        hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True,
                        query_pre_attn_scalar=24, sliding_window=4, attn_logit_softcapping=1.5,
                        final_logit_softcapping=2.5, bos_token_id=2, eos_token_id=1),
               dict(norm_around=0.0, sandwich=True), "gemma2"),
    "phi3": (base_cfg("phi3", "Phi3ForCausalLM", sliding_window=6, rms_norm_eps=1e-5,
                      original_max_position_embeddings=64, rope_scaling=None, bos_token_id=1,
                      eos_token_id=32),
             dict(fused=True), "phi3"),
}


def main():
    for seed, (family, (cfg, wkw, arch)) in enumerate(FAMILIES.items()):
        w = weights(cfg, 100 + seed, **wkw)
        d = os.path.join(ROOT, family)
        os.makedirs(d, exist_ok=True)
        write_json(os.path.join(d, "config.json"), cfg)
        write_safetensors(os.path.join(d, "model.safetensors"), list(w.items()), metadata={"format": "pt"})
        write_json(os.path.join(d, "logits.json"), logits_json(IDS, forward(cfg, w, IDS, family)))
        if arch is not None:
            write_gguf(os.path.join(d, "model.gguf"), arch, cfg, w, family)
            if family in ("mistral", "gemma2"):
                write_json(os.path.join(d, "logits-gguf.json"),
                           logits_json(IDS, forward(cfg, w, IDS, family, gguf_semantics=True)))
    print("fixtures written to", os.path.normpath(ROOT))


if __name__ == "__main__":
    main()
