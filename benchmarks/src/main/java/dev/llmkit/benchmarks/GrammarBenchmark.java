package dev.llmkit.benchmarks;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.sampling.grammar.Grammar;
import dev.llmkit.sampling.grammar.GrammarConstraint;
import dev.llmkit.sampling.grammar.JsonSchemaGrammar;
import dev.llmkit.sampling.grammar.TokenVocabulary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One grammar-constrained sampling step against one unconstrained step, on a real 128k vocabulary:
 * the first 128,256 ids (Llama 3's vocabulary size) of OpenAI's o200k_base, each token's bytes from
 * jtokkit. The grammar is a JSON Schema (an object with a string, an integer and an enum) and the
 * generation stands at {@code state}: inside a string value (nearly every token is allowed: the
 * hard case for the trie walk), after a key (only ':'-led tokens), or inside an integer.
 *
 * <ul>
 *   <li>{@code unconstrained}: copy the logits, temperature-1 random draw (llm-sampling's chain).
 *   <li>{@code constrained}: the same with the GrammarConstraint first; the state's mask is cached
 *       (as in a generation once the state has been met: inside a string it repeats every token).
 *   <li>{@code constrainedCold}: a fresh constraint every call, so the step includes the full trie
 *       walk of a state never seen (the vocabulary's trie is shared and prebuilt).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GrammarBenchmark {

  static final int VOCAB = 128_256;

  @Param({"inString", "afterKey", "inNumber"})
  String state;

  float[] logits;
  float[] work;
  Sampler unconstrained;
  Sampler constrained;
  SamplingContext unconstrainedContext;
  SamplingContext constrainedContext;
  TokenVocabulary vocabulary;
  Grammar grammar;
  int[] prefix;

  @Setup
  public void setup() {
    Encoding o200k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    byte[][] pieces = new byte[VOCAB][];
    IntArrayList one = new IntArrayList(1);
    one.add(0);
    for (int id = 0; id < VOCAB; id++) {
      one.set(0, id);
      try {
        pieces[id] = o200k.decodeBytes(one);
      } catch (RuntimeException unused) {
        pieces[id] = null;
      }
    }
    int eos = VOCAB - 1; // stands in for the end-of-sequence id
    pieces[eos] = null;
    vocabulary = TokenVocabulary.of(pieces, eos);
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("name", Map.of("type", "string"));
    properties.put("age", Map.of("type", "integer"));
    properties.put("role", Map.of("enum", List.of("admin", "user")));
    grammar = JsonSchemaGrammar.toGrammar(Map.of(
        "type", "object", "properties", properties, "required", List.of("name", "age", "role")));
    String text = switch (state) {
      case "inString" -> "{\"name\": \"Ada Love";
      case "afterKey" -> "{\"name\"";
      case "inNumber" -> "{\"name\": \"Ada\", \"age\": 3";
      default -> throw new IllegalArgumentException(state);
    };
    // the prefix one character per token (single ASCII characters have ids far below 128,256)
    prefix = new int[text.length()];
    for (int i = 0; i < text.length(); i++) {
      prefix[i] = o200k.encodeOrdinary(text.substring(i, i + 1)).get(0);
    }
    logits = SamplerBenchmark.gaussianLogits(VOCAB, 17);
    work = new float[VOCAB];
    SamplerConfig config = SamplerConfig.builder().seed(42).build();
    unconstrained = config.build();
    unconstrainedContext = new SamplingContext(42, prefix);
    GrammarConstraint constraint = new GrammarConstraint(grammar, vocabulary);
    constrained = Samplers.chain(Samplers.random(), List.of(constraint));
    constrainedContext = new SamplingContext(42);
    primed(constraint, constrainedContext);
  }

  /** Shows the constraint an empty history (the prompt), then the prefix tokens. */
  void primed(GrammarConstraint c, SamplingContext context) {
    c.process(new float[VOCAB], context);
    context.acceptAll(prefix);
  }

  /** A constraint that has seen the prefix but no step yet: its state's mask is not cached. */
  @State(Scope.Thread)
  public static class Cold {
    Sampler sampler;
    SamplingContext context;

    @Setup(Level.Invocation)
    public void freshConstraint(GrammarBenchmark b) {
      GrammarConstraint c = new GrammarConstraint(b.grammar, b.vocabulary);
      context = new SamplingContext(42);
      b.primed(c, context);
      sampler = Samplers.chain(Samplers.random(), List.of(c));
    }
  }

  @Benchmark
  public int unconstrained() {
    System.arraycopy(logits, 0, work, 0, VOCAB);
    return unconstrained.sample(work, unconstrainedContext);
  }

  @Benchmark
  public int constrained() {
    System.arraycopy(logits, 0, work, 0, VOCAB);
    return constrained.sample(work, constrainedContext);
  }

  @Benchmark
  public int constrainedCold(Cold cold) {
    System.arraycopy(logits, 0, work, 0, VOCAB);
    return cold.sampler.sample(work, cold.context);
  }
}
