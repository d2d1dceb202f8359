package dev.llmkit.model.chat;

/**
 * A chat template refused a conversation (its {@code raise_exception(...)}, whose message this
 * carries) or could not be rendered (a Jinja error, with the template line).
 */
public final class ChatTemplateException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final boolean raisedByTemplate;

  ChatTemplateException(String message, boolean raisedByTemplate, Throwable cause) {
    super(message, cause);
    this.raisedByTemplate = raisedByTemplate;
  }

  /** True when the template itself raised (e.g. "Conversation roles must alternate ..."). */
  public boolean raisedByTemplate() {
    return raisedByTemplate;
  }
}
