package dev.llmkit.examples.cli;

import dev.llmkit.model.generate.BeamHypothesis;
import dev.llmkit.model.generate.BeamSearch;
import dev.llmkit.model.generate.BeamSearchOptions;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.generate.TokenListener;
import dev.llmkit.model.t5.T5Decoder;
import dev.llmkit.model.t5.T5Gguf;
import dev.llmkit.model.t5.T5Model;
import dev.llmkit.model.t5.T5Weights;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.StreamingDecoder;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The encoder–decoder (T5) side of {@code llm logits} and {@code llm generate}: a Hugging Face folder
 * whose config.json says {@code model_type: t5} runs its encoder once on the input and its decoder
 * (conditioned on it) as the language model, starting from {@code decoder_start_token_id}; so does
 * llama.cpp's {@code t5} GGUF (its own vocabulary when it has one, else {@code --tokenizer} or ids).
 */
final class Seq2Seq {

  private Seq2Seq() {}

  /** True when {@code --model} names a T5 folder or a {@code t5} GGUF. */
  static boolean isT5(String model) {
    if (model.contains(":")) {
      return false;
    }
    Path p = Path.of(model);
    return Files.isDirectory(p) ? T5Weights.isT5Folder(p)
        : Files.isRegularFile(p) && T5Gguf.isT5(p);
  }

  /** The T5 of a folder or of a {@code t5} GGUF. */
  private static T5Model load(Path model) throws IOException {
    return Files.isDirectory(model) ? T5Model.load(model) : T5Gguf.load(model);
  }

  /** The T5 folder's tokenizer: {@code tokenizer} if given, else its tokenizer.json or spiece.model, else null. */
  static Tokenizer tokenizer(Path dir, Path tokenizer) throws IOException {
    if (tokenizer != null) {
      return Tokenizers.load(tokenizer);
    }
    if (!Files.isDirectory(dir)) {
      return T5Gguf.tokenizer(dir); // a GGUF: its t5 (SentencePiece Unigram) vocabulary, if any
    }
    for (String f : new String[] {"tokenizer.json", "spiece.model"}) {
      if (Files.isRegularFile(dir.resolve(f))) {
        return Tokenizers.load(dir.resolve(f));
      }
    }
    return null;
  }

  /** Decoder logits [T_dec, V] of encoder ids and decoder ids (teacher forcing). */
  static Tensor logits(String model, int[] encoderIds, int[] decoderIds) throws IOException {
    T5Model t5 = load(Path.of(model));
    try (InferenceSession s = t5.conditionedOn(encoderIds).newSession()) {
      return s.forwardAll(decoderIds, 0, decoderIds.length);
    }
  }

  /**
   * Generates from a T5 model: the encoder input is {@code promptIds} or the tokenized prompt
   * (with EOS appended, as T5 tokenizers do), the decoder starts from its start token.
   *
   * @param tokenizerPath a tokenizer to use instead of the folder's, or null
   * @param needText whether the output is text (then a tokenizer is required)
   */
  static GenerationResult generate(String model, Path tokenizerPath, String prompt, int[] promptIds,
      Sampler sampler, SamplingContext context, GenerationOptions options, boolean needText,
      TokenListener listener) throws IOException {
    Conditioned c = condition(model, tokenizerPath, prompt, promptIds, needText);
    Generator g = new Generator(c.decoder(), c.tokenizer(), sampler);
    return g.generate(c.decoder().startIds(), options.withAddBos(false), context, listener);
  }

  /** Beam search from a T5 model, the encoder input as {@link #generate} makes it. */
  static Beams beams(String model, Path tokenizerPath, String prompt, int[] promptIds,
      BeamSearchOptions beam, boolean needText) throws IOException {
    Conditioned c = condition(model, tokenizerPath, prompt, promptIds, needText);
    // every beam a row of one batch over the decoder view (SessionBatch); the model's EOS ends a
    // hypothesis
    T5Decoder d = c.decoder();
    int eos = d.config().eosTokenId();
    return new Beams(new BeamSearch(d).search(d.startIds(), beam,
        eos >= 0 ? java.util.Set.of(eos) : java.util.Set.of()), c.tokenizer(), eos);
  }

  /** The decoder conditioned on the encoder input, and the tokenizer its output is read with. */
  private record Conditioned(T5Decoder decoder, Tokenizer tokenizer) {}

  private static Conditioned condition(String model, Path tokenizerPath, String prompt,
      int[] promptIds, boolean needText) throws IOException {
    Path dir = Path.of(model);
    T5Model t5 = load(dir);
    Tokenizer tok = tokenizer(dir, tokenizerPath);
    if (tok == null && (needText || promptIds == null)) {
      throw new IllegalArgumentException("the model " + model + " has no tokenizer.json or spiece.model;"
          + " name one with --tokenizer, or pass --prompt-ids and --output ids");
    }
    int[] enc = promptIds;
    if (enc == null) {
      int[] text = tok.encode(prompt);
      int eos = t5.config().eosTokenId();
      enc = eos >= 0 && (text.length == 0 || text[text.length - 1] != eos)
          ? append(text, eos) : text;
    }
    return new Conditioned(t5.conditionedOn(enc),
        tok != null ? tok : new IdsOnly(t5.config().vocabSize(), t5.config().eosTokenId()));
  }

  /** What beam search returned, with the tokenizer that decodes it. */
  record Beams(java.util.List<BeamHypothesis> hypotheses, Tokenizer tokenizer, int eos) {}

  private static int[] append(int[] a, int id) {
    int[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = id;
    return out;
  }

  /** Ids written as " id" text: the generator's tokenizer when a model has none and ids are asked for. */
  static final class IdsOnly implements Tokenizer {
    private final int vocab;
    private final int eos;

    IdsOnly(int vocab, int eos) {
      this.vocab = vocab;
      this.eos = eos;
    }

    @Override
    public int[] encode(String text) {
      return LogitsCommand.parseIds(text);
    }

    @Override
    public int[] encode(String text, Set<String> allowedSpecial) {
      return encode(text);
    }

    @Override
    public String decode(int[] ids) {
      return Arrays.stream(ids).mapToObj(i -> " " + i).collect(Collectors.joining());
    }

    @Override
    public int vocabSize() {
      return vocab;
    }

    @Override
    public Map<String, Integer> specialTokens() {
      return Map.of();
    }

    @Override
    public OptionalInt bosId() {
      return OptionalInt.empty();
    }

    @Override
    public OptionalInt eosId() {
      return eos >= 0 ? OptionalInt.of(eos) : OptionalInt.empty();
    }

    @Override
    public StreamingDecoder streamingDecoder() {
      return new StreamingDecoder() {
        @Override
        public String push(int id) {
          return " " + id;
        }

        @Override
        public String flush() {
          return "";
        }
      };
    }
  }
}
