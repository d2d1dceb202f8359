#!/usr/bin/python3
"""Golden fixtures for the encoder-only (BERT) model of llm-model.

Run from the repository root:  /usr/bin/python3 scripts/gen_bert_fixtures.py

Writes llm-model/src/test/resources/fixtures/:
  bert-mlm-tiny/    config.json + model.safetensors under BertForPreTraining-like names
                    ("bert." prefix, pooler, cls.predictions.* MLM head, decoder tied and not stored),
                    golden.json
  bert-cls-tiny/    another shape (3 layers, 2 heads, 3 token types, gelu) as
                    BertForSequenceClassification ("bert." prefix, pooler, classifier, 3 labels), golden.json
  bert-base-tiny/   bert-cls-tiny's encoder as BertModel (no prefix, pooler, no heads), golden.json

golden.json: a padded batch of sequences of different lengths (ids, type_ids, attention mask) and, computed
by the plain-torch reference below in float64 on the float32 weights, for the valid positions only:
last hidden states, pooled output, MLM logits (bert-mlm-tiny), classifier logits (bert-cls-tiny) and the
attention probabilities of layer 0 (head, query, key over the sequence's own length).

The reference follows transformers' modeling_bert.py (BertEmbeddings, BertSelfAttention with the additive
extended attention mask, BertSelfOutput/BertOutput post-norm, BertPooler tanh, BertLMPredictionHead) but
shares no code with it or with the Java library. The safetensors files are written by hand.
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
        data = np.ascontiguousarray(arr, dtype=np.float32).astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def rounded(x):
    """Nested lists of a float64 array, 7 significant digits."""
    return np.vectorize(lambda v: float("%.7g" % v))(x).tolist() if x.size else x.tolist()


def bert_weights(cfg, gen, mlm, num_labels):
    C, H, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]

    def rnd(*shape, std=0.2):
        return (torch.randn(*shape, generator=gen) * std).float()

    w = {
        "embeddings.word_embeddings.weight": rnd(V, C, std=0.5),
        "embeddings.position_embeddings.weight": rnd(cfg["max_position_embeddings"], C, std=0.3),
        "embeddings.token_type_embeddings.weight": rnd(cfg["type_vocab_size"], C, std=0.3),
        "embeddings.LayerNorm.weight": 1 + rnd(C, std=0.1),
        "embeddings.LayerNorm.bias": rnd(C, std=0.1),
    }
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for n in ("query", "key", "value"):
            w[p + "attention.self.%s.weight" % n] = rnd(C, C)
            w[p + "attention.self.%s.bias" % n] = rnd(C, std=0.1)
        w[p + "attention.output.dense.weight"] = rnd(C, C)
        w[p + "attention.output.dense.bias"] = rnd(C, std=0.1)
        w[p + "attention.output.LayerNorm.weight"] = 1 + rnd(C, std=0.1)
        w[p + "attention.output.LayerNorm.bias"] = rnd(C, std=0.1)
        w[p + "intermediate.dense.weight"] = rnd(H, C)
        w[p + "intermediate.dense.bias"] = rnd(H, std=0.1)
        w[p + "output.dense.weight"] = rnd(C, H)
        w[p + "output.dense.bias"] = rnd(C, std=0.1)
        w[p + "output.LayerNorm.weight"] = 1 + rnd(C, std=0.1)
        w[p + "output.LayerNorm.bias"] = rnd(C, std=0.1)
    w["pooler.dense.weight"] = rnd(C, C)
    w["pooler.dense.bias"] = rnd(C, std=0.1)
    heads = {}
    if mlm:
        heads["cls.predictions.transform.dense.weight"] = rnd(C, C)
        heads["cls.predictions.transform.dense.bias"] = rnd(C, std=0.1)
        heads["cls.predictions.transform.LayerNorm.weight"] = 1 + rnd(C, std=0.1)
        heads["cls.predictions.transform.LayerNorm.bias"] = rnd(C, std=0.1)
        heads["cls.predictions.bias"] = rnd(V, std=0.1)
    if num_labels:
        heads["classifier.weight"] = rnd(num_labels, C)
        heads["classifier.bias"] = rnd(num_labels, std=0.1)
    return w, heads


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def act(name, x):
    if name == "gelu":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    if name == "relu":
        return torch.relu(x)
    raise ValueError(name)


def bert_forward(cfg, w, heads, ids, type_ids, mask):
    """ids, type_ids, mask: (B, T) long -> dict of float64 outputs, following modeling_bert.py."""
    d = {k: v.double() for k, v in w.items()}
    hd_ = {k: v.double() for k, v in heads.items()}
    eps = cfg["layer_norm_eps"]
    B, T = ids.shape
    C = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    hd = C // nh
    pos = torch.arange(T)
    x = d["embeddings.word_embeddings.weight"][ids] + d["embeddings.position_embeddings.weight"][pos][None] \
        + d["embeddings.token_type_embeddings.weight"][type_ids]
    x = layer_norm(x, d["embeddings.LayerNorm.weight"], d["embeddings.LayerNorm.bias"], eps)
    # extended attention mask: 0 where attended, a large negative number where padded (keys)
    ext = (1.0 - mask.double())[:, None, None, :] * torch.finfo(torch.float64).min
    probs0 = None
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i

        def lin(name, t):
            return t @ d[p + name + ".weight"].T + d[p + name + ".bias"]

        def split(t):
            return t.view(B, T, nh, hd).transpose(1, 2)
        q, k, v = (split(lin("attention.self." + n, x)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + ext
        probs = torch.softmax(scores, dim=-1)
        if i == 0:
            probs0 = probs
        ctx = (probs @ v).transpose(1, 2).reshape(B, T, C)
        x = layer_norm(lin("attention.output.dense", ctx) + x, d[p + "attention.output.LayerNorm.weight"],
                       d[p + "attention.output.LayerNorm.bias"], eps)
        inter = act(cfg["hidden_act"], lin("intermediate.dense", x))
        x = layer_norm(lin("output.dense", inter) + x, d[p + "output.LayerNorm.weight"],
                       d[p + "output.LayerNorm.bias"], eps)
    out = {"hidden": x, "probs0": probs0}
    out["pooled"] = torch.tanh(x[:, 0] @ d["pooler.dense.weight"].T + d["pooler.dense.bias"])
    if "cls.predictions.bias" in hd_:
        t = x @ hd_["cls.predictions.transform.dense.weight"].T + hd_["cls.predictions.transform.dense.bias"]
        t = layer_norm(act(cfg["hidden_act"], t), hd_["cls.predictions.transform.LayerNorm.weight"],
                       hd_["cls.predictions.transform.LayerNorm.bias"], eps)
        out["mlm"] = t @ d["embeddings.word_embeddings.weight"].T + hd_["cls.predictions.bias"]
    if "classifier.weight" in hd_:
        out["classes"] = out["pooled"] @ hd_["classifier.weight"].T + hd_["classifier.bias"]
    return out


def make(name, cfg, seed, lengths, mlm, num_labels, prefix, extra_config=None, weights=None):
    gen = torch.Generator().manual_seed(seed)
    if weights is None:
        w, heads = bert_weights(cfg, gen, mlm, num_labels)
    else:
        w, heads = weights
    V, tv = cfg["vocab_size"], cfg["type_vocab_size"]
    B, T = len(lengths), max(lengths)
    ids = torch.zeros(B, T, dtype=torch.long)          # pad id 0
    type_ids = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.long)
    g2 = torch.Generator().manual_seed(seed + 1)
    for b, n in enumerate(lengths):
        ids[b, :n] = torch.randint(1, V, (n,), generator=g2)
        if tv > 1:
            split = n // 2
            type_ids[b, split:n] = torch.randint(0, tv, (n - split,), generator=g2)
        mask[b, :n] = 1
    out = bert_forward(cfg, w, heads, ids, type_ids, mask)
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    tensors = [(prefix + k, v.numpy()) for k, v in w.items()]
    tensors += [(k, v.numpy()) for k, v in heads.items()]
    write_safetensors(os.path.join(d, "model.safetensors"), tensors)
    conf = dict(cfg)
    conf.update({"model_type": "bert", "pad_token_id": 0})
    if extra_config:
        conf.update(extra_config)
    write_json(os.path.join(d, "config.json"), conf)
    golden = {
        "ids": ids.tolist(), "type_ids": type_ids.tolist(), "attention_mask": mask.tolist(), "lengths": lengths,
        "hidden": [rounded(out["hidden"][b, :n].numpy()) for b, n in enumerate(lengths)],
        "pooled": rounded(out["pooled"].numpy()),
        "probs0": [rounded(out["probs0"][b, :, :n, :n].numpy()) for b, n in enumerate(lengths)],
    }
    if "mlm" in out:
        golden["mlm_logits"] = [rounded(out["mlm"][b, :n].numpy()) for b, n in enumerate(lengths)]
    if "classes" in out:
        golden["class_logits"] = rounded(out["classes"].numpy())
    write_json(os.path.join(d, "golden.json"), golden)
    return w, heads


def main():
    a = {"vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
         "intermediate_size": 64, "max_position_embeddings": 24, "type_vocab_size": 2,
         "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
    make("bert-mlm-tiny", a, 13, [7, 4, 10], True, 0, "bert.",
         {"architectures": ["BertForMaskedLM"]})
    b = {"vocab_size": 40, "hidden_size": 24, "num_hidden_layers": 3, "num_attention_heads": 2,
         "intermediate_size": 48, "max_position_embeddings": 16, "type_vocab_size": 3,
         "layer_norm_eps": 1e-5, "hidden_act": "gelu"}
    labels = {"id2label": {"0": "negative", "1": "neutral", "2": "positive"},
              "label2id": {"negative": 0, "neutral": 1, "positive": 2}}
    extra = {"architectures": ["BertForSequenceClassification"]}
    extra.update(labels)
    w, heads = make("bert-cls-tiny", b, 29, [5, 12, 3, 9], False, 3, "bert.", extra)
    make("bert-base-tiny", b, 29, [5, 12, 3, 9], False, 0, "", {"architectures": ["BertModel"]},
         weights=(w, {}))


if __name__ == "__main__":
    main()
