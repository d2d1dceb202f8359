package dev.llmkit.tokenizer.pretokenize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.IntList;
import dev.llmkit.tokenizer.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written split patterns give exactly the pieces of the regular expressions they stand
 * for (java.util.regex in Unicode mode as the independent reference), on random text built from
 * the characters that matter and on real text.
 */
class PreTokenizerRegexEquivalenceTest {

  static Stream<Arguments> preTokenizers() {
    return Stream.of(
        Arguments.of(Gpt2PreTokenizer.INSTANCE),
        Arguments.of(Cl100kPreTokenizer.INSTANCE),
        Arguments.of(O200kPreTokenizer.INSTANCE));
  }

  /** Characters chosen to hit every branch of the patterns. */
  private static final String[] ALPHABET = {
    "a", "b", "s", "t", "e", "l", "v", "r", "d", "m", "S", "T", "L", "E", "R", "V", "D", "M",
    "A", "Z", "ſ", "0", "1", "9", " ", " ", " ", "\t", "\r", "\n", "\r\n", "\u000B", "\f",
    "\u0085", "\u00A0", "\u2003", "\u3000", "\u2028", "'", "'", "\"", ".", ",", "!", "?", "/",
    "-", "_", "(", "$", "#", "é", "É", "ǅ", "ʰ", "ß", "你", "好", "日", "本", "の", "カ",
    "Ж", "ж", "я", "م", "ر", "ح", "ب", "ا", "١", "२", "न", "म", "स", "्", "ते", "ि",
    "ក", "ខ", "្", "ា", "\u0301", "\u0308", "Ⅻ", "²", "½", "😀", "👍🏽", "👩‍💻", "\u200D",
    "🇫🇷", "\uD835\uDFD9", "\uD801\uDC00", "\uD801\uDC28", "\uD83D", "\uDE00", "€", "…", "—",
    "“", "”", "«", "ﬁ", "\u0000", "\u001F", "\uFEFF",
  };

  private static String randomText(Random rnd, int maxLen) {
    int n = rnd.nextInt(maxLen + 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }

  static List<String> regexPieces(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    int last = 0;
    while (m.find()) {
      if (m.start() != last) {
        out.add("<gap:" + text.substring(last, m.start()) + ">");
      }
      out.add(m.group());
      last = m.end();
    }
    if (last != text.length()) {
      out.add("<gap:" + text.substring(last) + ">");
    }
    return out;
  }

  static List<String> pieces(PreTokenizer pre, String text) {
    IntList ends = new IntList();
    pre.split(text, 0, text.length(), ends);
    List<String> out = new ArrayList<>();
    int p = 0;
    for (int k = 0; k < ends.size(); k++) {
      out.add(text.substring(p, ends.get(k)));
      p = ends.get(k);
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("preTokenizers")
  void equalsRegexOnRandomText(PreTokenizer pre) {
    Pattern p = Pattern.compile(pre.pattern(), Pattern.UNICODE_CHARACTER_CLASS);
    Random rnd = new Random(42);
    for (int i = 0; i < 30_000; i++) {
      String text = randomText(rnd, i < 20_000 ? 12 : 60);
      List<String> expected = regexPieces(p, text);
      List<String> actual = pieces(pre, text);
      if (!actual.equals(expected)) {
        assertThat(actual).as("text %s", escape(text)).isEqualTo(expected);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("preTokenizers")
  void equalsRegexOnRealText(PreTokenizer pre) throws IOException {
    Pattern p = Pattern.compile(pre.pattern(), Pattern.UNICODE_CHARACTER_CLASS);
    Path dir = SharedData.require("llamacpp-vocab");
    List<String> texts = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".inp"))::iterator) {
        texts.add(Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    texts.add(Files.readString(SharedData.require("minbpe/taylorswift.txt")));
    for (String text : texts) {
      assertThat(pieces(pre, text)).isEqualTo(regexPieces(p, text));
    }
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c > 0x7E) {
        sb.append(String.format("\\u%04X", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
