package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.model.chat.ChatSession;
import dev.llmkit.model.chat.ChatTemplate;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.tensor.DecodeMatrices;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm chat}: a terminal chat with a model, through its own chat template. */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    header = "Chat with a model in the terminal.",
    description = {
      "Chat with a model through its own chat template: each line you type is a user turn, the"
          + " answer streams as it is produced. The KV cache is kept across turns (only the new"
          + " part of the conversation runs); when the context is full the oldest turns are"
          + " forgotten (the system prompt stays).",
      "Commands: /reset (forget the conversation, keep the system prompt), /system TEXT (set the"
          + " system prompt; /system alone removes it), /exit (or end of input).",
      "With piped (non-interactive) input each line is a user turn and each answer is printed (trimmed) as"
          + " one block followed by a blank line.",
      "MODEL is a Hugging Face folder (chat_template in tokenizer_config.json), a GGUF file"
          + " (tokenizer.chat_template), or any model llm generate takes with --template FILE."
    })
public final class ChatCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Hugging Face folder, GGUF file, llama2.c .bin or bundled:stories260K.")
  String model;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "Tokenizer file when the model has none (llama2.c tok*.bin, tokenizer.json, ...).")
  Path tokenizer;

  @Option(names = "--template", paramLabel = "FILE",
      description = "A Jinja chat template to use instead of the model's own.")
  Path template;

  @Option(names = "--system", paramLabel = "TEXT", description = "The system prompt.")
  String system;

  @Option(names = "--max-tokens", defaultValue = "512",
      description = "Tokens of one answer at most (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--temperature", defaultValue = "0.7",
      description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
  float temperature;

  @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus mass; 1 disables (default: ${DEFAULT-VALUE}).")
  float topP;

  @Option(names = "--seed", description = "Seed of the random draws (default: from the clock).")
  Long seed;

  @Option(names = "--context-overflow", paramLabel = "stop|slide|shift", description = OverflowOption.DESCRIPTION)
  String contextOverflow;

  @Option(names = "--decode-matrices", defaultValue = "AUTO",
      description = "Where decoding reads the weight matrices: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  DecodeMatrices decodeMatrices;

  /** Where answers go: stdout as UTF-8 (tests replace it). */
  PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);

  /** Where lines come from: stdin (tests replace it). */
  BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  /** Whether a person types at a terminal; null: ask {@link System#console()}. */
  Boolean interactive;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    ChatTemplate chatTemplate = chatTemplate();
    Models.Ready loaded = ModelSource.load(model, tokenizer, true, decodeMatrices);
    if (loaded.tokenizer() == null) {
      throw new IllegalArgumentException(
          "the model " + model + " has no tokenizer; name one with --tokenizer");
    }
    long s = seed != null ? seed : System.nanoTime();
    SamplerConfig sampling = SamplerConfig.builder().temperature(temperature).topP(topP).seed(s).build();
    GenerationOptions options = GenerationOptions.maxTokens(maxTokens)
        .withContextOverflow(OverflowOption.parse(contextOverflow, loaded.model().config()));
    boolean tty = interactive != null ? interactive : System.console() != null;
    try (ChatSession chat = new ChatSession(loaded.generator(sampling.sampler()), chatTemplate, options, s)) {
      chat.setSystemPrompt(system);
      if (tty) {
        err.println("chatting with " + model + " (context " + chat.contextLength()
            + " tokens); /reset, /system TEXT, /exit");
        err.flush();
      }
      while (true) {
        if (tty) {
          out.print("> ");
          out.flush();
        }
        String line = in.readLine();
        if (line == null || line.strip().equals("/exit")) {
          break;
        }
        if (line.isBlank()) {
          continue;
        }
        if (command(line, chat, tty, err)) {
          continue;
        }
        if (tty) {
          ChatSession.Reply r = chat.send(line, (token, text) -> {
            out.print(text);
            out.flush();
          });
          out.println();
          out.flush();
          err.printf("[%d new prompt tokens, %d reused, %d generated, %s; context %d/%d]%n",
              r.newTokens(), r.reusedTokens(), r.result().generatedTokens(),
              r.result().finishReason(), chat.contextTokens(), chat.contextLength());
          err.flush();
        } else {
          out.println(chat.send(line, null).text().strip());
          out.println();
          out.flush();
        }
      }
    }
    return 0;
  }

  /** Runs a /command; returns false when the line is a user turn. */
  private boolean command(String line, ChatSession chat, boolean tty, PrintWriter err) {
    String l = line.strip();
    if (l.equals("/reset")) {
      chat.reset();
      if (tty) {
        err.println("[conversation forgotten]");
      }
    } else if (l.equals("/system") || l.startsWith("/system ")) {
      String text = l.substring("/system".length()).strip();
      chat.setSystemPrompt(text.isEmpty() ? null : text);
      if (tty) {
        err.println(text.isEmpty() ? "[no system prompt]" : "[system prompt set]");
      }
    } else {
      return false;
    }
    err.flush();
    return true;
  }

  private ChatTemplate chatTemplate() throws IOException {
    if (template != null) {
      return ChatTemplate.of(Files.readString(template, StandardCharsets.UTF_8), Map.of());
    }
    Path path = Path.of(model.startsWith("bundled:") || model.startsWith("random:") ? "." : model);
    if (model.startsWith("bundled:") || model.startsWith("random:")
        || !(Files.isDirectory(path) || path.getFileName().toString().endsWith(".gguf"))) {
      throw new IllegalArgumentException("the model " + model + " carries no chat template"
          + " (only Hugging Face folders and GGUF files do); name one with --template FILE");
    }
    return ChatTemplate.fromModel(path);
  }
}
