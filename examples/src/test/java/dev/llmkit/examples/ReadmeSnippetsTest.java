package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.ContextOverflow;
import dev.llmkit.model.Models;
import dev.llmkit.model.chat.ChatSession;
import dev.llmkit.model.chat.ChatTemplate;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The Java snippets of README.md ("Using it from Java"), line for line, so that they compile and do
 * what the README says. Train, checkpoint, resume, reload is {@link CheckpointExample}
 * ({@link CheckpointExampleTest}).
 */
class ReadmeSnippetsTest {

  static final Path DATA = Path.of(System.getProperty("llmkit.test.data", "../testdata"))
      .resolve("llama2c-stories260K");

  @Test
  void tokenizeAndCount() {
    Tokenizer gpt4o = Tokenizers.encoding("o200k_base");
    int[] ids = gpt4o.encode("I love pizza!");
    int n = gpt4o.countTokens("I love pizza!");
    String text = gpt4o.decode(ids);
    OptionalInt eot = gpt4o.tokenId("<|endoftext|>");

    assertThat(ids).containsExactly(40, 3047, 27941, 0);
    assertThat(n).isEqualTo(4);
    assertThat(text).isEqualTo("I love pizza!");
    assertThat(eot).isEqualTo(OptionalInt.of(199999));
  }

  @Test
  void generateWithYourOwnLogitsProcessor() throws Exception {
    StringBuilder printed = new StringBuilder();

    Models.Ready stories = Models.load(DATA.resolve("stories260K.bin"), DATA.resolve("tok512.bin"));
    Tokenizer tok = stories.tokenizer();
    int lily = tok.encode("Lily")[0];
    LogitsProcessor noLily = (logits, context) -> logits[lily] = Float.NEGATIVE_INFINITY;

    SamplerConfig config = SamplerConfig.builder().temperature(0.8f).topP(0.9f).seed(42).build();
    List<LogitsProcessor> chain = new ArrayList<>(config.processors());
    chain.add(0, noLily);
    Sampler sampler = Samplers.chain(Samplers.random(), chain);

    Generator generator = stories.generator(sampler);
    GenerationResult story = generator.generate("Once upon a time", GenerationOptions.maxTokens(200),
        config.newContext(), (id, piece) -> printed.append(piece));

    assertThat(story.generatedTokens()).isPositive();
    assertThat(printed.toString()).isEqualTo(story.text());
    for (int id : story.tokens()) {
      assertThat(id).isNotEqualTo(lily);
    }
  }

  /**
   * "Past the context window" and "Chat": the same lines, with stories260K and a plain template in
   * place of the Qwen folder (no chat model ships in the repository).
   */
  @Test
  void pastTheContextWindowAndChat() throws Exception {
    StringBuilder printed = new StringBuilder();
    Models.Ready m = Models.load(DATA.resolve("stories260K.bin"), DATA.resolve("tok512.bin"));
    ChatTemplate template = ChatTemplate.of("{% for m in messages %}{{ m.role }}: {{ m.content }}\n"
        + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}", java.util.Map.of());

    GenerationOptions options = GenerationOptions.maxTokens(2000)
        .withContextOverflow(ContextOverflow.continuing(m.model().config()))
        .withKeepFirst(16);
    assertThat(options.contextOverflow()).isEqualTo(ContextOverflow.SHIFT);

    SamplerConfig sampling = SamplerConfig.builder().temperature(0.7f).topP(0.95f).build();
    try (ChatSession chat = new ChatSession(m.generator(sampling.sampler()), template,
        GenerationOptions.maxTokens(20).withContextOverflow(ContextOverflow.SHIFT), 42)) {
      chat.setSystemPrompt("You are brief.");
      ChatSession.Reply r = chat.send("What is a KV cache?", (id, text) -> printed.append(text));
      assertThat(printed.toString()).isEqualTo(r.text());
      assertThat(r.newTokens()).isEqualTo(r.promptTokens());
      assertThat(r.result().generatedTokens()).isPositive();
    }
  }
}
