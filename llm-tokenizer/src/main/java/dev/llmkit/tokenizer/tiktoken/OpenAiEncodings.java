package dev.llmkit.tokenizer.tiktoken;

import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.pretokenize.Cl100kPreTokenizer;
import dev.llmkit.tokenizer.pretokenize.Gpt2PreTokenizer;
import dev.llmkit.tokenizer.pretokenize.O200kPreTokenizer;
import dev.llmkit.tokenizer.pretokenize.PreTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI's encodings, with their rank files shipped in this artifact (see {@code NOTICE.md} next
 * to them): {@code r50k_base} (GPT-2, GPT-3), {@code p50k_base} (Codex), {@code cl100k_base}
 * (GPT-3.5, GPT-4), {@code o200k_base} (GPT-4o).
 */
public final class OpenAiEncodings {
  /** The names accepted by {@link #get(String)} (besides the alias {@code gpt2}). */
  public static final List<String> NAMES =
      List.of("r50k_base", "p50k_base", "cl100k_base", "o200k_base");

  private static final Map<String, BytePairTokenizer> CACHE = new ConcurrentHashMap<>();

  private OpenAiEncodings() {}

  /**
   * An encoding by name; loaded once, then shared.
   *
   * @param name {@code r50k_base} (alias {@code gpt2}), {@code p50k_base}, {@code cl100k_base} or
   *     {@code o200k_base}
   * @return the tokenizer
   * @throws IllegalArgumentException for an unknown name
   */
  public static BytePairTokenizer get(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    if (key.equals("gpt2") || key.equals("gpt-2")) {
      key = "r50k_base";
    }
    if (!NAMES.contains(key)) {
      throw new IllegalArgumentException(
          "encoding '" + name + "' is unknown; expected one of " + NAMES + " or gpt2");
    }
    return CACHE.computeIfAbsent(key, OpenAiEncodings::load);
  }

  private static BytePairTokenizer load(String name) {
    Map<String, Integer> specials = new LinkedHashMap<>();
    PreTokenizer pre;
    int nVocab;
    switch (name) {
      case "r50k_base":
        specials.put("<|endoftext|>", 50256);
        pre = Gpt2PreTokenizer.INSTANCE;
        nVocab = 50257;
        break;
      case "p50k_base":
        specials.put("<|endoftext|>", 50256);
        pre = Gpt2PreTokenizer.INSTANCE;
        nVocab = 50281;
        break;
      case "cl100k_base":
        specials.put("<|endoftext|>", 100257);
        specials.put("<|fim_prefix|>", 100258);
        specials.put("<|fim_middle|>", 100259);
        specials.put("<|fim_suffix|>", 100260);
        specials.put("<|endofprompt|>", 100276);
        pre = Cl100kPreTokenizer.INSTANCE;
        nVocab = 100277;
        break;
      case "o200k_base":
        specials.put("<|endoftext|>", 199999);
        specials.put("<|endofprompt|>", 200018);
        pre = O200kPreTokenizer.INSTANCE;
        nVocab = 200019;
        break;
      default:
        throw new IllegalStateException(name);
    }
    String file = name + ".tiktoken";
    byte[][] ranks;
    try (InputStream in = OpenAiEncodings.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException("resource " + file + " is missing from llm-tokenizer");
      }
      ranks = TiktokenFile.read(in, file);
    } catch (IOException e) {
      throw new UncheckedIOException("reading resource " + file, e);
    }
    int eot = specials.get("<|endoftext|>");
    // GPT-2 convention (as Hugging Face's GPT-2 tokenizer): <|endoftext|> is both BOS and EOS.
    OptionalInt bos = name.startsWith("r50k") || name.startsWith("p50k")
        ? OptionalInt.of(eot) : OptionalInt.empty();
    return BytePairTokenizer.fromRanks(
        name, ranks, pre, specials, bos, OptionalInt.of(eot), nVocab);
  }
}
