package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder example: the character WordPiece vocabulary, and a short full run that writes both
 * heatmaps and a model folder, and whose MiniLM semantic search ranks the two cat sentences first.
 */
class EncoderExampleTest {

  @Test
  void charVocabularyIsSpecialsThenCharactersThenContinuations() {
    assertThat(CharWordPiece.vocabulary("Ab a\tÉ!")).containsExactly("[PAD]", "[UNK]", "[CLS]",
        "[SEP]", "[MASK]", "!", "a", "b", "e", "##!", "##a", "##b", "##e");
  }

  @Test
  void aShortRunWritesHeatmapsAModelAndFindsTheCats(@TempDir Path dir) throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      EncoderExample.main(new String[] {"2", dir.toString()});
    } finally {
      System.setOut(saved);
    }
    assertThat(dir.resolve("encoder-bidirectional.png")).isNotEmptyFile();
    assertThat(dir.resolve("encoder-causal.png")).isNotEmptyFile();
    assertThat(Files.readAllLines(dir.resolve("encoder-shakespeare/vocab.txt")).get(4)).isEqualTo("[MASK]");
    assertThat(dir.resolve("encoder-shakespeare/model.safetensors")).isNotEmptyFile();
    List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
    int at = lines.indexOf(lines.stream().filter(l -> l.startsWith("all-MiniLM-L6-v2:")).findFirst()
        .orElseThrow());
    List<String> ranked = lines.subList(at + 1, at + 1 + EncoderExample.DOCUMENTS.size());
    assertThat(ranked.subList(0, 2)).allMatch(l -> l.contains("cat") || l.contains("kitten"));
    assertThat(Float.parseFloat(ranked.get(0).trim().split(" ")[0])).isGreaterThan(0.4f);
  }
}
