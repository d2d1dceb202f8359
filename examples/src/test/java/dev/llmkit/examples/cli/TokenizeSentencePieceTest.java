package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code llm tokenize --tokenizer spiece.model | tokenizer.json} with Unigram models. */
class TokenizeSentencePieceTest {
  static final Path FIXTURES = Path.of("..", "llm-tokenizer", "src", "test", "resources", "sentencepiece");

  private static String[] run(String... args) {
    CommandLine cli = LlmCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      rc = cli.execute(args);
    } finally {
      System.setOut(saved);
    }
    return new String[] {Integer.toString(rc), out.toString(StandardCharsets.UTF_8), err.toString()};
  }

  @Test
  void unigramModelAndTokenizerJsonGiveSentencePieceIds(@TempDir Path dir) throws Exception {
    Path text = dir.resolve("in.txt");
    Files.writeString(text, "Hello world");
    // ids from SentencePieceProcessor (cases.json, text "Hello world")
    String[] model = run("tokenize", "--tokenizer", FIXTURES.resolve("unigram-nfkc.model").toString(),
        "--input", text.toString());
    assertThat(model[0]).isEqualTo("0");
    assertThat(model[1]).isEqualTo("182 91 26 519\n");
    String[] json = run("tokenize", "--tokenizer",
        FIXTURES.resolve("unigram-nfkc.tokenizer.json").toString(), "--input", text.toString());
    assertThat(json[1]).isEqualTo(model[1]);
    Path ids = dir.resolve("ids.txt");
    Files.writeString(ids, model[1]);
    assertThat(run("tokenize", "--tokenizer", FIXTURES.resolve("unigram-nfkc.model").toString(),
        "--decode", "--input", ids.toString())[1]).isEqualTo("Hello world");
  }

  @Test
  void aModelFileThatIsNotSentencePieceIsNamed(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("spiece.model");
    Files.writeString(bad, "this is not a protobuf file at all");
    String[] r = run("tokenize", "--tokenizer", bad.toString(), "--input", bad.toString());
    assertThat(r[0]).isNotEqualTo("0");
    assertThat(r[2]).contains(bad.toString()).contains("not a SentencePiece model");
  }
}
