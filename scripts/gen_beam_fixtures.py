#!/usr/bin/python3
"""Golden beam-search results for llm-model's BeamSearch (issues #14/#15).

Run from the repository root:  /usr/bin/python3 scripts/gen_beam_fixtures.py

Reads the tiny checkpoints of scripts/gen_model_fixtures.py (gpt2-tiny, llama-gqa-tiny), runs their
plain-torch reference forwards (float64, the whole sequence recomputed at every step, no KV cache),
and runs beam search over those logits with Hugging Face's semantics, reimplemented here from the
transformers 4.3x-4.4x sources (`_beam_search` + `BeamSearchScorer` + `BeamHypotheses` +
`NoRepeatNGramLogitsProcessor`), in float32 as torch runs it:

  scores = log_softmax(logits) (float32); banned n-grams -> -inf; scores += beam_scores[:, None]
  top max(2, 1 + #eos) * num_beams of all beams' scores (torch.topk, sorted)
  EOS candidates among the first num_beams ranks -> finished hypotheses, score = sum / gen_len ** lp
  (gen_len = generated tokens, the EOS included); others -> the next num_beams beams
  is_done: early_stopping True / False (best / cur_gen_len ** lp) / "never" (max_gen_len when lp > 0)
  at max_length the running beams are added as hypotheses

Writes llm-model/src/test/resources/fixtures/beam-search.json: a list of cases
{fixture, prompt, num_beams, length_penalty, early_stopping, no_repeat_ngram_size,
 num_return_sequences, max_new_tokens, eos, expected: [{tokens (generated, EOS included), score}]}.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_model_fixtures as ref  # noqa: E402  (the plain-torch reference forwards)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "llm-model", "src", "test",
                    "resources", "fixtures")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", meta
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"]).copy()
    return out


def load(fixture):
    d = os.path.join(ROOT, fixture)
    cfg = json.load(open(os.path.join(d, "config.json")))
    w = read_safetensors(os.path.join(d, "model.safetensors"))
    if cfg["model_type"] == "gpt2":
        return cfg, (lambda ids: ref.gpt2_forward(cfg, w, ids)[-1]), cfg["n_positions"]
    return cfg, (lambda ids: ref.llama_forward(cfg, w, ids)[-1]), cfg["max_position_embeddings"]


def beam_search(forward, ctx, prompt, num_beams, length_penalty, early_stopping, ngram, nrs,
                max_new, eos):
    prompt_len = len(prompt)
    max_length = min(prompt_len + max_new, ctx)
    seqs = [list(prompt) for _ in range(num_beams)]
    beam_scores = torch.zeros(num_beams, dtype=torch.float32)
    beam_scores[1:] = -1e9
    hyps = []  # [score, tokens, sum]
    worst = [1e9]
    keep = max(2, 1 + len(eos)) * num_beams

    def add(tokens, sum_logprobs, gen_len):
        score = sum_logprobs / (gen_len ** length_penalty)
        if len(hyps) < num_beams or score > worst[0]:
            hyps.append((score, tokens, sum_logprobs))
            if len(hyps) > num_beams:
                order = sorted([(s, i) for i, (s, _, _) in enumerate(hyps)])
                del hyps[order[0][1]]
                worst[0] = order[1][0]
            else:
                worst[0] = min(score, worst[0])

    def is_done(best_sum, cur_len):
        if len(hyps) < num_beams:
            return False
        if early_stopping is True:
            return True
        if early_stopping is False:
            return worst[0] >= best_sum / (cur_len - prompt_len) ** length_penalty
        if length_penalty > 0.0:
            return worst[0] >= best_sum / (max_length - prompt_len) ** length_penalty
        return worst[0] >= best_sum / (cur_len - prompt_len) ** length_penalty

    done = False
    while True:
        logits = torch.tensor(np.stack([forward(s) for s in seqs]), dtype=torch.float32)
        V = logits.shape[1]
        scores = torch.log_softmax(logits, dim=-1)
        if ngram > 0:
            for b, s in enumerate(seqs):
                cur = len(s)
                if cur + 1 < ngram:
                    continue
                grams = {}
                for i in range(cur - ngram + 1):
                    grams.setdefault(tuple(s[i:i + ngram - 1]), []).append(s[i + ngram - 1])
                for t in grams.get(tuple(s[cur + 1 - ngram:cur]), []):
                    scores[b, t] = -float("inf")
        scores = scores + beam_scores[:, None]
        vals, idx = torch.topk(scores.view(-1), keep, largest=True, sorted=True)
        cur_len = len(seqs[0]) + 1
        nxt = []
        for rank, (v, i) in enumerate(zip(vals.tolist(), idx.tolist())):
            src, tok = divmod(i, V)
            if tok in eos:
                if rank >= num_beams:
                    continue
                add(seqs[src] + [tok], v, cur_len - prompt_len)
            else:
                nxt.append((v, tok, src))
            if len(nxt) == num_beams:
                break
        done = done or is_done(vals.max().item(), cur_len)
        seqs = [seqs[src] + [tok] for (_, tok, src) in nxt]
        beam_scores = torch.tensor([v for (v, _, _) in nxt], dtype=torch.float32)
        if done or len(seqs[0]) >= max_length:
            break
    if not done:
        for b in range(num_beams):
            add(list(seqs[b]), beam_scores[b].item(), len(seqs[b]) - prompt_len)
    best = sorted(hyps, key=lambda h: h[0], reverse=True)[:nrs]
    return [{"tokens": t[prompt_len:], "score": s} for (s, t, _) in best]


def greedy(forward, prompt, n):
    s = list(prompt)
    for _ in range(n):
        s.append(int(np.argmax(forward(s))))
    return s[len(prompt):]


def main():
    cases = []
    for fixture, prompt in [("gpt2-tiny", [1, 5, 17, 42]), ("llama-gqa-tiny", [1, 9, 33])]:
        cfg, forward, ctx = load(fixture)
        g = greedy(forward, prompt, 6)
        # EOS ids the search actually meets: tokens the greedy path takes early on
        e1, e2 = [g[2]], [g[1], g[4]]
        variants = [
            (4, 1.0, False, 0, 2, 10, e1),
            (4, 1.0, True, 0, 1, 10, e1),
            (4, 1.0, "never", 0, 4, 10, e1),
            (4, 2.0, False, 0, 3, 12, e1),
            (4, -0.5, False, 0, 2, 8, e2),
            (3, 1.0, False, 2, 3, 14, e2),
            (5, 0.0, "never", 3, 2, 9, []),
            (1, 1.0, False, 0, 1, 7, e1),
            (2, 1.0, False, 0, 2, 40, e2),  # max_new past the context: capped at the context
        ]
        for (nb, lp, es, ng, nrs, mx, eos) in variants:
            expected = beam_search(forward, ctx, prompt, nb, lp, es, ng, nrs, mx, eos)
            cases.append({
                "fixture": fixture, "prompt": prompt, "num_beams": nb, "length_penalty": lp,
                "early_stopping": {True: "TRUE", False: "FALSE", "never": "NEVER"}[es],
                "no_repeat_ngram_size": ng, "num_return_sequences": nrs, "max_new_tokens": mx,
                "eos": eos, "expected": expected,
            })
    out = os.path.join(ROOT, "beam-search.json")
    with open(out, "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")
    print("wrote", out, len(cases), "cases")


if __name__ == "__main__":
    main()
