package dev.llmkit.examples.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.chat.ChatTemplate;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llm template}: renders a conversation with the model's own chat template. */
@Command(
    name = "template",
    mixinStandardHelpOptions = true,
    description = {
      "Render a conversation with the model's own chat template, as Hugging Face's"
          + " apply_chat_template does, and print the prompt exactly (no newline is added).",
      "MODEL is a Hugging Face folder (tokenizer_config.json) or a GGUF file"
          + " (tokenizer.chat_template). FILE is a JSON array of messages such as"
          + " [{\"role\": \"system\", \"content\": \"...\"}, {\"role\": \"user\", \"content\": \"...\"}]"
          + " (or an object with a \"messages\" array)."
    })
public final class TemplateCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "The model.")
  Path model;

  @Option(names = "--messages", required = true, paramLabel = "FILE", description = "The conversation (JSON).")
  Path messages;

  @Option(names = "--add-generation-prompt",
      description = "End with the header of an assistant turn, for the model to complete.")
  boolean addGenerationPrompt;

  /** Where the prompt goes: stdout as UTF-8 (tests replace it). */
  PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);

  @Override
  public Integer call() throws Exception {
    ChatTemplate template = ChatTemplate.fromModel(model);
    ObjectMapper json = new ObjectMapper();
    JsonNode root = json.readTree(messages.toFile());
    JsonNode list = root.isObject() && root.has("messages") ? root.get("messages") : root;
    if (!list.isArray()) {
      throw new IllegalArgumentException("messages file " + messages
          + " holds no array of messages; expected [{\"role\": ..., \"content\": ...}, ...]");
    }
    for (JsonNode m : list) {
      if (!m.isObject() || !m.has("role")) {
        throw new IllegalArgumentException("messages file " + messages + ": the message " + m
            + " has no \"role\"; expected {\"role\": ..., \"content\": ...}");
      }
    }
    List<Map<String, Object>> turns = json.convertValue(list, new TypeReference<>() {});
    String prompt = template.render(turns, addGenerationPrompt, Map.of());
    out.print(prompt);
    out.flush();
    return 0;
  }
}
