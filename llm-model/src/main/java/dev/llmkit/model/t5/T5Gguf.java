package dev.llmkit.model.t5;

import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.gguf.GgufFile;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.gguf.GgufTokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * llama.cpp's {@code t5} GGUF (as its {@code convert_hf_to_gguf.py}, class T5Model, writes a
 * T5ForConditionalGeneration): the shape from {@code t5.*} metadata ({@code context_length},
 * {@code embedding_length}, {@code feed_forward_length}, {@code block_count} for the encoder,
 * {@code decoder_block_count} when present (else the encoder's), {@code attention.head_count},
 * {@code attention.key_length}, {@code attention.relative_buckets_count},
 * {@code attention.layer_norm_rms_epsilon}, {@code decoder_start_token_id}, the eos and padding
 * token ids) and the tensors under llama.cpp's names ({@code token_embd}, {@code enc.blk.N.attn_q|k|v|o},
 * {@code attn_rel_b} of block 0, {@code attn_norm}, {@code ffn_norm}, {@code ffn_gate|up|down},
 * {@code enc.output_norm}, {@code dec.blk.N.*} with {@code cross_attn_*}, {@code dec.output_norm},
 * {@code output}). As llama.cpp decides: gated-gelu when {@code enc.blk.0.ffn_gate} exists, else
 * relu; an untied head when {@code output} exists, else the tied embedding; the relative bias's
 * max distance is 128 (GGUF has no key for it). F32 and F16 tensors (and the quantized types
 * GgufFile dequantizes) load as float32.
 */
public final class T5Gguf {

  /** {@code general.architecture} of a T5 GGUF. */
  public static final String ARCHITECTURE = "t5";

  /** The relative-attention max distance llama.cpp always uses. */
  static final int MAX_DISTANCE = 128;

  private T5Gguf() {}

  /** Whether {@code file} is a GGUF whose {@code general.architecture} is {@code t5}. */
  public static boolean isT5(Path file) {
    try (GgufFile g = GgufFile.open(file)) {
      return ARCHITECTURE.equals(g.string("general.architecture"));
    } catch (IOException | RuntimeException e) {
      return false; // not a readable GGUF: whoever loads it reports why
    }
  }

  /**
   * The vocabulary a {@code t5} GGUF carries ({@code tokenizer.ggml.model = "t5"}: the SentencePiece
   * Unigram model with its precompiled normalisation rules, as {@code convert_hf_to_gguf.py} writes
   * it), or null when the file has none.
   *
   * @param file the GGUF
   * @return the tokenizer, or null
   * @throws IOException if the file cannot be read
   */
  public static Tokenizer tokenizer(Path file) throws IOException {
    try (GgufFile g = GgufFile.open(file)) {
      if (g.string("tokenizer.ggml.model") == null) {
        return null;
      }
      return GgufTokenizers.fromMetadata(g.header());
    }
  }

  /** The model of a {@code t5} GGUF; see {@link #weights}. */
  public static T5Model load(Path file) throws IOException {
    return new T5Model(weights(file));
  }

