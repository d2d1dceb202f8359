package dev.llmkit.tokenizer.pretokenize;

import java.util.List;
import java.util.Locale;

/** The known pre-tokenizers, by the names tiktoken, Hugging Face and llama.cpp use. */
public final class PreTokenizers {
  private PreTokenizers() {}

  /** Llama 3's split pattern (cl100k's without {@code \s++$}, and not possessive). */
  public static final String LLAMA3 =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
          + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private static final String GPT2_NO_TAIL =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

  /**
   * The pre-tokenizer for a pattern: a hand-written one when the pattern is one of the OpenAI
   * patterns (tiktoken's or Hugging Face's spelling of GPT-2's), else a {@link RegexPreTokenizer}.
   *
   * @param pattern the regex
   * @return the pre-tokenizer
   */
  public static PreTokenizer forPattern(String pattern) {
    if (pattern.equals(Gpt2PreTokenizer.PATTERN)
        || pattern.equals(GPT2_NO_TAIL + "|\\s+")
        || pattern.equals(GPT2_NO_TAIL)) {
      return Gpt2PreTokenizer.INSTANCE;
    }
    if (pattern.equals(Cl100kPreTokenizer.PATTERN)) {
      return Cl100kPreTokenizer.INSTANCE;
    }
    if (pattern.equals(O200kPreTokenizer.PATTERN)) {
      return O200kPreTokenizer.INSTANCE;
    }
    return new RegexPreTokenizer(pattern);
  }

  /**
   * The pre-tokenizer llama.cpp uses for a GGUF {@code tokenizer.ggml.pre} value.
   *
   * @param pre the value (for example {@code gpt-2}, {@code dbrx}, {@code llama-bpe})
   * @return the pre-tokenizer
   * @throws IllegalArgumentException for an unknown name
   */
  public static PreTokenizer forGgufPre(String pre) {
    switch (pre.toLowerCase(Locale.ROOT)) {
      case "gpt-2":
      case "gpt2":
      case "mpt":
      case "olmo":
      case "jais":
        return Gpt2PreTokenizer.INSTANCE;
      case "dbrx":
        // DBRX's tokenizer is tiktoken's cl100k_base
        return Cl100kPreTokenizer.INSTANCE;
      case "llama-bpe":
      case "llama3":
      case "smaug-bpe":
      case "chatglm-bpe":
        return new RegexPreTokenizer(LLAMA3);
      case "deepseek-llm":
        return new RegexPreTokenizer(
            List.of(
                "[\r\n]",
                "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
                "\\s+$",
                "[一-龥ࠀ-一가-퟿]+",
                "\\p{N}+"));
      case "deepseek-coder":
        return new RegexPreTokenizer(
            List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"));
      case "falcon":
        return new RegexPreTokenizer(
            List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_NO_TAIL, "[0-9][0-9][0-9]"));
      case "starcoder":
      case "refact":
      case "command-r":
      case "smollm":
      case "codeshell":
      case "exaone":
      case "minerva-7b":
        return new RegexPreTokenizer(List.of("\\p{N}", GPT2_NO_TAIL));
      case "qwen2":
      case "stablelm2":
      case "deepseek-r1-qwen":
        return new RegexPreTokenizer(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
      case "poro-chat":
      case "bloom":
      case "gpt3-finnish":
        return new RegexPreTokenizer(" ?[^(\\s|.,!?…。，、।۔،)]+");
      case "viking":
        return new RegexPreTokenizer(List.of(" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}"));
      case "default":
        return new RegexPreTokenizer(
            List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_NO_TAIL, "\\p{N}+", "[0-9][0-9][0-9]"));
      default:
        throw new IllegalArgumentException(
            "tokenizer.ggml.pre '" + pre + "' is not a pre-tokenizer this library knows");
    }
  }
}
