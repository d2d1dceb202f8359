package dev.llmkit.model.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.llmkit.tokenizer.gguf.GgufMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's own chat template (the Jinja {@code chat_template} of its {@code tokenizer_config.json}
 * or its GGUF {@code tokenizer.chat_template}), rendered as Hugging Face's {@code
 * apply_chat_template} renders it: Jinja with {@code trim_blocks} and {@code lstrip_blocks}, the
 * variables {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token},
 * and the helpers {@code raise_exception(msg)} (a {@link ChatTemplateException} carrying the
 * message), {@code strftime_now(fmt)} and a {@code tojson} filter that writes what Python's {@code
 * json.dumps} writes.
 *
 * <p>The engine is HubSpot's Jinjava; the Python string methods templates call ({@code strip},
 * {@code lstrip}, {@code rstrip}, {@code split}, {@code startswith}, {@code endswith}, {@code
 * upper}, {@code lower}, {@code replace}, {@code title}) and the dict method {@code items()} are
 * added by {@link PythonMethods}. Rendering is thread-safe.
 */
public final class ChatTemplate {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

  private final String source;
  private final String compiled;
  private final Map<String, String> specialTokens;
  private final Clock clock;
  private final Jinjava jinjava;

  /** One engine for all templates (its configuration never changes; rendering is thread-safe). */
  private static final class Engine {
    static final Jinjava JINJAVA = create();

    private static Jinjava create() {
      JinjavaConfig config = JinjavaConfig.newBuilder()
          .withTrimBlocks(true)
          .withLstripBlocks(true)
          .withFailOnUnknownTokens(false)
          .withMaxOutputSize(64L << 20)
          .withLegacyOverrides(LegacyOverrides.newBuilder()
              .withParseWhitespaceControlStrictly(true)
              .withUseTrimmingForNotesAndExpressions(true)
              .withKeepNullableLoopValues(true)
              .build())
          .withElResolver(new PythonMethods(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE))
          .build();
      Jinjava jinjava = new Jinjava(config);
      jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
          "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
      jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
          "", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
      jinjava.getGlobalContext().registerFilter(new ToJson());
      jinjava.getGlobalContext().registerFilter(new PyTrim());
      return jinjava;
    }
  }

  private ChatTemplate(String source, Map<String, String> specialTokens, Clock clock) {
    this.source = source;
    this.compiled = JinjaCompat.rewrite(source);
    this.specialTokens = Map.copyOf(specialTokens);
    this.clock = clock;
    this.jinjava = Engine.JINJAVA;
  }

  /**
   * A template from its source and special tokens.
   *
   * @param source the Jinja text
   * @param specialTokens template variables such as {@code bos_token} and {@code eos_token}
   */
  public static ChatTemplate of(String source, Map<String, String> specialTokens) {
    if (source == null || source.isBlank()) {
      throw new IllegalArgumentException("chat template is empty; expected Jinja text");
    }
    return new ChatTemplate(source, specialTokens, Clock.systemDefaultZone());
  }

  /**
   * This template with another clock for {@code strftime_now} (tests pin the date).
   *
   * @param clock the clock
   */
  public ChatTemplate withClock(Clock clock) {
    return new ChatTemplate(source, specialTokens, Objects.requireNonNull(clock, "clock"));
  }

  /**
   * The template of a model: a Hugging Face folder ({@code tokenizer_config.json}'s {@code
   * chat_template}, or a {@code chat_template.jinja} file beside it) or a GGUF file ({@code
   * tokenizer.chat_template}, special tokens from {@code tokenizer.ggml.*_token_id}).
   *
   * @param model the folder, its {@code tokenizer_config.json}, or a {@code .gguf} file
   * @throws IOException if reading fails
   * @throws IllegalArgumentException naming the model if it has no chat template
   */
  public static ChatTemplate fromModel(Path model) throws IOException {
    if (Files.isDirectory(model)) {
      return fromFolder(model);
    }
    if (!Files.exists(model)) {
      throw new IllegalArgumentException("model " + model + " does not exist; expected a Hugging Face"
          + " folder with tokenizer_config.json or a .gguf file");
    }
    if (model.getFileName().toString().endsWith(".json")) {
      return fromTokenizerConfig(model, null);
    }
    return fromGguf(model);
  }

  private static ChatTemplate fromFolder(Path folder) throws IOException {
    Path config = folder.resolve("tokenizer_config.json");
    Path jinja = folder.resolve("chat_template.jinja");
    String external = Files.exists(jinja) ? Files.readString(jinja, StandardCharsets.UTF_8) : null;
    if (Files.exists(config)) {
      return fromTokenizerConfig(config, external);
    }
    if (external != null) {
      return of(external, Map.of());
    }
    throw new IllegalArgumentException("model folder " + folder
        + " has no tokenizer_config.json or chat_template.jinja; expected one with a chat template");
  }

