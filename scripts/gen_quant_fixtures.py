#!/usr/bin/env python3
"""Fixtures of llm-tensor's QuantTypesTest: GGUF block layouts and rounding, from llama.cpp itself.

Run from the repository root:

  PYTHONPATH=../shared/tools/llama.cpp/gguf-py python3 scripts/gen_quant_fixtures.py

Writes llm-tensor/src/test/resources/quant/:
- dq-<type>.bin / dq-<type>.f32: 4 blocks of random bytes (their f16 scales finite) and their
  dequantization by llama.cpp's gguf-py (`gguf.quants.dequantize`, the numpy port of
  ggml-quants.c's dequantize_row_*), little-endian float32.
- rows.f32: 8 rows of 1024 floats (edge cases first: zeros, a constant, exact rounding ties, tiny and
  large magnitudes, one outlier, a negative maximum; then random), and q-<type>.bin: those rows as
  llama-quantize (C reference quantizers quantize_row_*_ref, no importance matrix) wrote them into a
  1-layer GPT-2 GGUF with --pure (every matrix the one type), read back from that file.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

import gguf
from gguf import GGMLQuantizationType as T

sys.path.insert(0, os.path.dirname(__file__))
import gen_gpt2_gguf  # noqa: E402

OUT = "llm-tensor/src/test/resources/quant"
QUANTIZE = "../shared/tools/llama.cpp/bin/llama-quantize"
TYPES = {"q8_0": T.Q8_0, "q4_0": T.Q4_0, "q4_k": T.Q4_K, "q5_k": T.Q5_K, "q6_k": T.Q6_K}
FTYPE = {"q8_0": "Q8_0", "q4_0": "Q4_0", "q4_k": "Q4_K_M", "q5_k": "Q5_K_M", "q6_k": "Q6_K"}
COLS = 1024  # columns of blk.0.ffn_down at n_embd 256: four 256-weight super-blocks


def f16_offsets(name):
    """Byte offsets of the f16 scale fields in one block of the type."""
    return {"q8_0": [0], "q4_0": [0], "q4_k": [0, 2], "q5_k": [0, 2], "q6_k": [208]}[name]


def dequant_fixtures(rng):
    for name, t in TYPES.items():
        block, type_size = gguf.GGML_QUANT_SIZES[t]
        raw = rng.integers(0, 256, size=(4, type_size), dtype=np.uint8)
        for off in f16_offsets(name):
            scale = (rng.standard_normal(4) * 0.01).astype(np.float16)
            raw[:, off:off + 2] = scale.view(np.uint8).reshape(4, 2)
        x = gguf.quants.dequantize(raw.reshape(-1), t).astype("<f4")
        assert x.size == 4 * block and np.all(np.isfinite(x))
        raw.tofile(f"{OUT}/dq-{name}.bin")
        x.tofile(f"{OUT}/dq-{name}.f32")


def edge_rows(rng):
    rows = np.zeros((8, COLS), np.float32)
    rows[1] = 0.375  # a constant
    # ties: multiples of amax/254 put x*id exactly halfway between integers for Q8_0
    rows[2] = (np.arange(COLS) % 255 - 127).astype(np.float32) * np.float32(0.5 / 127)
    rows[2][::7] *= -1
    rows[3] = rng.standard_normal(COLS).astype(np.float32) * 1e-6  # f16 scales go subnormal
    rows[4] = rng.standard_normal(COLS).astype(np.float32) * 300.0
    rows[5] = rng.standard_normal(COLS).astype(np.float32) * 0.02
    rows[5][::97] = 1.5  # outliers, one per 97 weights
    rows[6] = -np.abs(rng.standard_normal(COLS).astype(np.float32))  # negative maxima (Q4_0's sign)
    rows[6][::3] *= -0.5
    rows[7] = rng.uniform(-1, 3, COLS).astype(np.float32)  # skewed: K-quants' mins matter
    return rows


def quant_fixtures(rng):
    rows = edge_rows(rng)
    rows.astype("<f4").tofile(f"{OUT}/rows.f32")

    def edit(name, t):
        if name == "blk.0.ffn_down.weight":
            t = t.copy()
            t[:8] = rows
        return t

    with tempfile.TemporaryDirectory() as d:
        f32 = os.path.join(d, "f32.gguf")
        gen_gpt2_gguf.write(f32, layers=1, embd=256, ctx=64, seed=1, edit=edit)
        for name, t in TYPES.items():
            q = os.path.join(d, name + ".gguf")
            subprocess.run([QUANTIZE, "--pure", f32, q, FTYPE[name], "1"], check=True, capture_output=True)
            tensor = next(x for x in gguf.GGUFReader(q).tensors if x.name == "blk.0.ffn_down.weight")
            assert tensor.tensor_type == t, (name, tensor.tensor_type)
            _, type_size = gguf.GGML_QUANT_SIZES[t]
            block = gguf.GGML_QUANT_SIZES[t][0]
            data = np.asarray(tensor.data).view(np.uint8).reshape(-1)
            n = 8 * COLS // block * type_size
            data[:n].tofile(f"{OUT}/q-{name}.bin")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(16)
    dequant_fixtures(rng)
    quant_fixtures(rng)


if __name__ == "__main__":
    main()
