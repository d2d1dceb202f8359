package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llm train --arch bert}: masked-LM pretraining with a character WordPiece vocabulary prints
 * the three summary lines and writes a folder {@code llm fill-mask} loads; {@code --objective
 * classify} fine-tunes a classifier from it (frozen encoder) and saves the labels.
 */
class TrainBertCommandTest {

  static final String TEXT = "To be, or not to be, that is the question:\n"
      + "Whether 'tis nobler in the mind to suffer\n"
      + "The slings and arrows of outrageous fortune,\n"
      + "Or to take arms against a sea of troubles\n"
      + "And by opposing end them. To die—to sleep,\n";

  static String[] small(String... rest) {
    List<String> a = new ArrayList<>(List.of("train", "--arch", "bert", "--layers", "1", "--heads",
        "2", "--dim", "16", "--block", "16", "--batch", "4", "--iters", "12", "--warmup", "2",
        "--eval-iters", "2"));
    a.addAll(List.of(rest));
    return a.toArray(new String[0]);
  }

  @Test
  void mlmTrainsAndFillMaskLoadsTheFolder(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("corpus.txt");
    Files.writeString(data, TEXT.repeat(3));
    Path out = dir.resolve("bert");
    CliRun.Result r = CliRun.run(small("--objective", "mlm", "--data", data.toString(),
        "--tokenizer", "char", "--out", out.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("(?m)^train_tok_per_s \\d+\\.\\d$")
        .containsPattern("(?m)^final_train_loss \\d+\\.\\d{4}$")
        .containsPattern("(?m)^final_val_loss \\d+\\.\\d{4}$");
    assertThat(out.resolve("config.json")).exists();
    assertThat(out.resolve("model.safetensors")).exists();
    List<String> vocab = Files.readAllLines(out.resolve("vocab.txt"));
    assertThat(vocab.subList(0, 5)).containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    assertThat(vocab).contains("t", "##t", ",").doesNotContain("T", " ");
    assertThat(new ObjectMapper().readTree(out.resolve("config.json").toFile())
        .get("architectures").get(0).asText()).isEqualTo("BertForMaskedLM");

    CliRun.Result fill = CliRun.run("fill-mask", "--model", out.toString(), "--text",
        "to be or not to [MASK]e", "--top", "3");
    assertThat(fill.exitCode()).as(fill.err()).isZero();
    assertThat(fill.out().lines().toList()).hasSize(3)
        .allMatch(l -> l.matches("\\S+ 0\\.\\d+"), "TOKEN PROB lines");

    Path labelled = dir.resolve("labelled.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      lines.add("{\"text\": \"to be or not to be " + i + "\", \"label\": \"be\"}");
      lines.add("{\"text\": \"the slings and arrows " + i + "\", \"label\": \"arrows\"}");
    }
    Files.write(labelled, lines);
    Path cls = dir.resolve("cls");
    CliRun.Result c = CliRun.run(small("--objective", "classify", "--model", out.toString(),
        "--freeze-encoder", "--data", labelled.toString(), "--out", cls.toString()));
    assertThat(c.exitCode()).as(c.err()).isZero();
    assertThat(c.out()).containsPattern("(?m)^final_val_loss \\d+\\.\\d{4}$")
        .containsPattern("(?m)^final_val_accuracy [01]\\.\\d{4}$");
    var config = new ObjectMapper().readTree(cls.resolve("config.json").toFile());
    assertThat(config.get("architectures").get(0).asText()).isEqualTo("BertForSequenceClassification");
    assertThat(config.get("id2label").get("0").asText()).isEqualTo("arrows");
    assertThat(cls.resolve("vocab.txt")).exists();
  }

  @Test
  void badInputIsNamed(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("l.jsonl");
    Files.write(data, List.of("{\"text\": \"a\", \"label\": \"x\"}", "{\"text\": 3}"));
    CliRun.Result r = CliRun.run(small("--objective", "classify", "--data", data.toString(),
        "--out", dir.resolve("m").toString()));
    assertThat(r.exitCode()).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(r.err()).contains("line 2").contains("\"text\"");
    CliRun.Result o = CliRun.run(small("--objective", "nsp", "--data", data.toString(),
        "--out", dir.resolve("n").toString()));
    assertThat(o.exitCode()).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(o.err()).contains("--objective must be mlm or classify");
  }
}
