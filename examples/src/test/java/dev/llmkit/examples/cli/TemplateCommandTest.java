package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llm template}: the prompt of Phi-3.5-mini-instruct's real template, byte for byte. */
class TemplateCommandTest {

  // microsoft/Phi-3.5-mini-instruct's chat_template (as in llama.cpp's models/templates, MIT)
  static final String PHI35 = "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}"
      + "{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}"
      + "{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}"
      + "{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}"
      + "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";

  static String run(Path dir, String... args) {
    TemplateCommand command = new TemplateCommand();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    command.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    CliRun.Result r = CliRun.execute(command, args);
    return r.exitCode() == 0 ? bytes.toString(StandardCharsets.UTF_8) : "rc=" + r.exitCode() + " " + r.err();
  }

  @Test
  void printsTheRenderedPromptExactly(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(java.util.Map.of("chat_template", PHI35, "eos_token", "<|endoftext|>", "bos_token", "<s>")));
    Path messages = dir.resolve("m.json");
    Files.writeString(messages, "[{\"role\": \"system\", \"content\": \"Be brief.\"},"
        + " {\"role\": \"user\", \"content\": \"Sag hallo, 日本\"}]");
    assertThat(run(dir, "--model", dir.toString(), "--messages", messages.toString(), "--add-generation-prompt"))
        .isEqualTo("<|system|>\nBe brief.<|end|>\n<|user|>\nSag hallo, 日本<|end|>\n<|assistant|>\n");
    assertThat(run(dir, "--model", dir.toString(), "--messages", messages.toString()))
        .isEqualTo("<|system|>\nBe brief.<|end|>\n<|user|>\nSag hallo, 日本<|end|>\n<|endoftext|>");
    Files.writeString(messages, "[{\"content\": \"no role\"}]");
    assertThat(run(dir, "--model", dir.toString(), "--messages", messages.toString()))
        .startsWith("rc=1").contains("has no \"role\"");
  }
}
