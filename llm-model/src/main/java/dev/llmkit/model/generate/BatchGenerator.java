package dev.llmkit.model.generate;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tokenizer.StreamingDecoder;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Batched generation: many sequences advanced together, one batched forward pass per step for all
 * of them (a {@link BatchSession}: the weights are read once per step), each with its own sampler,
 * seed, stop rules and limit. A sequence that finishes leaves the batch at once and the next waiting
 * request takes its row; identical prompts that start together are run once and copied.
 *
 * <p>Each sequence's tokens equal those of {@link Generator} run alone on the same request (same
 * sampler, same seed): the batched forward computes every row as a single session does.
 *
 * <p>Holds no per-generation state: one instance serves any number of calls.
 */
public final class BatchGenerator {

  private final LanguageModel model;
  private final Tokenizer tokenizer;

  /**
   * @throws IllegalArgumentException when the tokenizer's vocabulary is larger than the model's
   */
  public BatchGenerator(LanguageModel model, Tokenizer tokenizer) {
    this.model = Objects.requireNonNull(model, "model");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    Generator.checkVocabularies(model, tokenizer);
  }

  /** The model. */
  public LanguageModel model() {
    return model;
  }

  /**
   * The prompt's ids as {@link Generator#generate(String, GenerationOptions, SamplingContext,
   * TokenListener)} encodes them (BOS in front when the options ask for it).
   */
  public int[] encode(String prompt, GenerationOptions options) {
    Objects.requireNonNull(prompt, "prompt");
    int[] text = tokenizer.encode(prompt);
    int[] ids = options.addBos() ? Bos.prepend(model.config(), tokenizer, text) : text;
    if (ids.length == 0) {
      ids = new int[] {Bos.id(model.config(), tokenizer).orElseThrow(() ->
          new IllegalArgumentException("the prompt is empty and neither the tokenizer nor the model"
              + " has a BOS id to start from"))};
    }
    return ids;
  }

