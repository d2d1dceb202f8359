package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.examples.BundledData;
import dev.llmkit.model.Models;
import dev.llmkit.model.chat.ChatSession;
import dev.llmkit.model.chat.ChatTemplate;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.sampling.Samplers;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llm chat} with piped input: each line a user turn, each answer a block and a blank line. */
class ChatCommandTest {

  static final String TEMPLATE = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n"
      + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

  static String run(String input, String... args) {
    ChatCommand command = new ChatCommand();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    command.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    command.in = new BufferedReader(new StringReader(input));
    command.interactive = false;
    CliRun.Result r = CliRun.execute(command, args);
    return r.exitCode() == 0 ? bytes.toString(StandardCharsets.UTF_8) : "rc=" + r.exitCode() + " " + r.err();
  }

  @Test
  void pipedLinesAreTurnsAndEachAnswerIsABlockFollowedByABlankLine(@TempDir Path dir)
      throws Exception {
    Path template = dir.resolve("chat.jinja");
    Files.writeString(template, TEMPLATE);
    String out = run("Once upon a time\n\n/system You tell stories.\nLily had a dog.\n/exit\nignored\n",
        "--model", "bundled:stories260K", "--template", template.toString(),
        "--temperature", "0", "--max-tokens", "12", "--seed", "1");

    // the same conversation through the library
    Models.Ready m = BundledData.stories260KReady();
    String first;
    String second;
    try (ChatSession chat = new ChatSession(m.generator(Samplers.greedy()),
        ChatTemplate.of(TEMPLATE, Map.of()), GenerationOptions.maxTokens(12), 1)) {
      first = chat.send("Once upon a time", null).text();
      chat.setSystemPrompt("You tell stories.");
      second = chat.send("Lily had a dog.", null).text();
    }
    assertThat(first).isNotBlank();
    assertThat(out).isEqualTo(first.strip() + "\n\n" + second.strip() + "\n\n");
  }

  @Test
  void aModelWithoutATemplateNeedsOne() {
    assertThat(run("hi\n", "--model", "bundled:stories260K"))
        .startsWith("rc=1").contains("no chat template").contains("--template FILE");
  }
}