  /**
   * Loads the weights under their Hugging Face names.
   *
   * @throws CheckpointFormatException if the file is not a {@code t5} GGUF, lacks a required
   *     metadata value, or a tensor is missing or misshapen (naming it as llama.cpp names it)
   */
  public static T5Weights weights(Path file) throws IOException {
    try (GgufFile g = GgufFile.open(file)) {
      String arch = g.string("general.architecture");
      if (!ARCHITECTURE.equals(arch)) {
        throw new CheckpointFormatException(file, "general.architecture '" + arch
            + "' is not an encoder-decoder GGUF (expected t5)");
      }
      if (!g.tensors().containsKey("token_embd.weight")) {
        throw new CheckpointFormatException(file, "tensor 'token_embd.weight' is missing");
      }
      T5Config c;
      try {
        int encoder = g.requiredInt("t5.block_count");
        c = T5Config.builder()
            .vocabSize((int) g.shape("token_embd.weight")[0])
            .dModel(g.requiredInt("t5.embedding_length"))
            .dFf(g.requiredInt("t5.feed_forward_length"))
            .numLayers(encoder)
            .numDecoderLayers((int) g.integer("t5.decoder_block_count", encoder))
            .numHeads(g.requiredInt("t5.attention.head_count"))
            .dKv(g.requiredInt("t5.attention.key_length"))
            .numBuckets((int) g.integer("t5.attention.relative_buckets_count", 32))
            .maxDistance(MAX_DISTANCE)
            .layerNormEps((float) g.number("t5.attention.layer_norm_rms_epsilon", 1e-6))
            .feedForward(g.tensors().containsKey("enc.blk.0.ffn_gate.weight")
                ? T5Config.FeedForward.GATED_GELU : T5Config.FeedForward.RELU)
            .tiedEmbeddings(!g.tensors().containsKey("output.weight"))
            .decoderStartTokenId((int) g.integer("t5.decoder_start_token_id", 0))
            .eosTokenId((int) g.integer("tokenizer.ggml.eos_token_id", 1))
            .padTokenId((int) g.integer("tokenizer.ggml.padding_token_id", 0))
            .contextLength((int) g.integer("t5.context_length", 512))
            .build();
      } catch (IllegalArgumentException e) {
        throw new CheckpointFormatException(file, e.getMessage(), e);
      }
      TensorLoader in = new TensorLoader(g);
      Map<String, String> names = names(c);
      Map<String, Tensor> m = new LinkedHashMap<>();
      for (Map.Entry<String, int[]> e : T5Weights.layout(c).entrySet()) {
        String gg = names.get(e.getKey());
        if (!g.tensors().containsKey(gg)) {
          throw new CheckpointFormatException(file, "tensor '" + gg + "' is missing (the Hugging "
              + "Face " + e.getKey() + ")");
        }
        m.put(e.getKey(), in.load(gg, e.getValue()));
      }
      return new T5Weights(c, m);
    }
  }

  /** llama.cpp's name of each Hugging Face T5 tensor of a config (gguf-py's MODEL_ARCH.T5 map). */
  static Map<String, String> names(T5Config c) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("shared", "token_embd");
    for (int i = 0; i < c.numLayers(); i++) {
      String h = "encoder.block." + i + ".layer.";
      String b = "enc.blk." + i + ".";
      attention(m, h + "0.SelfAttention.", b + "attn_");
      m.put(h + "0.layer_norm", b + "attn_norm");
      ffn(m, h + "1.DenseReluDense.", b);
      m.put(h + "1.layer_norm", b + "ffn_norm");
    }
    m.put("encoder.final_layer_norm", "enc.output_norm");
    for (int i = 0; i < c.numDecoderLayers(); i++) {
      String h = "decoder.block." + i + ".layer.";
      String b = "dec.blk." + i + ".";
      attention(m, h + "0.SelfAttention.", b + "attn_");
      m.put(h + "0.layer_norm", b + "attn_norm");
      attention(m, h + "1.EncDecAttention.", b + "cross_attn_");
      m.put(h + "1.layer_norm", b + "cross_attn_norm");
      ffn(m, h + "2.DenseReluDense.", b);
      m.put(h + "2.layer_norm", b + "ffn_norm");
    }
    m.put("decoder.final_layer_norm", "dec.output_norm");
    m.put("lm_head", "output");
    Map<String, String> full = new LinkedHashMap<>();
    m.forEach((hf, gg) -> full.put(hf + ".weight", gg + ".weight"));
    return full;
  }

  private static void attention(Map<String, String> m, String hf, String gg) {
    for (String p : new String[] {"q", "k", "v", "o"}) {
      m.put(hf + p, gg + p);
    }
    m.put(hf + "relative_attention_bias", gg + "rel_b");
  }

  private static void ffn(Map<String, String> m, String hf, String b) {
    m.put(hf + "wi", b + "ffn_up"); // relu
    m.put(hf + "wi_0", b + "ffn_gate"); // gated-gelu: gelu(wi_0 x) * wi_1 x
    m.put(hf + "wi_1", b + "ffn_up");
    m.put(hf + "wo", b + "ffn_down");
  }
}
