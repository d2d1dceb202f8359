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
                "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
                "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
                "\\s+$",
                "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
                "\\p{N}+"));
      case "deepseek-coder":
        return new RegexPreTokenizer(
            List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}"));
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
        return new RegexPreTokenizer(" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+");
      case "viking":
        return new RegexPreTokenizer(List.of(" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+", "\\p{N}"));
      case "default":
        return new RegexPreTokenizer(
            List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_NO_TAIL, "\\p{N}+", "[0-9][0-9][0-9]"));
      default:
        throw new IllegalArgumentException(
            "tokenizer.ggml.pre '" + pre + "' is not a pre-tokenizer this library knows");
    }
  }
}
