package dev.llmkit.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.io.safetensors.SafetensorsWriter;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hugging Face BERT folders: {@code config.json} plus {@code model.safetensors} (or its shards)
 * under the names of {@code BertModel} (no prefix), {@code BertForMaskedLM} /
 * {@code BertForPreTraining} ({@code bert.} prefix, {@code cls.predictions.*}) and
 * {@code BertForSequenceClassification} ({@code bert.} prefix, {@code classifier}); and the
 * sentence-transformers layout around them ({@code modules.json}, {@code 1_Pooling/config.json}:
 * pooling mode and normalisation). Saving writes the Hugging Face layout with the {@code bert.}
 * prefix whenever there is a head.
 */
public final class BertCheckpoint {

  private static final Logger LOG = LoggerFactory.getLogger(BertCheckpoint.class);

  private BertCheckpoint() {}

  /** A loaded folder: the weights and the sentence-embedding settings it names. */
  public record Loaded(BertWeights weights, Pooling pooling, boolean normalize) {}

  /**
   * Loads a folder.
   *
   * @throws CheckpointFormatException naming the file and tensor when a tensor is missing or has
   *     the wrong shape, or a config field is wrong
   */
  public static Loaded load(Path dir) throws IOException {
    BertConfig config = BertConfig.read(dir.resolve(BertConfig.FILE));
    BertWeights weights;
    try (TensorSource source = HuggingFaceCheckpoint.openTensors(dir)) {
      weights = load(new TensorLoader(source), config);
    }
    Pooling pooling = Pooling.CLS;
    boolean normalize = false;
    Path modules = dir.resolve("modules.json");
    if (Files.isRegularFile(modules)) {
      ObjectMapper json = new ObjectMapper();
      JsonNode list = json.readTree(modules.toFile());
      pooling = Pooling.MEAN;
      for (JsonNode m : list) {
        String type = m.path("type").asText();
        Path path = dir.resolve(m.path("path").asText());
        if (type.endsWith("models.Pooling")) {
          Path pc = path.resolve("config.json");
          if (!Files.isRegularFile(pc)) {
            throw new CheckpointFormatException(pc, "is missing (modules.json names a Pooling module)");
          }
          pooling = Pooling.fromSentenceTransformers(json.readTree(pc.toFile()), pc);
        } else if (type.endsWith("models.Normalize")) {
          normalize = true;
        }
      }
    }
    return new Loaded(weights, pooling, normalize);
  }

