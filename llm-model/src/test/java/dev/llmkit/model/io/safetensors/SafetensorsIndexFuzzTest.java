package dev.llmkit.model.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.io.Mutants;
import dev.llmkit.tensor.Tensor;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of a sharded checkpoint's {@code model.safetensors.index.json} (the two-shard
 * GPT-2 fixture), each of known validity: shard names of the wrong JSON type, with a folder part
 * ({@code ../}, {@code /}, {@code \}), empty, with control characters or naming a file that does
 * not exist; a tensor mapped to the shard that does not hold it, listed twice (a duplicate key),
 * left out, or invented; {@code weight_map} missing, empty or not an object; {@code metadata} and
 * {@code total_size} of the wrong type; cut or trailing text. Every invalid index is rejected with
 * a {@code CheckpointFormatException} naming the file and the tensor; every valid one opens and
 * every tensor reads.
 */
class SafetensorsIndexFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NF = JsonNodeFactory.instance;
  private static final String FIXTURE = "/fixtures/gpt2-tiny-sharded/";
  private static final String A = "model-00001-of-00002.safetensors";
  private static final String B = "model-00002-of-00002.safetensors";

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void indexMutants() throws Exception {
    for (String f : new String[] {A, B}) {
      try (InputStream in = getClass().getResourceAsStream(FIXTURE + f)) {
        Files.copy(in, tmp.resolve(f));
      }
    }
    Files.createDirectories(tmp.resolve("sub"));
    Files.copy(tmp.resolve(A), tmp.resolve("sub").resolve(A));
    ObjectNode base;
    try (InputStream in = getClass().getResourceAsStream(FIXTURE + "model.safetensors.index.json")) {
      base = (ObjectNode) JSON.readTree(in);
    }
    Path index = tmp.resolve("model.safetensors.index.json");
    SplittableRandom r = new SplittableRandom(19);
    Mutants.Tally tally = new Mutants.Tally("safetensors index");
    for (int i = 0; i < Mutants.count(600); i++) {
      ObjectNode root = base.deepCopy();
      ObjectNode wm = (ObjectNode) root.get("weight_map");
      List<String> names = new ArrayList<>();
      wm.fieldNames().forEachRemaining(names::add);
      String name = names.get(r.nextInt(names.size()));
      String shard = wm.get(name).textValue();
      String text = null;
      boolean valid = false;
      switch (r.nextInt(16)) {
        case 0 -> wm.set(name, List.<JsonNode>of(NF.numberNode(1), NF.nullNode(), NF.arrayNode()
            .add(shard), NF.objectNode(), NF.booleanNode(true)).get(r.nextInt(5)));
        case 1 -> wm.put(name, List.of("../" + shard, "/" + tmp.resolve(shard), "sub/" + shard,
            "sub\\" + shard, "..", ".", "", shard + "\u0000", "\u001b]0;x\u0007" + shard,
            "model-00003-of-00002.safetensors").get(r.nextInt(10)));
        case 2 -> wm.put(name, shard.equals(A) ? B : A); // the shard that does not hold it
        case 3 -> wm.remove(name); // a tensor of a shard left out of the map
        case 4 -> { // listed twice, with the same or another shard
          String json = JSON.writeValueAsString(root);
          String dup = "\"" + name + "\":\"" + (r.nextBoolean() ? shard : A) + "\",";
          text = json.replace("\"weight_map\":{", "\"weight_map\":{" + dup);
        }
        case 5 -> root.set("weight_map", List.<JsonNode>of(NF.arrayNode(), NF.objectNode(),
            NF.textNode("x"), NF.nullNode()).get(r.nextInt(4)));
        case 6 -> root.remove("weight_map");
        case 7 -> ((ObjectNode) root.get("metadata")).set("total_size", List.<JsonNode>of(
            NF.textNode("126472"), NF.numberNode(-1), NF.numberNode(1.5)).get(r.nextInt(3)));
        case 8 -> root.put("metadata", 5);
        case 9 -> wm.put("h.9.invented.weight", shard);
        case 10 -> text = JSON.writeValueAsString(root) + (r.nextBoolean() ? "}" : " x");
        case 11 -> {
          String json = JSON.writeValueAsString(root);
          text = json.substring(0, 1 + r.nextInt(json.length() - 1));
        }
        case 12 -> { // no metadata, or another total_size: transformers does not check it
          if (r.nextBoolean()) {
            root.remove("metadata");
          } else {
            ((ObjectNode) root.get("metadata")).put("total_size", r.nextInt(1 << 20));
          }
          valid = true;
        }
        case 13 -> { // the map in another order, an unknown field beside it
          ObjectNode shuffled = root.putObject("weight_map");
          Collections.shuffle(names, new java.util.Random(r.nextLong()));
          names.forEach(n -> shuffled.set(n, wm.get(n)));
          root.put("format", "pt");
          valid = true;
        }
        default -> valid = true;
      }
      Files.writeString(index, text != null ? text : JSON.writeValueAsString(root));
      Throwable failure = null;
      try (ShardedSafetensors s = ShardedSafetensors.open(index)) {
        for (String n : s.names()) {
          long elements = 1;
          for (long d : s.shape(n)) {
            elements *= d;
          }
          s.read(n, Tensor.zeros(Math.toIntExact(elements)));
        }
      } catch (Exception e) {
        failure = e;
      }
      tally.record(index, valid, failure);
    }
    System.out.println("safetensors index fuzz: " + tally);
    tally.check();
  }

  @Test
  void everyTensorOfEveryShardIsInTheBaseMap() throws Exception {
    // the oracle's premise: the fixture's index lists exactly the shards' tensors
    ObjectNode base;
    try (InputStream in = getClass().getResourceAsStream(FIXTURE + "model.safetensors.index.json")) {
      base = (ObjectNode) JSON.readTree(in);
    }
    int listed = base.get("weight_map").size();
    int held = 0;
    for (String f : new String[] {A, B}) {
      try (InputStream in = getClass().getResourceAsStream(FIXTURE + f)) {
        Files.copy(in, tmp.resolve(f));
      }
      try (SafetensorsFile s = SafetensorsFile.open(tmp.resolve(f))) {
        held += s.names().size();
      }
    }
    org.assertj.core.api.Assertions.assertThat(held).isEqualTo(listed);
  }
}
