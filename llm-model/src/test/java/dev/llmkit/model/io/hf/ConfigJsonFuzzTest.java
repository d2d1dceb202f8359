package dev.llmkit.model.io.hf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.io.CheckpointFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of a {@code config.json} whose validity is known by construction: a size field
 * given as a string, a fraction, a boolean, null, zero, negative or 2^40; a duplicated key; text cut
 * short or followed by garbage. Each is rejected with a {@link CheckpointFormatException} naming the
 * file; the unchanged control loads.
 */
class ConfigJsonFuzzTest {

  private static final String[] SIZES = {"vocab_size", "n_positions", "n_embd", "n_layer", "n_head"};

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void mutantsAreRejectedNamingTheFile() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String base = new String(getClass().getResourceAsStream("/fixtures/gpt2-tiny/config.json")
        .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    SplittableRandom r = new SplittableRandom(19);
    List<String> problems = new ArrayList<>();
    int n = 500 * Integer.getInteger("llmkit.fuzz.scale", 1);
    int invalid = 0;
    for (int i = 0; i < n; i++) {
      ObjectNode root = (ObjectNode) json.readTree(base);
      String field = SIZES[r.nextInt(SIZES.length)];
      boolean valid = false;
      String text = null;
      switch (r.nextInt(10)) {
        case 0 -> root.put(field, Integer.toString(root.get(field).intValue()));
        case 1 -> root.put(field, root.get(field).intValue() + 0.5);
        case 2 -> root.put(field, true);
        case 3 -> root.putNull(field);
        case 4 -> root.put(field, 0);
        case 5 -> root.put(field, -1 - r.nextInt(100));
        case 6 -> root.put(field, (1L << 40) + r.nextInt(100));
        case 7 -> text = base.replaceFirst("\\{", "{ \"" + field + "\": 3,");
        case 8 -> text = r.nextBoolean() ? base.substring(0, r.nextInt(base.length() - 2))
            : base + " x";
        default -> valid = true;
      }
      invalid += valid ? 0 : 1;
      Path f = Files.writeString(tmp.resolve("config" + (i % 8) + ".json"),
          text != null ? text : json.writeValueAsString(root));
      try {
        HfConfig.read(f).config();
        if (!valid) {
          problems.add("accepted: " + Files.readString(f));
        }
      } catch (CheckpointFormatException e) {
        if (valid || !e.getMessage().contains(f.getFileName().toString())) {
          problems.add(String.valueOf(e));
        }
      } catch (Exception e) {
        problems.add("not a CheckpointFormatException: " + e);
      }
      if (problems.size() > 10) {
        break;
      }
    }
    System.out.println("config.json fuzz: " + n + " mutants, " + invalid + " invalid, "
        + problems.size() + " problems");
    assertThat(problems).isEmpty();
  }
}
