package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.hf.HfTokenizerJson;
import dev.llmkit.tokenizer.sentencepiece.Llama2cTokenizerFile;
import dev.llmkit.tokenizer.tiktoken.TiktokenFile;
import dev.llmkit.tokenizer.trainer.BpeTrainer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of every tokenizer file format: {@code tokenizer.json} (typed mutations whose
 * validity is known by construction: ids as strings, floats, 2^40, duplicated or negative; merges as
 * a number, null, an object or a string; unknown component types; conflicting added tokens;
 * post-processor ids outside the vocabulary; truncated and deeply nested text), {@code vocab.json}
 * + {@code merges.txt}, tiktoken rank files and llama2.c {@code tok*.bin} (byte mutants against an
 * independent parser). Every invalid mutant is rejected with a {@link TokenizerFormatException}
 * naming the file, bounded and free of control characters; every valid one loads and round-trips.
 * {@code -Dllmkit.fuzz.scale=N} multiplies the number of mutants.
 */
class TokenizerFilesFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SCALE = FuzzTally.SCALE;
  private static final String TEXT = "the quick brown fox jumps over the lazy dog; the dog sleeps. ";

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void tokenizerJsonMutants() throws Exception {
    BytePairTokenizer bpe = BpeTrainer.train(TEXT.repeat(5), 40);
    ObjectNode base = HfTokenizerJson.toJson(bpe);
    base.set("post_processor", TokenizerJsonModelsFuzzTest.template("x", 0));
    SplittableRandom r = new SplittableRandom(19);
    FuzzTally tally = new FuzzTally("tokenizer.json");
    for (int i = 0; i < 1000 * SCALE; i++) {
      ObjectNode root = base.deepCopy();
      boolean valid = mutate(root, r);
      String text = JSON.writeValueAsString(root);
      int kind = r.nextInt(20);
      if (kind == 0) { // cut inside the text: a syntax error
        text = text.substring(0, r.nextInt(text.length() - 1));
        valid = false;
      } else if (kind == 1) { // nesting far beyond any real file
        text = text.substring(0, text.length() - 1) + ", \"deep\": " + "[".repeat(5000)
            + "]".repeat(5000) + "}";
        valid = false;
      }
      Path f = Files.writeString(tmp.resolve("t" + (i % 16) + ".json"), text);
      Throwable failure = FuzzTally.attempt(() -> {
        Tokenizer t = HfTokenizerJson.load(f);
        assertThat(t.decode(t.encode(TEXT))).isEqualTo(TEXT);
      });
      tally.record(f, valid, failure);
    }
    tally.check();
  }

  /** Mutates a tokenizer.json tree; returns whether the result is still valid. */
  private static boolean mutate(ObjectNode root, SplittableRandom r) {
    ObjectNode model = (ObjectNode) root.get("model");
    ObjectNode vocab = (ObjectNode) model.get("vocab");
    List<String> keys = new ArrayList<>();
    vocab.fieldNames().forEachRemaining(keys::add);
    String key = keys.get(r.nextInt(keys.size()));
    String other = keys.get(r.nextInt(keys.size()));
    int id = vocab.get(key).intValue();
    JsonNodeFactory nf = JsonNodeFactory.instance;
    switch (r.nextInt(16)) {
      case 0 -> {
        vocab.put(key, vocab.get(other).intValue());
        return key.equals(other);
      }
      case 1 -> vocab.put(key, Integer.toString(id));
      case 2 -> vocab.put(key, id + 0.5);
      case 3 -> vocab.put(key, (1L << 40) + id);
      case 4 -> vocab.put(key, -1 - r.nextInt(3));
      case 5 -> model.set("merges", List.<JsonNode>of(nf.numberNode(5), nf.nullNode(),
          nf.objectNode(), nf.textNode("x")).get(r.nextInt(4)));
      case 6 -> {
        ArrayNode merges = (ArrayNode) model.get("merges");
        int at = r.nextInt(merges.size());
        merges.set(at, List.<JsonNode>of(nf.textNode("ab"), nf.textNode("a b c"),
            nf.textNode("\u0001zz " + key), nf.numberNode(3), nf.arrayNode().add(1).add(2))
            .get(r.nextInt(5)));
      }
      case 7 -> {
        String field = List.of("decoder", "post_processor", "normalizer", "pre_tokenizer")
            .get(r.nextInt(4));
        ObjectNode c = root.putObject(field);
        if (r.nextBoolean()) {
          c.put("type", "Bogus\u001b]0;title\u0007");
        } else {
          c.put("type", 7);
        }
      }
      case 8 -> {
        ObjectNode t = ((ArrayNode) root.withArray("added_tokens")).addObject();
        t.put("content", "<new>");
        switch (r.nextInt(4)) {
          case 0 -> t.put("id", id); // the id of a vocabulary token
          case 1 -> t.put("id", Integer.toString(keys.size()));
          case 2 -> t.put("id", keys.size()).put("special", "yes");
          default -> t.put("id", keys.size()).put("content", 5);
        }
      }
      case 9 -> root.set("model", nf.arrayNode());
      case 10 -> model.set("vocab", nf.arrayNode().add(1));
      case 11 -> model.put("type", "Foo");
      case 12 -> ((ObjectNode) root.get("post_processor").get("special_tokens").get("x"))
          .putArray("ids").add(keys.size() + 1 + r.nextInt(5000));
      case 13 -> { // an unused id: valid, as in tokenizers
        String fresh = "\u0120zz" + r.nextInt(1000);
        vocab.put(fresh, keys.size() + r.nextInt(500));
        return true;
      }
      case 14 -> {
        model.put("ignore_merges", r.nextBoolean());
        return true;
      }
      default -> {
        return true; // unchanged
      }
    }
    return false;
  }

  @Test
  @Timeout(60)
  void vocabMergesMutants() throws Exception {
    BytePairTokenizer bpe = BpeTrainer.train(TEXT.repeat(5), 40);
    ObjectNode json = HfTokenizerJson.toJson(bpe);
    ObjectNode vocab = (ObjectNode) json.get("model").get("vocab");
    List<String> merges = new ArrayList<>();
    for (JsonNode m : json.get("model").get("merges")) {
      merges.add(m.get(0).asText() + " " + m.get(1).asText());
    }
    SplittableRandom r = new SplittableRandom(19);
    FuzzTally tally = new FuzzTally("vocab.json+merges.txt");
    for (int i = 0; i < 300 * SCALE; i++) {
      ObjectNode v = vocab.deepCopy();
      List<String> m = new ArrayList<>(merges);
      List<String> keys = new ArrayList<>();
      v.fieldNames().forEachRemaining(keys::add);
      String key = keys.get(r.nextInt(keys.size()));
      boolean valid = false;
      switch (r.nextInt(8)) {
        case 0 -> v.put(key, "1");
        case 1 -> v.put(key, 1.5);
        case 2 -> v.put(key, 1L << 40);
        case 3 -> {
          String other = keys.get(r.nextInt(keys.size()));
          v.put(key, v.get(other).intValue());
          valid = key.equals(other);
        }
        case 4 -> m.set(r.nextInt(m.size()), "onlyone");
        case 5 -> m.set(r.nextInt(m.size()), "\u0001nope " + key);
        default -> valid = true;
      }
      Path dir = Files.createDirectories(tmp.resolve("vm" + (i % 8)));
      Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(v));
      Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", m) + "\n");
      Throwable failure = FuzzTally.attempt(() -> {
        Tokenizer t = Tokenizers.load(dir);
        assertThat(t.decode(t.encode(TEXT))).isEqualTo(TEXT);
      });
      // the message names vocab.json or merges.txt, inside the folder
      tally.record(dir.resolve(failure != null && String.valueOf(failure.getMessage())
          .contains("merges.txt") ? "merges.txt" : "vocab.json"), valid, failure);
    }
    tally.check();
  }

  @Test
  @Timeout(60)
  void tiktokenMutants() throws Exception {
    BytePairTokenizer bpe = BpeTrainer.train(TEXT.repeat(5), 40);
    BpeTrainer.writeTiktoken(bpe, tmp.resolve("base.tiktoken"));
    List<String> lines = Files.readAllLines(tmp.resolve("base.tiktoken"));
    SplittableRandom r = new SplittableRandom(19);
    FuzzTally tally = new FuzzTally("tiktoken");
    for (int i = 0; i < 500 * SCALE; i++) {
      List<String> l = new ArrayList<>(lines);
      int at = r.nextInt(l.size());
      String[] parts = l.get(at).split(" ");
      boolean valid = false;
      switch (r.nextInt(7)) {
        case 0 -> l.set(at, parts[0]); // no rank
        case 1 -> l.set(at, "!!!" + parts[0] + " " + parts[1]); // not base64
        case 2 -> l.set(at, parts[0] + " " + parts[1] + "x");
        case 3 -> l.set(at, parts[0] + " " + l.get((at + 1) % l.size()).split(" ")[1]); // rank twice
        case 4 -> l.set(at, parts[0] + " -" + parts[1]);
        case 5 -> l.set(at, " " + parts[1]);
        default -> valid = true;
      }
      Path f = Files.writeString(tmp.resolve("t" + (i % 8) + ".tiktoken"), String.join("\n", l) + "\n");
      Throwable failure = FuzzTally.attempt(() -> TiktokenFile.read(
          new ByteArrayInputStream(Files.readAllBytes(f)), f.toString()));
      tally.record(f, valid, failure);
    }
    tally.check();
  }

  @Test
  @Timeout(60)
  void llama2cTokenizerMutants() throws Exception {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
    for (int b = 0; b < 256; b++) {
      pieces.add(String.format("<0x%02X>", b));
    }
    pieces.addAll(List.of(" ", "t", "h", "e", "th", "the", " the", "o", "g", "d", "do", "dog"));
    int maxLen = pieces.stream().mapToInt(p -> p.getBytes(StandardCharsets.UTF_8).length).max().orElse(1);
    o.writeBytes(le(maxLen));
    for (int i = 0; i < pieces.size(); i++) {
      byte[] p = pieces.get(i).getBytes(StandardCharsets.UTF_8);
      o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(-i).putInt(p.length)
          .array());
      o.writeBytes(p);
    }
    byte[] base = o.toByteArray();
    SplittableRandom r = new SplittableRandom(19);
    FuzzTally tally = new FuzzTally("tok.bin");
    for (int i = 0; i < 700 * SCALE; i++) {
      byte[] m = base.clone();
      ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
      int at = r.nextInt(m.length - 4);
      switch (r.nextInt(5)) {
        case 0 -> b.putInt(at, b.getInt(at) + (r.nextBoolean() ? 1 : -1));
        case 1 -> b.putInt(at, new int[] {0, -1, Integer.MAX_VALUE, 1 << 20}[r.nextInt(4)]);
        case 2 -> m = Arrays.copyOf(m, r.nextInt(m.length));
        case 3 -> m = Arrays.copyOf(m, m.length + 1 + r.nextInt(7));
        default -> m[at] = (byte) r.nextInt(256);
      }
      Path f = Files.write(tmp.resolve("tok" + (i % 8) + ".bin"), m);
      Throwable failure = FuzzTally.attempt(() -> Llama2cTokenizerFile.load(f));
      tally.record(f, validTokBin(m), failure);
    }
    tally.check();
  }

  /** An independent parse of llama2.c's tokenizer layout. */
  static boolean validTokBin(byte[] m) {
    if (m.length < 4) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
    int maxLen = b.getInt();
    if (maxLen <= 0 || maxLen > 1 << 16) {
      return false;
    }
    int tokens = 0;
    while (b.hasRemaining()) {
      if (b.remaining() < 8) {
        return false;
      }
      float score = b.getFloat();
      int len = b.getInt();
      if (!Float.isFinite(score) || len < 0 || len > maxLen || len > b.remaining()) {
        return false;
      }
      b.position(b.position() + len);
      tokens++;
    }
    return tokens >= 3;
  }

  private static byte[] le(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }
}
