package dev.llmkit.model.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Real chat templates (llama.cpp's models/templates copies of the Hugging Face templates, and the
 * tokenizer_config.json of Llama 3.1, Qwen3 and Gemma 3) rendered by Jinjava equal jinja2's
 * renderings in Hugging Face's environment (scripts/gen_chat_template_fixtures.py), character for
 * character, and a template's raise_exception becomes a ChatTemplateException with its message.
 */
class ChatTemplateTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Clock JULY_26 = Clock.fixed(Instant.parse("2024-07-26T10:30:00Z"), ZoneOffset.UTC);

  static Path resources() throws URISyntaxException {
    return Path.of(ChatTemplateTest.class.getResource("/chat-templates/expected.json").toURI()).getParent();
  }

  static Stream<Arguments> cases() throws Exception {
    JsonNode root = JSON.readTree(resources().resolve("expected.json").toFile());
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      out.add(Arguments.of(c.get("template").asText(), c.get("conversation").asText(),
          c.get("add_generation_prompt").asBoolean(), c, root.get("conversations").get(c.get("conversation").asText())));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} generation-prompt={2}")
  @MethodSource("cases")
  void rendersAsJinja2Does(String template, String conversation, boolean addGenerationPrompt, JsonNode c,
      JsonNode messages) throws Exception {
    Path dir = resources();
    Map<String, String> tokens = JSON.convertValue(c.get("special_tokens"), new TypeReference<>() {});
    ChatTemplate t;
    if (template.endsWith(".json")) {
      t = ChatTemplate.fromModel(dir.resolve(template).getParent());
      assertThat(t.specialTokens()).containsAllEntriesOf(tokens);
    } else {
      t = ChatTemplate.of(Files.readString(dir.resolve(template)), tokens);
    }
    t = t.withClock(JULY_26);
    List<ChatMessage> turns = new ArrayList<>();
    for (JsonNode m : messages) {
      turns.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    ChatTemplate finalT = t;
    if (c.has("error")) {
      assertThatThrownBy(() -> finalT.render(turns, addGenerationPrompt))
          .isInstanceOf(ChatTemplateException.class)
          .hasMessage("chat template raised: " + c.get("error").asText())
          .matches(e -> ((ChatTemplateException) e).raisedByTemplate());
    } else {
      assertThat(t.render(turns, addGenerationPrompt)).isEqualTo(c.get("expected").asText());
    }
  }

  @Test
  void tojsonWritesWhatPythonJsonDumpsWrites() {
    ChatTemplate t = ChatTemplate.of("{{ x | tojson }}|{{ x | tojson(indent=2) }}|{{ y | tojson }}", Map.of());
    Map<String, Object> x = new java.util.LinkedHashMap<>();
    x.put("name", "日本 \"q\"\n");
    x.put("n", List.of(1, 2.5, true));
    x.put("none", null);
    x.put("e", Map.of());
    String out = t.render(List.of(), false, Map.of("x", x, "y", List.of(1e-5, 12345678.5, 1e16)));
    // json.dumps({...}, ensure_ascii=False) and indent=2; [1e-05, 12345678.5, 1e+16]
    assertThat(out).isEqualTo("{\"name\": \"日本 \\\"q\\\"\\n\", \"n\": [1, 2.5, true], \"none\": null, \"e\": {}}|"
        + "{\n  \"name\": \"日本 \\\"q\\\"\\n\",\n  \"n\": [\n    1,\n    2.5,\n    true\n  ],\n  \"none\": null,\n  \"e\": {}\n}|"
        + "[1e-05, 12345678.5, 1e+16]");
  }

  @Test
  void aModelWithoutTemplateOrABrokenTemplateIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
    assertThatThrownBy(() -> ChatTemplate.fromModel(dir))
        .hasMessageContaining("tokenizer_config.json has no chat_template");
    assertThatThrownBy(() -> ChatTemplate.fromModel(dir.resolve("missing")))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> ChatTemplate.of("{% for m in messages %}{{ m.content", Map.of())
            .render(List.of(ChatMessage.user("x")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("chat template line 1");
  }
}
