#!/usr/bin/env python3
"""Writes llama.cpp's `t5` GGUF of the two random T5 fixtures (scripts/gen_t5_fixtures.py).

Run from the repository root:
  PYTHONPATH=../shared/tools/llama.cpp/gguf-py /usr/bin/python3 scripts/gen_t5_gguf.py

Reads llm-model/src/test/resources/fixtures/t5-{gated-untied,relu-tied}/{config.json,model.safetensors}
and writes model.gguf beside them as llama.cpp's convert_hf_to_gguf.py (class T5Model) writes a T5:
metadata t5.context_length (n_positions) / embedding_length / feed_forward_length / block_count (encoder) /
decoder_block_count / attention.head_count / attention.key_length / value_length / layer_norm_epsilon /
layer_norm_rms_epsilon / relative_buckets_count / decoder_start_token_id, the eos/pad ids, and tensor names
from gguf-py's own tensor map for MODEL_ARCH.T5 (token_embd, enc.blk.N.attn_q/k/v/o, attn_rel_b,
attn_norm, ffn_norm, ffn_gate (wi_0) / ffn_up (wi, wi_1) / ffn_down, enc.output_norm, dec.blk.N.*,
cross_attn_*, dec.output_norm, output when the head is untied). llama.cpp has no key for
relative_attention_max_distance: it always uses 128 (the relu-tied fixture's 24 is not carried).
No vocabulary is written (the fixtures have none; llama.cpp's converter would add the SentencePiece one).

The Java test T5GgufTest loads it and compares with the Hugging Face folder of the same weights.
"""
import json
import os
import sys

import numpy as np

import gguf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_beam_fixtures import read_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "llm-model", "src", "test",
                    "resources", "fixtures")


def write(name):
    d = os.path.join(ROOT, name)
    cfg = json.load(open(os.path.join(d, "config.json")))
    tensors = read_safetensors(os.path.join(d, "model.safetensors"))
    blocks = max(cfg["num_layers"], cfg.get("num_decoder_layers", cfg["num_layers"]))
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.T5, blocks)
    w = gguf.GGUFWriter(os.path.join(d, "model.gguf"), "t5")
    w.add_name(name)
    w.add_context_length(cfg.get("n_positions", 512))
    w.add_embedding_length(cfg["d_model"])
    w.add_feed_forward_length(cfg["d_ff"])
    w.add_block_count(cfg["num_layers"])
    if "num_decoder_layers" in cfg:
        # newer gguf-py's add_decoder_block_count (this one predates it): the same key
        w.add_uint32("t5.decoder_block_count", cfg["num_decoder_layers"])
    w.add_head_count(cfg["num_heads"])
    w.add_key_length(cfg["d_kv"])
    w.add_value_length(cfg["d_kv"])
    w.add_layer_norm_eps(cfg["layer_norm_epsilon"])
    w.add_relative_attn_buckets_count(cfg["relative_attention_num_buckets"])
    w.add_layer_norm_rms_eps(cfg["layer_norm_epsilon"])
    w.add_decoder_start_token_id(cfg["decoder_start_token_id"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_eos_token_id(cfg["eos_token_id"])
    w.add_pad_token_id(cfg["pad_token_id"])

    shared_found = False
    for hf, arr in tensors.items():
        if hf in ("decoder.embed_tokens.weight", "encoder.embed_tokens.weight", "shared.weight"):
            if shared_found:
                continue  # convert_hf_to_gguf keeps the first of the tied copies
            hf, shared_found = "shared.weight", True
        mapped = names.get_name(hf, try_suffixes=(".weight", ".bias"))
        assert mapped is not None, hf
        w.add_tensor(mapped, arr.astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    for name in ("t5-gated-untied", "t5-relu-tied"):
        write(name)


if __name__ == "__main__":
    main()
