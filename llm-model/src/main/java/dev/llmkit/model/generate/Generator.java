package dev.llmkit.model.generate;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tokenizer.StreamingDecoder;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Text generation: a {@link LanguageModel}, its {@link Tokenizer} and a {@link Sampler}. The prompt
 * runs in one prefill pass, then one token at a time is sampled, streamed as text to a
 * {@link TokenListener}, and fed back, until a stop token, a stop string, the token limit or the end
 * of the context.
 *
 * <p>A generator holds no per-generation state: one instance serves any number of concurrent
 * generations (each call opens its own session; pass each its own {@link SamplingContext}).
 */
public final class Generator {

  private final LanguageModel model;
  private final Tokenizer tokenizer;
  private final Sampler sampler;

  /**
   * A generator of the given model, tokenizer and sampler (all shared, none copied).
   *
   * @throws IllegalArgumentException when the tokenizer's vocabulary is larger than the model's
   */
  public Generator(LanguageModel model, Tokenizer tokenizer, Sampler sampler) {
    this.model = Objects.requireNonNull(model, "model");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.sampler = Objects.requireNonNull(sampler, "sampler");
    checkVocabularies(model, tokenizer);
  }

  /** Throws when the tokenizer has more ids than the model (shared with batches). */
  static void checkVocabularies(LanguageModel model, Tokenizer tokenizer) {
    if (tokenizer.vocabSize() > model.vocabSize()) {
      throw new IllegalArgumentException(
          "the tokenizer has " + tokenizer.vocabSize() + " ids but the model only "
              + model.vocabSize());
    }
  }

  /** The model. */
  public LanguageModel model() {
    return model;
  }

  /** The tokenizer. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * Encodes the prompt (with BOS in front when the options ask for it, by the one rule of
   * {@link Bos}) and generates its continuation.
   */
  public GenerationResult generate(
      String prompt, GenerationOptions options, SamplingContext context, TokenListener listener) {
    Objects.requireNonNull(prompt, "prompt");
    int[] text = tokenizer.encode(prompt);
    int[] ids = options.addBos() ? Bos.prepend(model.config(), tokenizer, text) : text;
    return generate(ids, options, context, listener);
  }

