#!/usr/bin/env python3
"""Writes a GPT-2-shaped F32 GGUF with random weights that llama.cpp loads (llama-bench, llama-quantize).

The vocabulary and merges come from llama.cpp's own test vocabulary ggml-vocab-gpt-2.gguf, the
weights from a seeded normal distribution (std 0.02, as GPT-2 initialises them). Used to measure
llama.cpp on the shapes of issue #16's benchmarks and as the F32 input of the quantization fixtures
(scripts/gen_quant_fixtures.py).

  PYTHONPATH=../shared/tools/llama.cpp/gguf-py python3 scripts/gen_gpt2_gguf.py OUT.gguf \
      [--layers 12] [--embd 768] [--ctx 1024] [--seed 0]

(gguf-py imports sentencepiece for its vocab helpers only; any module of that name satisfies it.)
"""
import argparse

import numpy as np

import gguf

VOCAB = "../shared/data/llamacpp-vocab/ggml-vocab-gpt-2.gguf"


def strings(field):
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def write(out, layers=12, embd=768, ctx=1024, seed=0, vocab=VOCAB, edit=None):
    """Writes the GGUF; edit(name, array) may change a tensor's values before they are written."""
    a = argparse.Namespace(out=out, layers=layers, embd=embd, ctx=ctx, seed=seed, vocab=vocab)
    voc = gguf.GGUFReader(a.vocab)
    tokens = strings(voc.fields["tokenizer.ggml.tokens"])
    merges = strings(voc.fields["tokenizer.ggml.merges"])
    types = [int(voc.fields["tokenizer.ggml.token_type"].parts[i][0]) for i in voc.fields["tokenizer.ggml.token_type"].data]
    n_vocab = len(tokens)
    C = a.embd
    rng = np.random.default_rng(a.seed)

    def randn(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)

    w = gguf.GGUFWriter(a.out, "gpt2")
    add = w.add_tensor
    w.add_tensor = lambda name, t: add(name, edit(name, t) if edit else t)
    w.add_name("gpt2-random")
    w.add_block_count(a.layers)
    w.add_context_length(a.ctx)
    w.add_embedding_length(C)
    w.add_feed_forward_length(4 * C)
    w.add_head_count(max(1, C // 64))
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(50256)
    w.add_eos_token_id(50256)

    # numpy shapes are (out, in); GGUF lists them reversed (ne0 = in)
    emb = randn(n_vocab, C)
    w.add_tensor("token_embd.weight", emb)
    w.add_tensor("position_embd.weight", randn(a.ctx, C))
    for l in range(a.layers):
        p = f"blk.{l}."
        w.add_tensor(p + "attn_norm.weight", np.ones(C, np.float32))
        w.add_tensor(p + "attn_norm.bias", np.zeros(C, np.float32))
        w.add_tensor(p + "attn_qkv.weight", randn(3 * C, C))
        w.add_tensor(p + "attn_qkv.bias", np.zeros(3 * C, np.float32))
        w.add_tensor(p + "attn_output.weight", randn(C, C))
        w.add_tensor(p + "attn_output.bias", np.zeros(C, np.float32))
        w.add_tensor(p + "ffn_norm.weight", np.ones(C, np.float32))
        w.add_tensor(p + "ffn_norm.bias", np.zeros(C, np.float32))
        w.add_tensor(p + "ffn_up.weight", randn(4 * C, C))
        w.add_tensor(p + "ffn_up.bias", np.zeros(4 * C, np.float32))
        w.add_tensor(p + "ffn_down.weight", randn(C, 4 * C))
        w.add_tensor(p + "ffn_down.bias", np.zeros(C, np.float32))
    w.add_tensor("output_norm.weight", np.ones(C, np.float32))
    w.add_tensor("output_norm.bias", np.zeros(C, np.float32))
    w.add_tensor("output.weight", emb)  # GPT-2 ties them; convert_hf_to_gguf writes both
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--embd", type=int, default=768)
    ap.add_argument("--ctx", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab", default=VOCAB)
    a = ap.parse_args()
    write(a.out, a.layers, a.embd, a.ctx, a.seed, a.vocab)


if __name__ == "__main__":
    main()
