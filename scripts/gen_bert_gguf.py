#!/usr/bin/env python3
"""Writes llama.cpp's `bert` GGUF of the bert-base-tiny fixture (scripts/gen_bert_fixtures.py).

Run from the repository root:
  PYTHONPATH=../shared/tools/llama.cpp/gguf-py /usr/bin/python3 scripts/gen_bert_gguf.py

Reads llm-model/src/test/resources/fixtures/bert-base-tiny/{config.json,model.safetensors} and writes
bert-base-tiny/model.gguf as llama.cpp's convert_hf_to_gguf.py (class BertModel) writes a BERT:
tensor names from gguf-py's own tensor map for MODEL_ARCH.BERT (token_embd, position_embd, token_types,
token_embd_norm, blk.N.attn_q/k/v, attn_output, attn_output_norm, ffn_up, ffn_down, layer_output_norm),
the pooler dropped, metadata bert.context_length / embedding_length / feed_forward_length / block_count /
attention.head_count / attention.layer_norm_epsilon / attention.causal = false / pooling_type = MEAN, and a
WordPiece vocabulary in llama.cpp's "phantom space" form (word-initial pieces prefixed with U+2581,
"##" continuations stripped, special tokens CONTROL) with its cls/sep/pad/mask/unknown ids.

The Java test loads it and compares with the Hugging Face folder of the same weights (and golden.json).
"""
import json
import os
import sys

import numpy as np

import gguf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_beam_fixtures import read_safetensors  # noqa: E402

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "llm-model", "src", "test",
                   "resources", "fixtures", "bert-base-tiny")


def vocabulary(n):
    """A WordPiece vocabulary of n pieces: the specials, then words w0.., then continuations ##c0.."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    rest = n - len(specials)
    words = ["w%d" % i for i in range((rest + 1) // 2)]
    conts = ["##c%d" % i for i in range(rest - len(words))]
    return specials + words + conts


def main():
    cfg = json.load(open(os.path.join(DIR, "config.json")))
    tensors = read_safetensors(os.path.join(DIR, "model.safetensors"))
    layers = cfg["num_hidden_layers"]
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, layers)
    w = gguf.GGUFWriter(os.path.join(DIR, "model.gguf"), "bert")
    w.add_name("bert-base-tiny")
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_block_count(layers)
    w.add_head_count(cfg["num_attention_heads"])
    w.add_layer_norm_eps(cfg["layer_norm_eps"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_causal_attention(False)
    w.add_pooling_type(gguf.PoolingType.MEAN)

    tokens = vocabulary(cfg["vocab_size"])
    control = {"[PAD]", "[CLS]", "[SEP]", "[MASK]"}
    types = []
    phantom = []
    for t in tokens:
        if t in control:
            types.append(gguf.TokenType.CONTROL)
            phantom.append(t)
        elif t == "[UNK]":
            types.append(gguf.TokenType.UNKNOWN)
            phantom.append(t)
        elif t.startswith("##"):
            types.append(gguf.TokenType.NORMAL)
            phantom.append(t[2:])
        else:
            types.append(gguf.TokenType.NORMAL)
            phantom.append("\u2581" + t)
    w.add_token_type_count(cfg["type_vocab_size"])
    w.add_tokenizer_model("bert")
    w.add_tokenizer_pre("default")
    w.add_token_list(phantom)
    w.add_token_types(types)
    w.add_unk_token_id(tokens.index("[UNK]"))
    w.add_sep_token_id(tokens.index("[SEP]"))
    w.add_pad_token_id(tokens.index("[PAD]"))
    # [CLS]: newer llama.cpp writes tokenizer.ggml.cls_token_id; this gguf-py has no helper for it, and
    # older converters wrote BERT's [CLS] as the BOS token: both are written
    w.add_uint32("tokenizer.ggml.cls_token_id", tokens.index("[CLS]"))
    w.add_bos_token_id(tokens.index("[CLS]"))
    w.add_mask_token_id(tokens.index("[MASK]"))

    for hf, arr in tensors.items():
        name = hf[5:] if hf.startswith("bert.") else hf
        if name.startswith("pooler.") or name == "embeddings.position_ids":
            continue  # convert_hf_to_gguf drops the pooler
        mapped = names.get_name(name, try_suffixes=(".weight", ".bias"))
        assert mapped is not None, hf
        w.add_tensor(mapped, arr.astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
