package dev.llmkit.model.chat;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role {@code system}, {@code user} or {@code assistant} (templates may know others, such as
 *     {@code tool})
 * @param content the text of the turn
 */
public record ChatMessage(String role, String content) {

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }

  /** A system turn. */
  public static ChatMessage system(String content) {
    return new ChatMessage("system", content);
  }

  /** A user turn. */
  public static ChatMessage user(String content) {
    return new ChatMessage("user", content);
  }

  /** An assistant turn. */
  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content);
  }
}
