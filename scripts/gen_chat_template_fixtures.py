#!/usr/bin/env python3
"""Expected chat-template renderings for llm-model's ChatTemplateTest.

Renders each real template under llm-model/src/test/resources/chat-templates with jinja2 set up as
Hugging Face transformers' apply_chat_template sets it up (ImmutableSandboxedEnvironment with
trim_blocks, lstrip_blocks and the loopcontrols extension; raise_exception, strftime_now and a tojson
that keeps non-ASCII characters), for conversations with and without a system prompt, with and
without add_generation_prompt, and writes chat-templates/expected.json. strftime_now is pinned to
2024-07-26 so the Llama 3.x "Today Date" line is reproducible (the Java test pins its clock alike).

Run: /usr/bin/python3 scripts/gen_chat_template_fixtures.py
"""
import json
import os
from datetime import datetime

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.join(os.path.dirname(__file__), "..", "llm-model", "src", "test", "resources", "chat-templates")
NOW = datetime(2024, 7, 26, 10, 30, 0)


class RaisedByTemplate(Exception):
    pass


def raise_exception(message):
    raise RaisedByTemplate(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers' own tojson filter (jinja2's escapes HTML characters, HF's does not)
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return NOW.strftime(fmt)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


# (file, bos_token, eos_token): llama.cpp's models/templates files carry no special tokens; these are
# the ones in the models' tokenizer_config.json.
TEMPLATES = [
    ("google-gemma-2-2b-it.jinja", "<bos>", "<eos>"),
    ("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>"),
    ("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>"),
    ("meta-llama-Llama-3.2-3B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    ("Qwen-QwQ-32B.jinja", None, "<|im_end|>"),
    ("llama3_1/tokenizer_config.json", None, None),
    ("qwen3/tokenizer_config.json", None, None),
    ("gemma3/tokenizer_config.json", None, None),
]

CONVERSATIONS = {
    "system": [
        {"role": "system", "content": "You are a terse assistant. Answer in one line."},
        {"role": "user", "content": "  What is the capital of France?\n"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Japan — 日本?"},
    ],
    "no-system": [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Hi, how can I help?"},
        {"role": "user", "content": "Write \"quotes\", {braces} and a tab\there."},
    ],
    "one-turn": [
        {"role": "user", "content": "Say hi."},
    ],
    "not-alternating": [
        {"role": "user", "content": "One."},
        {"role": "user", "content": "Two."},
    ],
}


def load(path):
    full = os.path.join(HERE, path)
    if path.endswith(".json"):
        with open(full, encoding="utf-8") as f:
            config = json.load(f)
        tokens = {}
        for key in ("bos_token", "eos_token"):
            value = config.get(key)
            if isinstance(value, dict):
                value = value.get("content")
            if value is not None:
                tokens[key] = value
        return config["chat_template"], tokens
    with open(full, encoding="utf-8") as f:
        return f.read(), {}


def main():
    env = environment()
    cases = []
    for path, bos, eos in TEMPLATES:
        source, tokens = load(path)
        if bos is not None:
            tokens["bos_token"] = bos
        if eos is not None:
            tokens["eos_token"] = eos
        template = env.from_string(source)
        for name, messages in CONVERSATIONS.items():
            for gen in (False, True):
                case = {"template": path, "conversation": name, "add_generation_prompt": gen,
                        "special_tokens": tokens}
                try:
                    case["expected"] = template.render(messages=messages, add_generation_prompt=gen, **tokens)
                except RaisedByTemplate as e:
                    case["error"] = str(e)
                except TemplateError as e:
                    case["error"] = "jinja2: " + str(e)
                cases.append(case)
    out = {"conversations": CONVERSATIONS, "cases": cases}
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
