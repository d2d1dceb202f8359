package dev.llmkit.benchmarks;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode throughput of llm-tokenizer against jtokkit 1.1.0 (the baseline, same JVM, same run) on
 * the OpenAI encodings, and the scaling of one long piece with no whitespace.
 *
 * <p>Corpora (read from the shared data folder, system property {@code llmkit.shared.data},
 * default {@code ../shared/data} seen from the repository root): {@code english} is Tiny
 * Shakespeare plus minbpe's Taylor Swift article, twice (2.6 MB); {@code multilingual} is the
 * llama.cpp conformance texts (Khmer, Cyrillic, CJK, emoji, code, whitespace runs) followed by
 * pseudo-random words in Latin, Cyrillic, Arabic, Devanagari, Khmer, CJK and digits (about 1.5 MB
 * of UTF-8, little repetition). Each benchmark encodes the whole corpus once per operation, so MB/s = ops/s x the
 * corpus size printed by the setup. The setup checks that both libraries give the same ids.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenizerBenchmark {

  @Param({"cl100k_base", "o200k_base"})
  public String encoding;

  @Param({"english", "multilingual"})
  public String corpus;

  private String text;
  private Tokenizer llmkit;
  private Encoding jtokkit;

  static Path data(String relative) {
    return Path.of(System.getProperty("llmkit.shared.data", "../shared/data")).resolve(relative);
  }

  static String english() throws IOException {
    String s = Files.readString(data("tinyshakespeare.txt"))
        + Files.readString(data("minbpe/taylorswift.txt"));
    return s + s;
  }

  static String multilingual() throws IOException {
    StringBuilder one = new StringBuilder();
    try (Stream<Path> files = Files.list(data("llamacpp-vocab"))) {
      for (Path f : (Iterable<Path>) files.sorted()
          .filter(p -> p.toString().endsWith("gpt-2.gguf.inp"))::iterator) {
        one.append(Files.readString(f).replace("\n__ggml_vocab_test__\n", "\n"));
      }
    }
    // The conformance texts, then pseudo-random words from seven scripts (so that the text does
    // not simply repeat), to about 1 MB.
    String[] scripts = {
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\u00E9\u00E8\u00FC\u00F6\u00DF",
      "\u0430\u0431\u0432\u0433\u0434\u0435\u0436\u0437\u0438\u043A\u043B\u043C\u043D\u043E\u043F"
          + "\u0440\u0441\u0442\u0443\u0444\u0445\u0446\u0447\u0448\u044B\u044F\u0416\u041C",
      "\u0627\u0628\u062A\u062B\u062C\u062D\u062E\u062F\u0630\u0631\u0632\u0633\u0634\u0635"
          + "\u0639\u0641\u0642\u0643\u0644\u0645\u0646\u0647\u0648\u064A",
      "\u0915\u0916\u0917\u0918\u091A\u091B\u091C\u091D\u091F\u0920\u0921\u0924\u0925\u0926"
          + "\u0928\u092A\u092C\u092E\u092F\u0930\u0932\u0935\u0938\u0939\u093E\u093F\u0940\u094D",
      "\u1780\u1781\u1782\u1783\u1784\u1785\u1786\u1787\u1788\u1789\u178A\u178F\u1791\u1793"
          + "\u1794\u1796\u1798\u1799\u179A\u179B\u179C\u179F\u17A0\u17B6\u17B7\u17C1\u17D2",
      "\u7684\u4E00\u662F\u4E0D\u4E86\u4EBA\u6211\u5728\u6709\u4ED6\u8FD9\u4E2D\u5927\u6765\u4E0A"
          + "\u56FD\u4E2A\u5230\u8BF4\u4EEC\u4E3A\u5B50\u548C\u4F60\u5730\u51FA\u9053\u4E5F\u65F6",
      "0123456789",
    };
    String[] seps = {" ", " ", " ", ", ", ". ", "\n", "  ", "\t", " \uD83D\uDE00 ", "! ", "'s "};
    Random rnd = new Random(11);
    StringBuilder sb = new StringBuilder(one);
    while (sb.length() < 700_000) {
      String script = scripts[rnd.nextInt(scripts.length)];
      int len = 1 + rnd.nextInt(8);
      for (int i = 0; i < len; i++) {
        sb.append(script.charAt(rnd.nextInt(script.length())));
      }
      sb.append(seps[rnd.nextInt(seps.length)]);
    }
    return sb.toString();
  }

  static Encoding jtokkit(String name) {
    EncodingType type = name.equals("cl100k_base") ? EncodingType.CL100K_BASE
        : name.equals("o200k_base") ? EncodingType.O200K_BASE : EncodingType.R50K_BASE;
    return Encodings.newDefaultEncodingRegistry().getEncoding(type);
  }

  @Setup(Level.Trial)
  public void setup() {
    try {
      text = corpus.equals("english") ? english() : multilingual();
    } catch (IOException e) {
      throw new UncheckedIOException("shared data not found; run from the repository root", e);
    }
    llmkit = Tokenizers.encoding(encoding);
    jtokkit = jtokkit(encoding);
    int[] a = llmkit.encode(text);
    int[] b = jtokkit.encodeOrdinary(text).toArray();
    System.out.printf("%n[setup] %s %s: %.3f MB UTF-8, %d tokens, same ids as jtokkit: %s%n",
        encoding, corpus, text.getBytes(StandardCharsets.UTF_8).length / 1e6, a.length,
        Arrays.equals(a, b));
    if (!Arrays.equals(a, b)) {
      throw new IllegalStateException(encoding + " " + corpus + ": ids differ from jtokkit");
    }
    int differ = randomTextDifferences(llmkit, jtokkit, 20_000);
    System.out.printf("[setup] %s: random multilingual strings with ids unlike jtokkit: %d of %d%n",
        encoding, differ, 20_000);
  }

  /** Characters that exercise every branch of the split patterns. */
  private static final String[] ALPHABET = {
    "a", "s", "t", "e", "l", "v", "r", "d", "m", "S", "T", "L", "E", "R", "D", "M", "A", "\u017F",
    "0", "1", "9", " ", " ", " ", "\t", "\r", "\n", "\r\n", "'", "'", "\"", ".", ",", "!",
    "/", "-", "(", "\u00E9", "\u00C9", "\u01C5", "\u02B0", "\u00DF", "\u4F60", "\u597D",
    "\u306E", "\u30AB", "\u0416", "\u0436", "\u0645", "\u0631", "\u0661", "\u0968", "\u0928",
    "\u094D", "\u093F", "\u1780", "\u17D2", "\u17B6", "\u0301", "\u2160", "\u00B2", "\u00BD",
    "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "\u200D", "\uD835\uDFD9", "\u20AC", "\u2026",
    "\u201C", "\uFB01", "\u0000", "\u00A0", "\u2003", "\u3000", "\u0085", "\u000B", "\uFEFF",
  };

  /** How many random strings get different ids from the two libraries. */
  static int randomTextDifferences(Tokenizer a, Encoding b, int n) {
    Random rnd = new Random(3);
    int differ = 0;
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int len = rnd.nextInt(24);
      for (int k = 0; k < len; k++) {
        sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
      }
      String s = sb.toString();
      if (!Arrays.equals(a.encode(s), b.encodeOrdinary(s).toArray())) {
        differ++;
      }
    }
    return differ;
  }

  /** llm-tokenizer. */
  @Benchmark
  public int[] llmkit() {
    return llmkit.encode(text);
  }

  /** The baseline. */
  @Benchmark
  public Object jtokkit() {
    return jtokkit.encodeOrdinary(text);
  }

  /**
   * One piece with no whitespace (random letters, cl100k_base): time per op should grow linearly
   * with {@code size}.
   */
  @State(Scope.Benchmark)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public static class NoWhitespace {
    @Param({"250000", "1000000"})
    public int size;

    private String text;
    private Tokenizer llmkit;

    @Setup(Level.Trial)
    public void setup() {
      Random rnd = new Random(1);
      char[] cs = new char[size];
      for (int i = 0; i < size; i++) {
        cs[i] = (char) ('a' + rnd.nextInt(26));
      }
      text = new String(cs);
      llmkit = Tokenizers.encoding("cl100k_base");
    }

    /** llm-tokenizer on one long piece. */
    @Benchmark
    public int[] llmkitNoWhitespace() {
      return llmkit.encode(text);
    }
  }
}
