package dev.llmkit.training.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of a JSON Lines data set whose validity is known by construction (a field of
 * another type or missing, an array instead of an object, a duplicated key, garbage after the
 * object, a line cut short, nesting far beyond any real record): each is rejected with an
 * {@link IllegalArgumentException} naming the file and the line; an unknown extra field is fine.
 */
class JsonlFuzzTest {

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void mutantsAreRejectedNamingFileAndLine() throws Exception {
    List<String> base = List.of(
        "{\"prompt\": \"2+2?\", \"response\": \"4\"}",
        "{\"prompt\": \"capital of France?\", \"response\": \"Paris\"}",
        "{\"prompt\": \"colour of the sky?\", \"response\": \"blue\"}");
    SplittableRandom r = new SplittableRandom(19);
    List<String> problems = new ArrayList<>();
    int n = 500 * Integer.getInteger("llmkit.fuzz.scale", 1);
    for (int i = 0; i < n; i++) {
      List<String> lines = new ArrayList<>(base);
      int at = r.nextInt(lines.size());
      String l = lines.get(at);
      boolean valid = false;
      switch (r.nextInt(9)) {
        case 0 -> l = l.replace("\"4\"", "4").replace("\"Paris\"", "1.5").replace("\"blue\"", "null");
        case 1 -> l = l.replaceFirst("\"response\"", "\"answer\"");
        case 2 -> l = "[" + l + "]";
        case 3 -> l = l.replaceFirst("\\{", "{\"prompt\": \"x\", ");
        case 4 -> l = l + " {}";
        case 5 -> l = l.substring(0, 1 + r.nextInt(l.length() - 2));
        case 6 -> l = l.replaceFirst("\\{", "{\"deep\": " + "[".repeat(3000) + "]".repeat(3000) + ", ");
        case 7 -> { // an unknown field (with an escape sequence in its name) is ignored
          l = "{\"\\u001b]0;t\\u0007\": [1, {\"a\": true}], " + l.substring(1);
          valid = true;
        }
        default -> valid = true;
      }
      lines.set(at, l);
      Path f = Files.write(tmp.resolve("data" + (i % 8) + ".jsonl"), lines);
      try {
        assertThat(Jsonl.readPromptResponses(f)).hasSize(3);
        if (!valid) {
          problems.add("accepted line " + (at + 1) + ": " + l.substring(0, Math.min(80, l.length())));
        }
      } catch (IllegalArgumentException e) {
        String m = String.valueOf(e.getMessage());
        if (valid || !m.contains(f.getFileName() + " line " + (at + 1)) || m.length() > 1100) {
          problems.add(String.valueOf(e));
        }
      } catch (Exception | AssertionError | StackOverflowError e) {
        problems.add("unexpected " + e);
      }
      if (problems.size() > 10) {
        break;
      }
    }
    System.out.println("jsonl fuzz: " + n + " mutants, " + problems.size() + " problems");
    assertThat(problems).isEmpty();
  }
}