  /**
   * Reads BERT weights with or without the {@code bert.} prefix; heads are read when present.
   *
   * @throws CheckpointFormatException if a tensor is missing or misshapen
   */
  public static BertWeights load(TensorLoader in, BertConfig c) throws IOException {
    String p = in.has("bert.embeddings.word_embeddings.weight") ? "bert." : "";
    int v = c.vocabSize();
    int d = c.hidden();
    int h = c.intermediate();
    Tensor word = in.load(p + "embeddings.word_embeddings.weight", v, d);
    Tensor pos = in.load(p + "embeddings.position_embeddings.weight", c.maxPositions(), d);
    Tensor type = in.load(p + "embeddings.token_type_embeddings.weight", c.typeVocabSize(), d);
    Tensor lnW = in.load(p + "embeddings.LayerNorm.weight", d);
    Tensor lnB = in.load(p + "embeddings.LayerNorm.bias", d);
    if (in.has(p + "embeddings.position_ids")) {
      in.markUsed(p + "embeddings.position_ids");
    }
    List<LayerWeights> layers = new ArrayList<>();
    for (int i = 0; i < c.layers(); i++) {
      String l = p + "encoder.layer." + i + ".";
      String a = l + "attention.";
      layers.add(new LayerWeights(
          in.load(a + "output.LayerNorm.weight", d), in.load(a + "output.LayerNorm.bias", d),
          in.load(a + "self.query.weight", d, d), in.load(a + "self.query.bias", d),
          in.load(a + "self.key.weight", d, d), in.load(a + "self.key.bias", d),
          in.load(a + "self.value.weight", d, d), in.load(a + "self.value.bias", d),
          in.load(a + "output.dense.weight", d, d), in.load(a + "output.dense.bias", d),
          in.load(l + "output.LayerNorm.weight", d), in.load(l + "output.LayerNorm.bias", d),
          in.load(l + "intermediate.dense.weight", h, d), in.load(l + "intermediate.dense.bias", h),
          null,
          in.load(l + "output.dense.weight", d, h), in.load(l + "output.dense.bias", d)));
    }
    BertWeights.Dense pooler = in.has(p + "pooler.dense.weight")
        ? new BertWeights.Dense(in.load(p + "pooler.dense.weight", d, d),
            in.load(p + "pooler.dense.bias", d))
        : null;
    BertWeights.MlmHead mlm = null;
    if (in.has("cls.predictions.bias") || in.has("cls.predictions.transform.dense.weight")) {
      String m = "cls.predictions.";
      Tensor decoder = null;
      if (in.has(m + "decoder.weight")) {
        decoder = in.load(m + "decoder.weight", v, d);
      }
      if (in.has(m + "decoder.bias")) {
        in.markUsed(m + "decoder.bias"); // the same tensor as cls.predictions.bias, tied
      }
      mlm = new BertWeights.MlmHead(
          new BertWeights.Dense(in.load(m + "transform.dense.weight", d, d),
              in.load(m + "transform.dense.bias", d)),
          in.load(m + "transform.LayerNorm.weight", d), in.load(m + "transform.LayerNorm.bias", d),
          decoder, in.load(m + "bias", v));
    }
    for (String n : List.of("cls.seq_relationship.weight", "cls.seq_relationship.bias")) {
      if (in.has(n)) {
        in.markUsed(n); // BertForPreTraining's next-sentence head: not used
      }
    }
    BertWeights.Dense classifier = null;
    BertConfig config = c;
    if (in.has("classifier.weight")) {
      long[] s = in.source().shape("classifier.weight");
      int labels = c.labels().isEmpty() ? (int) s[0] : c.labels().size();
      classifier = new BertWeights.Dense(in.load("classifier.weight", labels, d),
          in.load("classifier.bias", labels));
      if (c.labels().isEmpty()) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < labels; i++) {
          names.add("LABEL_" + i);
        }
        config = c.withLabels(names);
      }
    }
    if (!in.unused().isEmpty()) {
      LOG.warn("{}: unused tensors {}", in.source().file(p + "embeddings.word_embeddings.weight"),
          in.unused());
    }
    try {
      return new BertWeights(config, word, pos, type, lnW, lnB, layers, pooler, mlm, classifier);
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(in.source().file(""), e.getMessage(), e);
    }
  }

  /** The weights under Hugging Face names ({@code bert.} prefixed when there is a head). */
  public static Map<String, Tensor> toHf(BertWeights w) {
    boolean head = w.mlm() != null || w.classifier() != null;
    String p = head ? "bert." : "";
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put(p + "embeddings.word_embeddings.weight", w.wordEmbeddings());
    m.put(p + "embeddings.position_embeddings.weight", w.positionEmbeddings());
    m.put(p + "embeddings.token_type_embeddings.weight", w.tokenTypeEmbeddings());
    m.put(p + "embeddings.LayerNorm.weight", w.embeddingNormWeight());
    m.put(p + "embeddings.LayerNorm.bias", w.embeddingNormBias());
    for (int i = 0; i < w.layers().size(); i++) {
      LayerWeights l = w.layers().get(i);
      String n = p + "encoder.layer." + i + ".";
      m.put(n + "attention.self.query.weight", l.wq());
      m.put(n + "attention.self.query.bias", l.bq());
      m.put(n + "attention.self.key.weight", l.wk());
      m.put(n + "attention.self.key.bias", l.bk());
      m.put(n + "attention.self.value.weight", l.wv());
      m.put(n + "attention.self.value.bias", l.bv());
      m.put(n + "attention.output.dense.weight", l.wo());
      m.put(n + "attention.output.dense.bias", l.bo());
      m.put(n + "attention.output.LayerNorm.weight", l.attnNormWeight());
      m.put(n + "attention.output.LayerNorm.bias", l.attnNormBias());
      m.put(n + "intermediate.dense.weight", l.w1());
      m.put(n + "intermediate.dense.bias", l.b1());
      m.put(n + "output.dense.weight", l.w2());
      m.put(n + "output.dense.bias", l.b2());
      m.put(n + "output.LayerNorm.weight", l.mlpNormWeight());
      m.put(n + "output.LayerNorm.bias", l.mlpNormBias());
    }
    if (w.pooler() != null) {
      m.put(p + "pooler.dense.weight", w.pooler().weight());
      m.put(p + "pooler.dense.bias", w.pooler().bias());
    }
    if (w.mlm() != null) {
      BertWeights.MlmHead h = w.mlm();
      m.put("cls.predictions.transform.dense.weight", h.transform().weight());
      m.put("cls.predictions.transform.dense.bias", h.transform().bias());
      m.put("cls.predictions.transform.LayerNorm.weight", h.normWeight());
      m.put("cls.predictions.transform.LayerNorm.bias", h.normBias());
      m.put("cls.predictions.bias", h.decoderBias());
      if (h.decoder() != null) {
        m.put("cls.predictions.decoder.weight", h.decoder());
      }
    }
    if (w.classifier() != null) {
      m.put("classifier.weight", w.classifier().weight());
      m.put("classifier.bias", w.classifier().bias());
    }
    return m;
  }

  /** The {@code architectures} entry of these weights. */
  public static String architecture(BertWeights w) {
    if (w.classifier() != null) {
      return "BertForSequenceClassification";
    }
    return w.mlm() != null ? "BertForMaskedLM" : "BertModel";
  }

  /**
   * Saves in the Hugging Face layout: config.json and model.safetensors; with
   * {@code pooling} non-null also the sentence-transformers files (modules.json,
   * 1_Pooling/config.json, and a Normalize module when {@code normalize}).
   */
  public static void save(Path dir, BertWeights w, Pooling pooling, boolean normalize)
      throws IOException {
    Files.createDirectories(dir);
    w.config().write(dir, architecture(w));
    SafetensorsWriter.write(dir.resolve(SafetensorsWriter.SINGLE_FILE), toHf(w),
        Map.of("format", "pt"));
    if (pooling != null) {
      ObjectMapper json = new ObjectMapper();
      var modules = json.createArrayNode();
      modules.addObject().put("idx", 0).put("name", "0").put("path", "")
          .put("type", "sentence_transformers.models.Transformer");
      modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling")
          .put("type", "sentence_transformers.models.Pooling");
      if (normalize) {
        modules.addObject().put("idx", 2).put("name", "2").put("path", "2_Normalize")
            .put("type", "sentence_transformers.models.Normalize");
        Files.createDirectories(dir.resolve("2_Normalize"));
      }
      Files.writeString(dir.resolve("modules.json"), modules.toPrettyString() + "\n");
      Path pool = Files.createDirectories(dir.resolve("1_Pooling"));
      Files.writeString(pool.resolve("config.json"),
          pooling.toSentenceTransformers(w.config().hidden()).toPrettyString() + "\n");
    }
  }
}
