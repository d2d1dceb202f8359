package dev.llmkit.model.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.ContextOverflow;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A conversation with the real stories260K (llama2.c, testdata/) through a simple template: the
 * second turn runs only its new ids and its logits equal a fresh forward over the whole rendered
 * prompt; long conversations forget their oldest turns; system prompt, reset, template errors.
 */
class ChatSessionTest {

  static final String TEMPLATE = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n"
      + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

  static Transformer model;
  static Tokenizer tokenizer;

  @BeforeAll
  static void load() throws IOException {
    Path dir = Path.of(System.getProperty("llmkit.test.data", "../testdata"), "llama2c-stories260K");
    LoadedModel m = Checkpoints.load(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"));
    model = new Transformer(m.weights());
    tokenizer = m.tokenizer();
  }

  /** The model, counting the ids every session runs. */
  static final class Counting implements LanguageModel {
    int run;

    @Override
    public ModelConfig config() {
      return model.config();
    }

    @Override
    public InferenceSession newSession(SessionOptions options) {
      InferenceSession s = model.newSession(options);
      LanguageModel self = this;
      return new InferenceSession() {
        @Override
        public LanguageModel model() {
          return self;
        }

        @Override
        public int position() {
          return s.position();
        }

        @Override
        public int[] tokens() {
          return s.tokens();
        }

        @Override
        public float[] forward(int[] ids, int offset, int count) {
          run += count;
          return s.forward(ids, offset, count);
        }

        @Override
        public Tensor forwardAll(int[] ids, int offset, int count) {
          run += count;
          return s.forwardAll(ids, offset, count);
        }

        @Override
        public Tensor[] forwardWithAttention(int[] ids, int offset, int count) {
          run += count;
          return s.forwardWithAttention(ids, offset, count);
        }

        @Override
        public void reset() {
          s.reset();
        }

        @Override
        public void rewind(int position) {
          s.rewind(position);
        }

        @Override
        public void close() {
          s.close();
        }
      };
    }
  }

  /** Greedy, keeping a copy of the logits of every draw. */
  static final class Recording implements Sampler {
    final List<float[]> logits = new ArrayList<>();

    @Override
    public int sample(float[] l, dev.llmkit.sampling.SamplingContext context) {
      logits.add(l.clone());
      return Samplers.greedy().sample(l, context);
    }
  }

  static int[] rendered(List<ChatMessage> messages) {
    String text = ChatTemplate.of(TEMPLATE, Map.of()).render(messages, true);
    return tokenizer.encode(text, tokenizer.specialTokens().keySet());
  }

  @Test
  void theSecondTurnRunsOnlyItsNewTokensWithTheLogitsOfAFreshRendering() {
    Counting counting = new Counting();
    Recording sampler = new Recording();
    Generator g = new Generator(counting, tokenizer, sampler);
    try (ChatSession chat = new ChatSession(g, ChatTemplate.of(TEMPLATE, Map.of()),
        GenerationOptions.maxTokens(24), 0)) {
      chat.setSystemPrompt("You tell short stories.");
      ChatSession.Reply first = chat.send("Once upon a time", null);
      assertThat(first.reusedTokens()).isZero();
      assertThat(counting.run).isEqualTo(first.promptTokens() + first.result().generatedTokens() - 1);
      int runBefore = counting.run;
      int drawsBefore = sampler.logits.size();

      StringBuilder streamed = new StringBuilder();
      ChatSession.Reply second = chat.send("Lily had a dog.", (id, text) -> streamed.append(text));

      // the rendering of the whole conversation, from scratch
      List<ChatMessage> conversation = List.of(ChatMessage.system("You tell short stories."),
          ChatMessage.user("Once upon a time"), ChatMessage.assistant(first.text()),
          ChatMessage.user("Lily had a dog."));
      int[] ids = rendered(conversation);
      assertThat(second.promptTokens()).isEqualTo(ids.length);
      // the first turn's prompt is reused (and more: the part of its answer that re-encodes alike)
      assertThat(second.reusedTokens()).isGreaterThanOrEqualTo(first.promptTokens());
      assertThat(second.newTokens()).isLessThan(ids.length - first.promptTokens() + 1);
      assertThat(counting.run - runBefore)
          .isEqualTo(second.newTokens() + second.result().generatedTokens() - 1);
      float[] fresh;
      try (InferenceSession s = model.newSession()) {
        fresh = s.forward(ids).clone();
      }
      float[] turnTwo = sampler.logits.get(drawsBefore);
      float maxDiff = 0;
      for (int i = 0; i < fresh.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(fresh[i] - turnTwo[i]));
      }
      assertThat(maxDiff).isLessThan(1e-4f);
      assertThat(streamed.toString()).isEqualTo(second.text());
      assertThat(chat.history()).hasSize(4);
      assertThat(chat.promptTokensRun())
          .isEqualTo(first.promptTokens() + second.newTokens());
    }
  }

  @Test
  void aLongConversationForgetsItsOldestTurnsAndKeepsGoing() {
    Generator g = new Generator(model, tokenizer, Samplers.greedy());
    GenerationOptions options = GenerationOptions.maxTokens(60).withStopTokens(java.util.Set.of())
        .withContextOverflow(ContextOverflow.SHIFT);
    try (ChatSession chat = new ChatSession(g, ChatTemplate.of(TEMPLATE, Map.of()), options, 1)) {
      chat.setSystemPrompt("Stories.");
      ChatSession.Reply last = null;
      for (int i = 0; i < 7; i++) {
        last = chat.send("Tell me about the cat number " + i + ".", null);
        assertThat(chat.contextTokens()).isLessThanOrEqualTo(chat.contextLength());
        assertThat(last.result().generatedTokens()).isEqualTo(60);
      }
      assertThat(last.forgottenMessages()).isPositive().isEven();
      assertThat(last.promptTokens() + 60).isLessThanOrEqualTo(chat.contextLength() + 1);
      assertThat(chat.messages().get(0)).isEqualTo(ChatMessage.system("Stories."));
      assertThat(chat.messages().get(1).role()).isEqualTo("user");
      assertThat(chat.history()).hasSize(14);
    }
  }

  @Test
  void resetKeepsTheSystemPromptAndATemplateErrorAddsNoTurn() {
    Generator g = new Generator(model, tokenizer, Samplers.greedy());
    String strict = "{% if messages[0].role == 'system' %}{{ raise_exception('no system role') }}"
        + "{% endif %}" + TEMPLATE;
    try (ChatSession chat = new ChatSession(g, ChatTemplate.of(strict, Map.of()),
        GenerationOptions.maxTokens(5), 0)) {
      chat.send("Hello", null);
      assertThat(chat.history()).hasSize(2);
      chat.reset();
      assertThat(chat.history()).isEmpty();
      chat.setSystemPrompt("Be kind.");
      assertThatThrownBy(() -> chat.send("Hello", null))
          .isInstanceOf(ChatTemplateException.class)
          .hasMessageContaining("no system role");
      assertThat(chat.history()).isEmpty();
      chat.setSystemPrompt(null);
      assertThat(chat.send("Hello", null).reusedTokens()).isPositive();
    }
  }
}
