package dev.llmkit.examples.cli;

import dev.llmkit.examples.CheckpointExample;
import dev.llmkit.examples.TranslateExample;
import dev.llmkit.examples.CustomSamplerExample;
import dev.llmkit.examples.EmbeddingsExample;
import dev.llmkit.examples.EncoderExample;
import dev.llmkit.examples.FineTuneExample;
import dev.llmkit.examples.HuggingFaceExample;
import dev.llmkit.examples.NextTokenExample;
import dev.llmkit.examples.RlhfExample;
import dev.llmkit.examples.SamplingDialsExample;
import dev.llmkit.examples.TokenizationExample;
import dev.llmkit.examples.TrainShakespeareExample;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code llm example NAME [ARGS...]}: runs one of the examples in {@code dev.llmkit.examples}. */
@Command(
    name = "example",
    mixinStandardHelpOptions = true,
    header = "Run one of the examples.",
    description = {"Run an example (its source is in examples/src/main/java/dev/llmkit/examples).", ""},
    footer = {
      "",
      "Examples:",
      "  tokenization       'I love pizza!' with GPT-4o's and GPT-2's encodings and a BPE trained here",
      "  embeddings         nearest tokens by cosine similarity in the pretrained stories260K",
      "  next-token         top-10 next-token probabilities of a prompt",
      "  sampling-dials     temperature, top-k, top-p and min-p on the same prompt",
      "  custom-sampler     a user-written logits processor that forbids a name, in a Generator",
      "  train-shakespeare  train a character-level GPT on Tiny Shakespeare, then generate",
      "  finetune           supervised fine-tuning and DPO on small bundled JSONL sets",
      "  huggingface        save and load a Hugging Face checkpoint folder, then generate",
      "  checkpoint         train with checkpoints, resume from one, reload it and generate",
      "  translate          a small T5 learns number words -> digits; cross-attention heatmap",
      "  encoder            a tiny BERT learns Shakespeare by masked LM and fills masks; bidirectional vs"
          + " causal attention heatmaps; semantic search with all-MiniLM-L6-v2",
      "  rlhf               a rule ranks stories, a reward model learns it, GRPO makes stories260K follow it"
    })
public final class ExampleCommand implements Callable<Integer> {

  /** Example name to its main method. */
  interface Main {
    void run(String[] args) throws Exception;
  }

  static final Map<String, Main> EXAMPLES = new LinkedHashMap<>();

  static {
    EXAMPLES.put("tokenization", TokenizationExample::main);
    EXAMPLES.put("embeddings", EmbeddingsExample::main);
    EXAMPLES.put("next-token", NextTokenExample::main);
    EXAMPLES.put("sampling-dials", SamplingDialsExample::main);
    EXAMPLES.put("custom-sampler", CustomSamplerExample::main);
    EXAMPLES.put("train-shakespeare", TrainShakespeareExample::main);
    EXAMPLES.put("finetune", FineTuneExample::main);
    EXAMPLES.put("huggingface", HuggingFaceExample::main);
    EXAMPLES.put("checkpoint", CheckpointExample::main);
    EXAMPLES.put("translate", TranslateExample::main);
    EXAMPLES.put("rlhf", RlhfExample::main);
    EXAMPLES.put("encoder", EncoderExample::main);
  }

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "Which example (see the list below).")
  String name;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments of the example.")
  List<String> args = List.of();

  @Override
  public Integer call() throws Exception {
    Main main = EXAMPLES.get(name);
    if (main == null) {
      throw new IllegalArgumentException(
          "unknown example '" + name + "'; expected one of " + String.join(", ", EXAMPLES.keySet()));
    }
    main.run(args.toArray(String[]::new));
    return 0;
  }
}
