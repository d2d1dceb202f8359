package dev.llmkit.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmkit.tokenizer.TokenizerFormatException;
import dev.llmkit.tokenizer.Utf8;
import dev.llmkit.tokenizer.bpe.ByteLevel;
import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.pretokenize.Gpt2PreTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The older Hugging Face layout of a byte-level BPE (GPT-2, RoBERTa): {@code vocab.json} (token
 * to id) and {@code merges.txt} (one merge per line, an optional {@code #version} header), with
 * GPT-2's split pattern. Special tokens come from {@code special_tokens_map.json} or
 * {@code tokenizer_config.json} when present, else {@code <|endoftext|>} if the vocabulary has
 * it.
 */
public final class HfVocabMerges {
  private HfVocabMerges() {}

  /**
   * Reads a folder with {@code vocab.json} and {@code merges.txt}.
   *
   * @param dir the folder
   * @return the tokenizer
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if a file is corrupt, naming the file and line
   */
  public static BytePairTokenizer load(Path dir) throws IOException {
    Path vocabFile = dir.resolve("vocab.json");
    Path mergesFile = dir.resolve("merges.txt");
    JsonNode vocabJson = JsonFiles.readObject(vocabFile);
    Map<String, Integer> vocab = new HashMap<>();
    Map<Integer, String> byId = new HashMap<>();
    int maxId = -1;
    Iterator<Map.Entry<String, JsonNode>> it = vocabJson.properties().iterator();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
        throw new TokenizerFormatException(
            vocabFile, "token " + StrictJson.key(e.getKey()) + " has id " + StrictJson.describe(v)
                + ", expected a non-negative integer below 2^31");
      }
      String other = byId.putIfAbsent(v.intValue(), e.getKey());
      if (other != null) {
        throw new TokenizerFormatException(
            vocabFile, "token " + StrictJson.key(e.getKey()) + " has id " + v.intValue()
                + ", already the id of " + StrictJson.key(other) + " (ids must be unique)");
      }
      vocab.put(e.getKey(), v.intValue());
      maxId = Math.max(maxId, v.intValue());
    }
    if ((long) maxId + 1 - vocab.size() > Math.max(1024, vocab.size())) {
      throw new TokenizerFormatException(
          vocabFile, vocab.size() + " tokens but ids up to " + maxId + " (a corrupt id?)");
    }
    // special tokens
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (String f : List.of("special_tokens_map.json", "tokenizer_config.json")) {
      Path p = dir.resolve(f);
      if (Files.exists(p)) {
        JsonNode n = JsonFiles.readObject(p);
        for (String k : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
          JsonNode v = n.path(k);
          String s = v.isTextual() ? v.asText() : v.path("content").asText(null);
          if (s != null && vocab.containsKey(s)) {
            specials.putIfAbsent(s, vocab.get(s));
          }
        }
      }
    }
    if (specials.isEmpty() && vocab.containsKey("<|endoftext|>")) {
      specials.put("<|endoftext|>", vocab.get("<|endoftext|>"));
    }
    byte[][] tokens = new byte[maxId + 1][];
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      if (specials.containsKey(e.getKey())) {
        continue;
      }
      byte[] b = ByteLevel.decode(e.getKey());
      tokens[e.getValue()] = b != null ? b : Utf8.bytes(e.getKey());
    }
    List<int[]> merges = new ArrayList<>();
    List<String> lines = Files.readAllLines(mergesFile, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
        continue;
      }
      int sp = line.indexOf(' ', 1);
      if (sp < 0 || line.indexOf(' ', sp + 1) >= 0) {
        throw new TokenizerFormatException(
            mergesFile + " line " + (i + 1) + ": expected two tokens separated by one space, got '"
                + line + "'");
      }
      Integer a = vocab.get(line.substring(0, sp));
      Integer b = vocab.get(line.substring(sp + 1));
      if (a == null || b == null) {
        throw new TokenizerFormatException(
            mergesFile + " line " + (i + 1) + ": '" + line
                + "' names a token that is not in vocab.json");
      }
      merges.add(new int[] {a, b});
    }
    OptionalInt eot = specials.containsKey("<|endoftext|>")
        ? OptionalInt.of(specials.get("<|endoftext|>")) : OptionalInt.empty();
    return BytePairTokenizer.fromMerges(
        dir.getFileName() == null ? dir.toString() : dir.getFileName().toString(), tokens, merges,
        false, Gpt2PreTokenizer.INSTANCE, specials, Map.of(), eot, eot, mergesFile.toString());
  }
}
