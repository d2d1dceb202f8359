package dev.llmkit.tokenizer.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import dev.llmkit.tokenizer.hf.HfTokenizerJson;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceModelTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Unigram tokenizer trained by {@link UnigramTrainer} and written as {@code tokenizer.json}:
 * Hugging Face's own {@code tokenizers} library (the Rust implementation, through DJL) and this
 * library's reader give the trained tokenizer's ids on every text.
 */
class UnigramTokenizerJsonWriteTest {

  @Test
  void aTrainedUnigramWrittenAsTokenizerJsonGivesTheSameIdsInHuggingFaceTokenizers(@TempDir Path dir)
      throws Exception {
    List<String> lines = UnigramTrainerTest.lines();
    SentencePieceModelTokenizer trained = UnigramTrainer.train(
        String.join("\n", lines), new UnigramTrainer.Options(450, 12, 2000, 0.75, 2, true),
        (n, ll) -> {});
    Path file = dir.resolve("tokenizer.json");
    HfTokenizerJson.write(trained, file);

    List<String> texts = new ArrayList<>(lines);
    texts.add("  leading and trailing spaces  ");
    texts.add("several   spaces    between words");
    texts.add("unseen text: naïve café, Zürich, 東京 and emoji 🙂");
    texts.add("x");
    Tokenizer back = Tokenizers.load(file);
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file, Map.of("truncation", "false", "padding", "false"))) {
      int compared = 0;
      for (String text : texts) {
        int[] want = trained.encode(text);
        long[] ref = hf.encode(text, false, false).getIds();
        int[] refInts = new int[ref.length];
        for (int i = 0; i < ref.length; i++) {
          refInts[i] = (int) ref[i];
        }
        assertThat(refInts).as("Hugging Face tokenizers on %s", text).containsExactly(want);
        assertThat(back.encode(text)).as("reloaded on %s", text).containsExactly(want);
        assertThat(back.decode(want)).isEqualTo(trained.decode(want));
        assertThat(hf.decode(ref)).as("Hugging Face decode").isEqualTo(trained.decode(want));
        compared++;
      }
      assertThat(compared).isGreaterThan(100);
    }
  }
}
