#!/usr/bin/env python3
"""Fixture of llm-model's GgufQuantizerTest: what llama-quantize writes for a tiny GPT-2 GGUF.

The F32 input is a 2-layer GPT-2 (n_embd 256, n_ff 1024, context 32, 64 token rows, no tokenizer
metadata: llama-quantize does not read the vocabulary) whose weights are an exact integer hash of
(tensor index, element index), so the Java test writes the very same bytes with GgufWriter. The
script writes that file with gguf-py, runs llama-quantize on it for each type and records the
SHA-256 and size of the input and of every output in
llm-model/src/test/resources/gguf-quantize/expected.properties.

  PYTHONPATH=../shared/tools/llama.cpp/gguf-py python3 scripts/gen_gguf_quantize_fixtures.py
"""
import hashlib
import os
import subprocess
import tempfile

import numpy as np

import gguf

OUT = "llm-model/src/test/resources/gguf-quantize/expected.properties"
QUANTIZE = "../shared/tools/llama.cpp/bin/llama-quantize"
# llm quantize --type -> llama-quantize arguments
TYPES = {"q8_0": ["Q8_0"], "q4_0": ["Q4_0"], "q4_k": ["--pure", "Q4_K_S"], "q6_k": ["Q6_K"], "q4_k_m": ["Q4_K_M"]}
C, FF, CTX, VOCAB, LAYERS = 256, 1024, 32, 64, 2


def values(t, shape):
    """((i·2654435761 + t·40503) mod 2³² >> 8) − 2²³, times 2⁻²⁸: exact in float32, |v| < 0.032."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64(t * 40503)) % np.uint64(1 << 32)
    v = ((h >> np.uint64(8)).astype(np.int64) - (1 << 23)).astype(np.float32) * np.float32(2.0 ** -28)
    return v.reshape(shape)


def tensors():
    """(name, numpy shape (out, in)) in file order, as GgufQuantizerTest lists them."""
    out = [("token_embd.weight", (VOCAB, C)), ("position_embd.weight", (CTX, C))]
    for l in range(LAYERS):
        p = f"blk.{l}."
        out += [(p + "attn_norm.weight", (C,)), (p + "attn_norm.bias", (C,)),
                (p + "attn_qkv.weight", (3 * C, C)), (p + "attn_qkv.bias", (3 * C,)),
                (p + "attn_output.weight", (C, C)), (p + "attn_output.bias", (C,)),
                (p + "ffn_norm.weight", (C,)), (p + "ffn_norm.bias", (C,)),
                (p + "ffn_up.weight", (FF, C)), (p + "ffn_up.bias", (FF,)),
                (p + "ffn_down.weight", (C, FF)), (p + "ffn_down.bias", (C,))]
    out += [("output_norm.weight", (C,)), ("output_norm.bias", (C,)), ("output.weight", (VOCAB, C))]
    return out


def write_input(path):
    w = gguf.GGUFWriter(path, "gpt2")
    w.add_block_count(LAYERS)
    w.add_context_length(CTX)
    w.add_embedding_length(C)
    w.add_feed_forward_length(FF)
    w.add_head_count(4)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    for t, (name, shape) in enumerate(tensors()):
        w.add_tensor(name, values(t, shape))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def digest(path):
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha256(data).hexdigest(), len(data)


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    lines = ["# scripts/gen_gguf_quantize_fixtures.py: SHA-256 and size of llama-quantize's output (llama.cpp c392e50)"]
    with tempfile.TemporaryDirectory() as d:
        f32 = os.path.join(d, "f32.gguf")
        write_input(f32)
        h, n = digest(f32)
        lines += [f"input.sha256={h}", f"input.size={n}"]
        for name, args in TYPES.items():
            q = os.path.join(d, name + ".gguf")
            subprocess.run([QUANTIZE] + args[:-1] + [f32, q, args[-1], "1"], check=True, capture_output=True)
            h, n = digest(q)
            lines += [f"{name}.sha256={h}", f"{name}.size={n}"]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
