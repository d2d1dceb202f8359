#!/usr/bin/env python3
"""Vocabulary-only GGUF files of llama.cpp's `t5` tokenizer model, written from the SentencePiece
Unigram fixtures (llm-tokenizer/src/test/resources/sentencepiece/unigram-*.model) the way
llama.cpp's convert_hf_to_gguf.py T5Model.set_vocab writes a T5 spiece.model: tokens, scores and
token types, add_space_prefix, remove_extra_whitespaces and the normalizer's precompiled charsmap
(uint8 array). One difference: user-defined pieces keep their USER_DEFINED type (the converter
marks them NORMAL; llama.cpp's UGM tokenizer matches USER_DEFINED tokens whole, as SentencePiece
does). The .model protobuf is read by the minimal parser below (no protobuf package needed).

  PYTHONPATH=../shared/tools/llama.cpp/gguf-py /usr/bin/python3 scripts/gen_t5_vocab_gguf.py
"""
import struct
import sys
from pathlib import Path

import gguf

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "llm-tokenizer/src/test/resources/sentencepiece"
OUT = ROOT / "llm-tokenizer/src/test/resources/gguf-t5"


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    """(field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {w}")
        yield f, w, v


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def convert(name):
    proto = (SRC / f"{name}.model").read_bytes()
    pieces, norm, trainer = [], {}, {}
    for f, w, v in fields(proto):
        if f == 1:
            p = {"type": 1, "score": 0.0}
            for pf, pw, pv in fields(v):
                if pf == 1:
                    p["piece"] = pv.decode("utf-8")
                elif pf == 2:
                    p["score"] = struct.unpack("<f", pv)[0]
                elif pf == 3:
                    p["type"] = pv
            pieces.append(p)
        elif f == 2:
            trainer = {tf: tv for tf, tw, tv in fields(v)}
        elif f == 3:
            norm = {nf: nv for nf, nw, nv in fields(v)}
    assert trainer.get(3, 1) == 1, "not a Unigram model"
    assert norm.get(5, 1) == 1, "escape_whitespaces is off: not a T5-style model"
    w = gguf.GGUFWriter(str(OUT / f"{name}.gguf"), "t5")
    w.add_tokenizer_model("t5")
    w.add_tokenizer_pre("default")
    w.add_token_list([p["piece"].encode("utf-8") for p in pieces])
    w.add_token_scores([p["score"] for p in pieces])
    # SentencePiece's types (NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6) are
    # gguf's token types
    w.add_token_types([p["type"] for p in pieces])
    w.add_add_space_prefix(bool(norm.get(3, 1)))
    w.add_remove_extra_whitespaces(bool(norm.get(4, 1)))
    if norm.get(2):
        w.add_precompiled_charsmap(bytes(norm[2]))
    w.add_unk_token_id(signed(trainer.get(40, 0)))
    eos = signed(trainer.get(42, 2))
    if eos >= 0:
        w.add_eos_token_id(eos)
    pad = signed(trainer.get(43, -1))
    if pad >= 0:
        w.add_pad_token_id(pad)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(name, len(pieces), "pieces", "charsmap" if norm.get(2) else "identity")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for n in sys.argv[1:] or ["unigram-nfkc", "unigram-bytes"]:
        convert(n)
