#!/usr/bin/python3
"""SentencePiece fixtures for llm-tokenizer: small models trained by the SentencePiece library, the ids it
gives for many texts, and a Hugging Face tokenizer.json converted from one of them.

Run from the repository root:  /usr/bin/python3 scripts/gen_sentencepiece_fixtures.py

Reads ../shared/data/tinyshakespeare.txt (public domain) and ../shared/data/minbpe/taylorswift.txt
(Wikipedia text, CC BY-SA) as the training corpus. Writes llm-tokenizer/src/test/resources/sentencepiece/:
  unigram-nfkc.model     unigram, nmt_nfkc, no byte fallback, user-defined symbols <sep> and [MASK]
  unigram-bytes.model    unigram, identity normalisation, byte fallback, whitespace kept as is, split digits
  bpe-nfkc-bytes.model   bpe, nmt_nfkc, byte fallback
  bpe-plain.model        bpe, identity normalisation, no dummy prefix, no byte fallback
  unigram-nfkc.tokenizer.json   unigram-nfkc.model as Hugging Face's T5/ALBERT converter writes it
                                (Precompiled + Replace(" {2,}"), Metaspace, Unigram, Metaspace decoder)
  cases.json             {"texts": [...], "<model>": {"ids": [[...] per text], "decoded": [...]}}:
                         SentencePieceProcessor.encode / decode of every text with every model
"""
import base64
import json
import os
import random
import tempfile

import sentencepiece as spm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "llm-tokenizer", "src", "test", "resources", "sentencepiece")

MODELS = {
    "unigram-nfkc": dict(model_type="unigram", vocab_size=1000, user_defined_symbols=["<sep>", "[MASK]"]),
    "unigram-bytes": dict(model_type="unigram", vocab_size=1200, byte_fallback=True,
                          normalization_rule_name="identity", remove_extra_whitespaces=False,
                          split_digits=True),
    "bpe-nfkc-bytes": dict(model_type="bpe", vocab_size=1000, byte_fallback=True),
    "bpe-plain": dict(model_type="bpe", vocab_size=600, normalization_rule_name="identity",
                      add_dummy_prefix=False),
}

HANDWRITTEN = [
    "", " ", "   ", "Hello world", "Hello  world", "  leading and trailing  ", "tabs\tand\nnewlines\r\n",
    "multiple     spaces      inside", "hello<sep>world", "a [MASK] b", "<sep>", "[MASK][MASK]",
    "café naïve résumé", "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３", "ﬁnance ﬂow ½ ① ㈱ ™", "e\u0301 versus é",
    "日本語のテキストです。", "中文分词测试", "한국어 문장", "emoji 😀👍🏽 and 👨‍👩‍👧 family",
    "Ünïcödé ÅÄÖ ß ẞ", "Ελληνικά και Русский текст", "עברית ועربية", "numbers 1234567890 3.14159",
    "punctuation!!! ??? ... --- ;;;", "<s> </s> <unk> <pad>", "\u00a0non-breaking\u2003em space\u3000ideographic",
    "zero\u200bwidth\u200djoiner", "x" * 60, "ROMEO: O, she doth teach the torches to burn bright!",
    "Taylor Swift's 1989 (Taylor's Version)", "控制\u0001字符\u0007", "mixed日本English한국",
    "\u2581already\u2581escaped", "trailing newline\n", "The quick brown fox jumps over the lazy dog.",
]


def sample_lines(path, n, rng):
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    return rng.sample(lines, n)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(1234)
    with open(os.path.join(DATA, "tinyshakespeare.txt"), encoding="utf-8") as f:
        shakespeare = f.read()
    with open(os.path.join(DATA, "minbpe", "taylorswift.txt"), encoding="utf-8") as f:
        taylor = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write(shakespeare[:400000])
            f.write("\n")
            f.write(taylor)
        for name, opts in MODELS.items():
            spm.SentencePieceTrainer.train(
                input=corpus, model_prefix=os.path.join(OUT, name), character_coverage=0.9995,
                num_threads=2, minloglevel=2, **opts)
            os.remove(os.path.join(OUT, name + ".vocab"))

    texts = HANDWRITTEN + sample_lines(os.path.join(DATA, "tinyshakespeare.txt"), 60, rng) \
        + sample_lines(os.path.join(DATA, "minbpe", "taylorswift.txt"), 60, rng)
    # some lines with whitespace runs and mixed scripts spliced in
    for _ in range(30):
        a, b = rng.sample(texts[len(HANDWRITTEN):], 2)
        texts.append(a[: rng.randint(0, len(a))] + rng.choice(["  ", "\t", " \u3000 ", "😀", "中", "  \n "]) + b)
    cases = {"texts": texts}
    for name in MODELS:
        sp = spm.SentencePieceProcessor(model_file=os.path.join(OUT, name + ".model"))
        ids = [sp.encode(t) for t in texts]
        cases[name] = {"ids": ids, "decoded": [sp.decode(i) for i in ids]}
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)

    write_tokenizer_json("unigram-nfkc")


def proto_field(buf, number):
    """The first length-delimited field `number` of a protobuf message (enough to pull the charsmap)."""
    def varint(i):
        v, shift = 0, 0
        while True:
            b = buf[i]
            v |= (b & 0x7F) << shift
            i += 1
            shift += 7
            if b < 0x80:
                return v, i
    i = 0
    while i < len(buf):
        key, i = varint(i)
        wire = key & 7
        if wire == 0:
            _, i = varint(i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = varint(i)
            if key >> 3 == number:
                return buf[i:i + n]
            i += n
        else:
            raise ValueError("wire type %d" % wire)
    raise KeyError(number)


def write_tokenizer_json(name):
    """What transformers' SpmConverter (T5/ALBERT style) writes for a unigram model."""
    sp = spm.SentencePieceProcessor(model_file=os.path.join(OUT, name + ".model"))
    with open(os.path.join(OUT, name + ".model"), "rb") as f:
        charsmap = proto_field(proto_field(f.read(), 3), 2)  # normalizer_spec.precompiled_charsmap
    unk_id = sp.unk_id()
    vocab = [[sp.id_to_piece(i), sp.get_score(i)] for i in range(sp.get_piece_size())]
    added = []
    for i in range(sp.get_piece_size()):
        user = sp.id_to_piece(i) in ("<sep>", "[MASK]")
        if sp.is_control(i) or sp.is_unknown(i) or user:
            added.append({"id": i, "content": sp.id_to_piece(i), "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": user, "special": not user})
    tj = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled",
             "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                          "split": True},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [sp.eos_id()],
                                                       "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": unk_id, "vocab": vocab, "byte_fallback": False},
    }
    with open(os.path.join(OUT, name + ".tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
