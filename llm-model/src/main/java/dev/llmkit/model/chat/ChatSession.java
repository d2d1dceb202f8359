package dev.llmkit.model.chat;

import dev.llmkit.model.ContextOverflow;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.generate.TokenListener;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A conversation with a chat model: a system prompt, the history of user and assistant turns, and
 * one KV cache kept across turns.
 *
 * <p>Each {@link #send} renders the whole conversation with the model's {@link ChatTemplate} (the
 * generation prompt added), encodes it with special tokens recognised, compares the ids with the
 * tokens the session's KV cache holds, rewinds the cache to their common prefix and runs only the
 * rest: a second turn runs its own few tokens, not the conversation again, and its logits are
 * those of a fresh forward over the whole rendered prompt. When the conversation no longer fits
 * the context (with room for a reply of {@link GenerationOptions#maxTokens} tokens, at most half
 * the context), the oldest turns are left out of the rendering (the system prompt stays); a reply
 * that runs past the context goes on as the options' {@link ContextOverflow} says.
 *
 * <p>Not thread-safe: one conversation, one thread at a time. Close it to release the cache.
 */
public final class ChatSession implements AutoCloseable {

  /**
   * One answer and what it cost.
   *
   * @param text the assistant's text (without the end-of-turn token or stop string)
   * @param result the generation's result (finish reason, generated ids, timings)
   * @param promptTokens ids of the rendered conversation this turn
   * @param reusedTokens of those, the ids whose KV cache was kept from earlier turns
   * @param forgottenMessages turns (user or assistant) left out of the rendering because the
   *     conversation did not fit the context, in total so far
   */
  public record Reply(
      String text, GenerationResult result, int promptTokens, int reusedTokens,
      int forgottenMessages) {

    /** Ids run this turn before the reply: {@code promptTokens - reusedTokens}. */
    public int newTokens() {
      return promptTokens - reusedTokens;
    }
  }

  private final Generator generator;
  private final ChatTemplate template;
  private final GenerationOptions options;
  private final long seed;
  private final InferenceSession session;
  private final List<ChatMessage> history = new ArrayList<>();
  private String system;
  /** How many of the oldest history messages the rendering leaves out. */
  private int forgotten;
  private int turns;
  private long promptTokensRun;
  private long generatedTokens;

  /**
   * A conversation.
   *
   * @param generator the model, its tokenizer and the sampler
   * @param template the model's chat template
   * @param options the limits of each reply: max tokens, stop strings and tokens, what a full
   *     context does (SHIFT is taken as SLIDE for models without rotary positions); addBos is
   *     ignored (the template writes {@code bos_token} where the model wants it)
   * @param seed the seed of turn 0's draws; turn i draws with {@code seed + i}
   */
  public ChatSession(
      Generator generator, ChatTemplate template, GenerationOptions options, long seed) {
    this.generator = Objects.requireNonNull(generator, "generator");
    this.template = Objects.requireNonNull(template, "template");
    Objects.requireNonNull(options, "options");
    LanguageModel model = generator.model();
    ContextOverflow overflow = options.contextOverflow() == ContextOverflow.SHIFT
        ? ContextOverflow.continuing(model.config()) : options.contextOverflow();
    this.options = options.withContextOverflow(overflow);
    this.seed = seed;
    this.session = model.newSession(new SessionOptions(overflow, options.keepFirst(), 0, 0));
  }

  /** The system prompt, if any. */
  public Optional<String> systemPrompt() {
    return Optional.ofNullable(system);
  }

  /** Sets (or with null removes) the system prompt; the next turn sees it. */
  public void setSystemPrompt(String text) {
    this.system = text;
  }

  /** The conversation as the next turn renders it: the system prompt first, then the kept turns. */
  public List<ChatMessage> messages() {
    List<ChatMessage> m = new ArrayList<>();
    if (system != null) {
      m.add(ChatMessage.system(system));
    }
    m.addAll(history.subList(forgotten, history.size()));
    return m;
  }

  /** Every user and assistant turn so far, the forgotten ones included, oldest first. */
  public List<ChatMessage> history() {
    return List.copyOf(history);
  }

  /** Forgets every turn (the system prompt stays); the KV cache of the common prefix is kept. */
  public void reset() {
    history.clear();
    forgotten = 0;
  }

  /** Tokens held in the KV cache now. */
  public int contextTokens() {
    return session.position();
  }

  /** The model's context length. */
  public int contextLength() {
    return generator.model().contextLength();
  }

  /** Prompt ids run (not reused) over every turn so far. */
  public long promptTokensRun() {
    return promptTokensRun;
  }

  /** Ids generated over every turn so far. */
  public long generatedTokens() {
    return generatedTokens;
  }

  /**
   * Adds a user turn and generates the assistant's answer, streaming its text to the listener.
   *
   * @param userText the user's message
   * @param listener receives the answer as it is produced (may be null)
   * @throws ChatTemplateException when the template raises for this conversation (the user turn
   *     is then not added)
   */
  public Reply send(String userText, TokenListener listener) {
    Objects.requireNonNull(userText, "userText");
    history.add(ChatMessage.user(userText));
    int[] ids;
    try {
      ids = fittingPrompt();
    } catch (RuntimeException e) {
      history.remove(history.size() - 1);
      throw e;
    }
    int[] held = session.tokens();
    int common = 0;
    int limit = Math.min(held.length, ids.length - 1); // at least one id runs, for the logits
    while (common < limit && held[common] == ids[common]) {
      common++;
    }
    session.rewind(common);
    SamplingContext context = new SamplingContext(seed + turns, Arrays.copyOf(ids, common));
    GenerationResult r = generator.generate(
        session, Arrays.copyOfRange(ids, common, ids.length), options, context, listener);
    turns++;
    promptTokensRun += ids.length - common;
    generatedTokens += r.generatedTokens();
    history.add(ChatMessage.assistant(r.text()));
    return new Reply(r.text(), r, ids.length, common, forgotten);
  }

  /**
   * The ids of the conversation rendered with the generation prompt, leaving out the oldest
   * turns (whole user–assistant pairs) until a reply has room; the newest user turn always stays.
   */
  private int[] fittingPrompt() {
    int ctx = contextLength();
    int room = Math.min(options.maxTokens(), ctx / 2);
    while (true) {
      int[] ids = encode(template.render(messages(), true));
      boolean fits = ids.length + room <= ctx;
      if (fits || history.size() - forgotten <= 1) {
        return ids;
      }
      // drop the oldest user turn and the assistant answer that follows it
      forgotten = Math.min(forgotten + 2, history.size() - 1);
    }
  }

  private int[] encode(String text) {
    Tokenizer t = generator.tokenizer();
    return t.encode(text, t.specialTokens().keySet());
  }

  @Override
  public void close() {
    session.close();
  }
}