  private static ChatTemplate fromTokenizerConfig(Path config, String external) throws IOException {
    JsonNode root = JSON.readTree(config.toFile());
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
      JsonNode t = root.get(key);
      if (t != null && t.isTextual()) {
        tokens.put(key, t.asText());
      } else if (t != null && t.isObject() && t.has("content")) {
        tokens.put(key, t.get("content").asText());
      }
    }
    String template = external;
    JsonNode ct = root.get("chat_template");
    if (ct != null && ct.isTextual()) {
      template = ct.asText();
    } else if (ct != null && ct.isArray()) {
      // [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
      for (JsonNode named : ct) {
        if ("default".equals(named.path("name").asText())) {
          template = named.path("template").asText();
        }
      }
    }
    if (template == null) {
      throw new IllegalArgumentException(config + " has no chat_template; expected the model's"
          + " Jinja chat template (is this a base model rather than an instruct/chat model?)");
    }
    return of(template, tokens);
  }

  private static ChatTemplate fromGguf(Path file) throws IOException {
    GgufMetadata md = GgufMetadata.read(file);
    String template = md.getString("tokenizer.chat_template", null);
    if (template == null) {
      throw new IllegalArgumentException("GGUF " + file
          + " has no tokenizer.chat_template; expected the model's Jinja chat template");
    }
    Map<String, String> tokens = new LinkedHashMap<>();
    Object vocab = md.get("tokenizer.ggml.tokens");
    if (vocab instanceof String[] pieces) {
      for (String kind : List.of("bos", "eos", "unk", "pad")) {
        long id = md.getLong("tokenizer.ggml." + kind + "_token_id", -1);
        if (id >= 0 && id < pieces.length) {
          tokens.put(kind + "_token", pieces[(int) id]);
        }
      }
    }
    return of(template, tokens);
  }

  /** The Jinja source. */
  public String source() {
    return source;
  }

  /** The special-token variables ({@code bos_token}, {@code eos_token}, ...). */
  public Map<String, String> specialTokens() {
    return specialTokens;
  }

  /**
   * Renders a conversation.
   *
   * @param messages the turns, oldest first
   * @param addGenerationPrompt whether to end with the header of an assistant turn for the model
   *     to complete
   * @return the prompt text
   * @throws ChatTemplateException if the template raises (e.g. roles that do not alternate) or
   *     fails to render
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> maps = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      maps.add(map);
    }
    return render(maps, addGenerationPrompt, Map.of());
  }

  /**
   * Renders messages given as JSON-like maps (so that templates can see {@code tool_calls} and
   * other fields), with extra variables (e.g. {@code tools}, {@code enable_thinking}).
   *
   * @param messages the turns, each a map with at least {@code role}
   * @param addGenerationPrompt whether to open an assistant turn at the end
   * @param variables more template variables
   * @return the prompt text
   */
  public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt,
      Map<String, Object> variables) {
    Map<String, Object> context = new LinkedHashMap<>(specialTokens);
    context.putAll(variables);
    context.put("messages", messages);
    context.put("add_generation_prompt", addGenerationPrompt);
    Clock previous = CLOCK.get();
    CLOCK.set(clock);
    RenderResult result;
    try {
      result = jinjava.renderForResult(compiled, context);
    } catch (Raised r) {
      throw new ChatTemplateException("chat template raised: " + r.getMessage(), true, null);
    } finally {
      if (previous == null) {
        CLOCK.remove();
      } else {
        CLOCK.set(previous);
      }
    }
    for (TemplateError e : result.getErrors()) {
      Throwable cause = e.getException();
      while (cause != null && !(cause instanceof Raised)) {
        cause = cause.getCause();
      }
      if (cause != null) {
        throw new ChatTemplateException("chat template raised: " + cause.getMessage(), true, null);
      }
    }
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException("chat template line " + e.getLineno() + ": " + e.getMessage(),
            false, e.getException());
      }
    }
    return result.getOutput();
  }

  /** Thrown by {@code raise_exception} inside the template. */
  static final class Raised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Raised(String message) {
      super(message, null, false, false);
    }
  }

  /** {@code raise_exception(message)} of Hugging Face's template environment. */
  public static Object raiseException(String message) {
    throw new Raised(message);
  }

  /** {@code strftime_now(format)}: the current time (of the template's clock) in Python's format. */
  public static String strftimeNow(String format) {
    Clock c = CLOCK.get();
    return Strftime.format(LocalDateTime.now(c == null ? Clock.systemDefaultZone() : c), format);
  }
}
