package dev.llmkit.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.tensor.Tensor;
import java.nio.file.Path;

/**
 * How a sentence embedding is made from an encoder's hidden states: the mean over the tokens
 * (sentence-transformers' {@code pooling_mode_mean_tokens}) or the [CLS] token's state
 * ({@code pooling_mode_cls_token}).
 */
public enum Pooling {
  /** Mean of the hidden states of every token of the sequence. */
  MEAN,
  /** The hidden state of the first token ([CLS]). */
  CLS;

  /** (B, C) one embedding per sequence of {@code out}, L2-normalised when {@code normalize}. */
  public float[][] apply(BertOutput out, boolean normalize) {
    Tensor pooled = this == MEAN ? out.mean() : out.cls();
    int c = pooled.dim(1);
    float[] flat = pooled.toArray();
    float[][] rows = new float[out.batch()][];
    for (int b = 0; b < rows.length; b++) {
      float[] r = java.util.Arrays.copyOfRange(flat, b * c, (b + 1) * c);
      if (normalize) {
        double ss = 0;
        for (float f : r) {
          ss += (double) f * f;
        }
        // sentence-transformers' Normalize: x / max(||x||, 1e-12)
        float inv = (float) (1.0 / Math.max(Math.sqrt(ss), 1e-12));
        for (int j = 0; j < c; j++) {
          r[j] *= inv;
        }
      }
      rows[b] = r;
    }
    return rows;
  }

  /** The mode of a sentence-transformers {@code 1_Pooling/config.json}. */
  static Pooling fromSentenceTransformers(JsonNode n, Path file) throws CheckpointFormatException {
    if (n.path("pooling_mode_mean_tokens").asBoolean(false)) {
      return MEAN;
    }
    if (n.path("pooling_mode_cls_token").asBoolean(false)) {
      return CLS;
    }
    throw new CheckpointFormatException(file,
        "no supported pooling mode set (expected pooling_mode_mean_tokens or pooling_mode_cls_token)");
  }

  ObjectNode toSentenceTransformers(int dim) {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("word_embedding_dimension", dim);
    o.put("pooling_mode_cls_token", this == CLS);
    o.put("pooling_mode_mean_tokens", this == MEAN);
    o.put("pooling_mode_max_tokens", false);
    o.put("pooling_mode_mean_sqrt_len_tokens", false);
    return o;
  }
}