  /**
   * Generates the continuation of the given prompt ids (taken as they are: no BOS is added).
   *
   * @param prompt the prompt ids; when empty, the tokenizer's BOS id (or the model's) starts the text
   * @param context the sampling context of this generation: its seed fixes the draws; the prompt
   *     and every generated id are appended to it
   * @throws IllegalArgumentException when the prompt is longer than the context and the options'
   *     overflow is STOP (naming both lengths), when the overflow is SHIFT and the model's positions
   *     are not rotary, when an id is outside the vocabulary, or when the
   *     prompt is empty and there is no BOS id
   */
  public GenerationResult generate(
      int[] prompt, GenerationOptions options, SamplingContext context, TokenListener listener) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(context, "context");
    TokenListener out = listener == null ? TokenListener.NONE : listener;
    int[] ids = prompt.length > 0 ? prompt : new int[] {bos()};
    if (ids.length > model.config().contextLength() && !options.slidingWindow()) {
      throw new IllegalArgumentException("the prompt has " + ids.length
          + " tokens, more than the context length " + model.config().contextLength()
          + " of the model; shorten it, or pass options.withContextOverflow(SLIDE or SHIFT)"
          + " (GenerationOptions.withContextOverflow) to keep only the last tokens");
    }
    // the KV cache sized once for the prompt and every token asked for (within the context), so it
    // never grows, copying itself, in the middle of the generation
    int need = (int) Math.min((long) ids.length + options.maxTokens(), model.config().contextLength());
    SessionOptions sessionOptions =
        new SessionOptions(options.contextOverflow(), options.keepFirst(), 0, need);
    try (InferenceSession session = model.newSession(sessionOptions)) {
      return generate(session, ids, options, context, out);
    }
  }

  /**
   * Generates in an open session of this generator's model: runs {@code ids} after the tokens the
   * session holds (whose KV cache is reused, as a chat reuses its earlier turns), then samples. The
   * session keeps the prompt and every generated token but the last (which was sampled, not run),
   * so a caller that goes on feeds that token first. What happens when the context is full follows
   * the session's own options; with {@link dev.llmkit.model.ContextOverflow#STOP} in
   * {@code options} the generation ends with {@link FinishReason#CONTEXT_FULL}.
   *
   * @param session an open session of {@link #model()}
   * @param ids the new prompt ids, at least one
   * @param context the sampling context: the caller has accepted what the session held; the new
   *     ids and every generated id are appended to it
   * @throws IllegalArgumentException when ids is empty, or when the session holds no room for
   *     them and the options' overflow is STOP
   */
  public GenerationResult generate(InferenceSession session, int[] ids, GenerationOptions options,
      SamplingContext context, TokenListener listener) {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(context, "context");
    if (session.model() != model) {
      throw new IllegalArgumentException("the session runs another model than this generator's");
    }
    if (ids.length == 0) {
      throw new IllegalArgumentException("ids must hold at least one token to run");
    }
    if (!options.slidingWindow() && session.position() + ids.length > model.contextLength()) {
      throw new IllegalArgumentException("the session holds " + session.position()
          + " tokens and the prompt has " + ids.length + ", more than the context length "
          + model.contextLength() + " of the model; shorten it, or pass"
          + " options.withContextOverflow(SLIDE or SHIFT) (GenerationOptions.withContextOverflow)");
    }
    TokenListener out = listener == null ? TokenListener.NONE : listener;
    Set<Integer> stops = stopTokens(model, tokenizer, options);
    StreamingDecoder decoder = tokenizer.streamingDecoder();
    for (int id : session.tokens()) {
      decoder.push(id); // the decoder sees what came before (leading-space rules, pending bytes)
    }
    for (int id : ids) {
      decoder.push(id);
    }
    TextStream text = new TextStream(options.stopStrings(), out);
    int[] generated = new int[Math.min(options.maxTokens(), 1024)];
    int n = 0;
    FinishReason reason = FinishReason.MAX_TOKENS;
    long start = System.nanoTime();
    long prefillEnd = start;
    float[] logits = session.forward(ids, 0, ids.length);
    context.acceptAll(ids);
    while (true) {
      int token = sampler.sample(logits, context);
      context.accept(token);
      if (n == generated.length) {
        generated = Arrays.copyOf(generated, Math.min(options.maxTokens(), 2 * n));
      }
      generated[n++] = token;
      if (n == 1) {
        prefillEnd = System.nanoTime();
      }
      if (stops.contains(token)) {
        out.onToken(token, "");
        reason = FinishReason.EOS;
        break;
      }
      if (text.append(token, decoder.push(token))) {
        reason = FinishReason.STOP_STRING;
        break;
      }
      if (n == options.maxTokens()) {
        reason = FinishReason.MAX_TOKENS;
        break;
      }
      if (!options.slidingWindow() && session.position() == model.contextLength()) {
        reason = FinishReason.CONTEXT_FULL;
        break;
      }
      logits = session.forward(generated, n - 1, 1);
    }
    if (reason != FinishReason.STOP_STRING) {
      text.finish(decoder.flush());
    }
    long end = System.nanoTime();
    return new GenerationResult(
        text.result(), Arrays.copyOf(generated, n), reason, ids.length, n, prefillEnd - start,
        end - prefillEnd);
  }

  private int bos() {
    return Bos.id(model.config(), tokenizer).orElseThrow(() -> new IllegalArgumentException(
        "the prompt is empty and neither the tokenizer nor the model has a BOS id to start from"));
  }

  /** The options' stop tokens, else the tokenizer's EOS id, else the model's (shared with batches). */
  static Set<Integer> stopTokens(
      LanguageModel model, Tokenizer tokenizer, GenerationOptions options) {
    if (options.stopTokens() != null) {
      return options.stopTokens();
    }
    return defaultStopTokens(model, tokenizer);
  }

  /**
   * The ids that end a generation when the options name none: the model's
   * ({@link dev.llmkit.model.config.ModelConfig#stopTokens}: EOS, and the end-of-turn ids of
   * generation_config.json or GGUF) and the tokenizer's EOS.
   */
  public static Set<Integer> defaultStopTokens(LanguageModel model, Tokenizer tokenizer) {
    Set<Integer> ids = new java.util.LinkedHashSet<>(model.config().stopTokens());
    tokenizer.eosId().ifPresent(ids::add);
    return Set.copyOf(ids);
  }

  /**
   * The generated text so far, what has been streamed, and the stop-string check: text that could
   * still become the start of a stop string is held back until it cannot.
   */
  static final class TextStream {
    private final List<String> stopStrings;
    private final TokenListener listener;
    private final StringBuilder all = new StringBuilder();
    private int emitted;
    private int resultLength = -1;

    TextStream(List<String> stopStrings, TokenListener listener) {
      this.stopStrings = stopStrings;
      this.listener = listener;
    }

    /** Adds a token's text; returns true when a stop string is now complete. */
    boolean append(int token, String piece) {
      int searchFrom = all.length();
      all.append(piece);
      int stopAt = -1;
      for (String s : stopStrings) {
        int i = all.indexOf(s, Math.max(0, searchFrom - s.length() + 1));
        if (i >= 0 && (stopAt < 0 || i < stopAt)) {
          stopAt = i;
        }
      }
      if (stopAt >= 0) {
        emit(token, Math.max(stopAt, emitted));
        resultLength = stopAt;
        return true;
      }
      emit(token, all.length() - heldBack());
      return false;
    }

    /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
    private int heldBack() {
      int held = 0;
      for (String s : stopStrings) {
        for (int len = Math.min(s.length() - 1, all.length() - emitted); len > held; len--) {
          if (startsWith(s, all, all.length() - len, len)) {
            held = len;
            break;
          }
        }
      }
      return held;
    }

    private static boolean startsWith(String s, CharSequence text, int from, int len) {
      for (int i = 0; i < len; i++) {
        if (text.charAt(from + i) != s.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private void emit(int token, int upTo) {
      listener.onToken(token, all.substring(emitted, upTo));
      emitted = upTo;
    }

    /** Ends the text (no stop string seen): releases what was held back plus the decoder's rest. */
    void finish(String rest) {
      all.append(rest);
      if (emitted < all.length()) {
        emit(-1, all.length());
      }
    }

    String result() {
      return resultLength >= 0 ? all.substring(0, resultLength) : all.toString();
    }
  }
}
