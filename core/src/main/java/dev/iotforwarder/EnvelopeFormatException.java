package dev.iotforwarder;

/**
 * An envelope that cannot be decoded: not JSON, truncated, too large or too deeply nested, a missing
 * or duplicated field, a field of the wrong JSON type, an unknown {@code MsgType}, invalid Base64, or
 * a {@code PayloadLen} that disagrees with the payload.
 *
 * <p>The message names the field and the problem, for example {@code PayloadLen was 120 but Payload
 * decodes to 121 bytes}. It never contains the payload.
 */
public final class EnvelopeFormatException extends ForwardingException {
  private static final long serialVersionUID = 1L;

  /** The {@link #field()} of problems that concern the document as a whole, not one field. */
  public static final String WHOLE_ENVELOPE = "envelope";

  private final String field;

  /**
   * Creates an exception.
   *
   * @param field the envelope field at fault, or {@link #WHOLE_ENVELOPE}
   * @param message the problem, naming the field
   */
  public EnvelopeFormatException(String field, String message) {
    this(field, message, null);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param field the envelope field at fault, or {@link #WHOLE_ENVELOPE}
   * @param message the problem, naming the field
   * @param cause the underlying parser failure, may be {@code null}
   */
  public EnvelopeFormatException(String field, String message, Throwable cause) {
    super(message, cause);
    this.field = field == null ? WHOLE_ENVELOPE : field;
  }

  /**
   * The field at fault: one of the nine envelope field names ({@code "PayloadLen"}, ...), the name
   * of an unknown field in strict mode, or {@link #WHOLE_ENVELOPE} when the document as a whole is
   * bad (not JSON, truncated, too large, too deep).
   *
   * @return the field name, never {@code null}
   */
  public String field() {
    return field;
  }
}