  /**
   * n continuations of one prompt in one batch, sequence i drawn with seed {@code seed + i}.
   *
   * @throws IllegalArgumentException when n is below 1
   */
  public List<BatchResult> samples(
      String prompt, int n, GenerationOptions options, Sampler sampler, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException("the number of samples must be >= 1, got " + n);
    }
    int[] ids = encode(prompt, options);
    List<BatchRequest> requests = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      requests.add(BatchRequest.of(ids, options, sampler, seed + i));
    }
    return generate(requests, n);
  }

  /** Every request in one batch ({@link #generate(List, int)} with maxBatch = requests.size()). */
  public List<BatchResult> generate(List<BatchRequest> requests) {
    return generate(requests, Math.max(1, requests.size()));
  }

  /**
   * Generates every request, at most {@code maxBatch} at a time: when a sequence finishes, the next
   * waiting request takes its row.
   *
   * @return one result per request, in the requests' order
   * @throws IllegalArgumentException when maxBatch is below 1, or a prompt is longer than the
   *     context length or holds an id outside the vocabulary (naming the request)
   */
  public List<BatchResult> generate(List<BatchRequest> requests, int maxBatch) {
    Objects.requireNonNull(requests, "requests");
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
    }
    int ctx = model.contextLength();
    int need = 0;
    for (int i = 0; i < requests.size(); i++) {
      BatchRequest r = Objects.requireNonNull(requests.get(i), "request " + i);
      if (r.prompt().length > ctx) {
        throw new IllegalArgumentException("the prompt of request " + i + " has "
            + r.prompt().length + " tokens, more than the context length " + ctx);
      }
      int[] p = r.prompt();
      for (int j = 0; j < p.length; j++) {
        if (p[j] < 0 || p[j] >= model.vocabSize()) {
          throw new IllegalArgumentException("request " + i + ": token id " + p[j] + " at index " + j
              + " is outside the vocabulary [0, " + model.vocabSize() + ")");
        }
      }
      need = (int) Math.max(need, Math.min((long) r.prompt().length + r.options().maxTokens(), ctx));
    }
    BatchResult[] results = new BatchResult[requests.size()];
    if (requests.isEmpty()) {
      return List.of();
    }
    int rows = Math.min(maxBatch, requests.size());
    Sequence[] active = new Sequence[rows];
    int[] stepRows = new int[rows];
    int[] stepIds = new int[rows];
    float[][] scratch = new float[2][model.vocabSize()];
    int nextRequest = 0;
    try (BatchSession session = model.newBatchSession(rows, new SessionOptions(false, 0, need))) {
      while (true) {
        // free rows take waiting requests; identical prompts starting together run once
        for (int row = 0; row < rows && nextRequest < requests.size(); row++) {
          if (active[row] != null) {
            continue;
          }
          int index = nextRequest++;
          Sequence seq = new Sequence(index, requests.get(index));
          active[row] = seq;
          session.reset(row);
          int twin = twinOf(active, row, seq);
          try {
            if (twin >= 0) {
              session.copy(twin, row);
            } else {
              session.prefill(row, seq.request.prompt(), 0, seq.request.prompt().length);
            }
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("request " + index + ": " + e.getMessage(), e);
          }
          seq.request.context().acceptAll(seq.request.prompt());
          if (seq.accept(session.logits(row), scratch, session.position(row))) {
            results[index] = seq.finish();
            active[row] = null;
            row--; // the row is free again
          }
        }
        int n = 0;
        for (int row = 0; row < rows; row++) {
          if (active[row] != null) {
            stepRows[n] = row;
            stepIds[n] = active[row].last();
            n++;
          }
        }
        if (n == 0) {
          break;
        }
        float[][] logits = session.step(stepRows, stepIds, n);
        for (int i = 0; i < n; i++) {
          int row = stepRows[i];
          Sequence seq = active[row];
          if (seq.accept(logits[i], scratch, session.position(row))) {
            results[seq.index] = seq.finish();
            active[row] = null;
          }
        }
      }
    }
    return Arrays.asList(results);
  }

  /** A row started in this round (nothing generated yet) with the same prompt, or -1. */
  private static int twinOf(Sequence[] active, int row, Sequence seq) {
    for (int r = 0; r < row; r++) {
      Sequence o = active[r];
      if (o != null && o.generated == 1 && o.fresh
          && Arrays.equals(o.request.prompt(), seq.request.prompt())) {
        return r;
      }
    }
    return -1;
  }

  /** One sequence in flight: its text stream, generated ids and their logprobs. */
  private final class Sequence {
    final int index;
    final BatchRequest request;
    final Set<Integer> stops;
    final StreamingDecoder decoder;
    final Generator.TextStream text;
    int[] tokens;
    float[] logprobs;
    int generated;
    /** True until the batch takes its first step after this sequence started. */
    boolean fresh = true;
    FinishReason reason = FinishReason.MAX_TOKENS;
    final long start = System.nanoTime();
    long firstToken;

    Sequence(int index, BatchRequest request) {
      this.index = index;
      this.request = request;
      this.stops = Generator.stopTokens(model, tokenizer, request.options());
      this.decoder = tokenizer.streamingDecoder();
      for (int id : request.prompt()) {
        decoder.push(id);
      }
      this.text = new Generator.TextStream(request.options().stopStrings(), request.listener());
      int cap = Math.min(request.options().maxTokens(), 256);
      this.tokens = new int[cap];
      this.logprobs = new float[cap];
    }

    /** The last generated id, fed at the next step. */
    int last() {
      fresh = false;
      return tokens[generated - 1];
    }

    /** Samples the next id from the logits; true when the sequence is finished. */
    boolean accept(float[] logits, float[][] scratch, int position) {
      // the sampler may change what it gets: a copy, in scratch[0]
      System.arraycopy(logits, 0, scratch[0], 0, logits.length);
      SamplingContext context = request.context();
      int token = request.sampler().sample(scratch[0], context);
      context.accept(token);
      if (generated == tokens.length) {
        int cap = Math.min(request.options().maxTokens(), 2 * generated);
        tokens = Arrays.copyOf(tokens, cap);
        logprobs = Arrays.copyOf(logprobs, cap);
      }
      tokens[generated] = token;
      // log softmax of the raw logits, in scratch[1]
      BeamSearch.logSoftmax(logits, scratch[1]);
      logprobs[generated] = scratch[1][token];
      generated++;
      if (generated == 1) {
        firstToken = System.nanoTime();
      }
      if (stops.contains(token)) {
        request.listener().onToken(token, "");
        reason = FinishReason.EOS;
        return true;
      }
      if (text.append(token, decoder.push(token))) {
        reason = FinishReason.STOP_STRING;
        return true;
      }
      if (generated == request.options().maxTokens()) {
        reason = FinishReason.MAX_TOKENS;
        return true;
      }
      if (position == model.contextLength()) {
        reason = FinishReason.CONTEXT_FULL;
        return true;
      }
      return false;
    }

    BatchResult finish() {
      if (reason != FinishReason.STOP_STRING) {
        text.finish(decoder.flush());
      }
      long end = System.nanoTime();
      GenerationResult g = new GenerationResult(text.result(), Arrays.copyOf(tokens, generated),
          reason, request.prompt().length, generated, firstToken - start, end - firstToken);
      return new BatchResult(g, Arrays.copyOf(logprobs, generated));
    }
  }
}
