package dev.iotforwarder;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.iotforwarder.internal.shared.Problems;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Encodes {@link DeviceMessage}s as the JSON envelope of the wire format and decodes envelopes back.
 *
 * <p>Encoding writes UTF-8 JSON with the nine fields in the specified order ({@code MsgType, Event,
 * Topic, Seq, PayloadLen, DeviceId, ProductName, DeviceName, Payload}), compact unless {@link
 * Builder#pretty(boolean) pretty} printing was asked for, non-ASCII characters as UTF-8 and the
 * payload as standard Base64.
 *
 * <p>Decoding accepts the fields in any order and with any whitespace, reads a {@code DeviceId}
 * given as a JSON number as its exact decimal text, ignores unknown fields unless {@link
 * Builder#strict(boolean) strict}, and rejects everything else with an {@link
 * EnvelopeFormatException} that names the field and the problem: a missing, duplicated or wrongly
 * typed field, an unknown {@code MsgType}, invalid Base64, a {@code PayloadLen} that differs from the
 * decoded payload, input that is not JSON, truncated, over {@link Builder#maxEnvelopeBytes(int)} or
 * nested deeper than {@link Builder#maxNestingDepth(int)}. It never runs out of memory or hangs on
 * hostile input of bounded size.
 *
 * <p>Instances are immutable, thread-safe and meant to be shared; {@link #standard()} is the default
 * one.
 */
public final class EnvelopeCodec {
  /** Default for {@link Builder#maxEnvelopeBytes(int)}: 4 MiB. */
  public static final int DEFAULT_MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;
  /** Default for {@link Builder#maxNestingDepth(int)}: 32. */
  public static final int DEFAULT_MAX_NESTING_DEPTH = 32;

  private static final int MAX_NUMBER_DIGITS = 64;

  private static final EnvelopeCodec STANDARD = builder().build();

  private final boolean pretty;
  private final boolean strict;
  private final int maxEnvelopeBytes;
  private final int maxNestingDepth;
  private final EnvelopeWriter writer;
  private final EnvelopeReader reader;

  private EnvelopeCodec(Builder b) {
    this.pretty = b.pretty;
    this.strict = b.strict;
    this.maxEnvelopeBytes = b.maxEnvelopeBytes;
    this.maxNestingDepth = b.maxNestingDepth;
    JsonFactory factory =
        new JsonFactoryBuilder()
            // A thread's compact generator writes one envelope after the other into its buffer, as
            // root-level values; nothing may go between them.
            .rootValueSeparator((String) null)
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxNestingDepth)
                    .maxNumberLength(MAX_NUMBER_DIGITS)
                    .maxStringLength(maxEnvelopeBytes)
                    .maxDocumentLength(maxEnvelopeBytes)
                    .build())
            // Parser errors must never quote the input: it may hold payload bytes. With a token
            // length of 0, an unrecognized token is quoted by its first two characters at most.
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .errorReportConfiguration(
                ErrorReportConfiguration.builder().maxErrorTokenLength(0).maxRawContentLength(0).build())
            // Without this, Jackson writes a supplementary character (an emoji, say) as a pair of
            // escaped UTF-16 surrogates; the wire format wants all non-ASCII as UTF-8.
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .build();
    this.writer = new EnvelopeWriter(factory, pretty);
    this.reader = new EnvelopeReader(factory, strict, maxEnvelopeBytes, maxNestingDepth);
  }

  /**
   * The default codec: compact output, unknown fields ignored, at most {@value
   * #DEFAULT_MAX_ENVELOPE_BYTES} bytes and {@value #DEFAULT_MAX_NESTING_DEPTH} levels of nesting.
   *
   * @return the shared default instance
   */
  public static EnvelopeCodec standard() {
    return STANDARD;
  }

  /**
   * A builder for a codec with other settings.
   *
   * @return a new builder with the defaults of {@link #standard()}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Encodes a message as an envelope.
   *
   * @param message the message
   * @return the UTF-8 JSON bytes
   */
  public byte[] encode(DeviceMessage message) {
    try {
      return writer.encode(message);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode " + message, e); // not reachable: memory only
    }
  }

  /**
   * Encodes a message as an envelope onto a stream. The stream is flushed but not closed.
   *
   * @param message the message
   * @param out where to write the UTF-8 JSON bytes
   * @throws UncheckedIOException if the stream fails
   */
  public void encode(DeviceMessage message, OutputStream out) {
    try {
      writer.write(message, out);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the envelope to the stream", e);
    }
  }

  /**
   * Decodes an envelope.
   *
   * @param envelope the UTF-8 JSON bytes of one envelope
   * @return the message
   * @throws EnvelopeFormatException naming the field and the problem
   */
  public DeviceMessage decode(byte[] envelope) {
    return reader.decode(envelope);
  }

  /**
   * Decodes one envelope from a stream, reading at most {@link Builder#maxEnvelopeBytes(int)} bytes
   * (plus what the parser buffers). The stream is not closed.
   *
   * @param in the UTF-8 JSON of one envelope, and nothing after it
   * @return the message
   * @throws EnvelopeFormatException naming the field and the problem
   * @throws UncheckedIOException if reading the stream fails
   */
  public DeviceMessage decode(InputStream in) {
    return reader.decode(in);
  }

  /** Whether this codec pretty-prints. @return {@code true} if it does */
  public boolean pretty() {
    return pretty;
  }

  /** Whether this codec rejects unknown fields. @return {@code true} if it does */
  public boolean strict() {
    return strict;
  }

  /** The largest envelope this codec decodes. @return the limit in bytes */
  public int maxEnvelopeBytes() {
    return maxEnvelopeBytes;
  }

  /** The deepest nesting this codec decodes. @return the limit in levels */
  public int maxNestingDepth() {
    return maxNestingDepth;
  }

  @Override
  public String toString() {
    return "EnvelopeCodec[pretty=" + pretty + ", strict=" + strict + ", maxEnvelopeBytes="
        + maxEnvelopeBytes + ", maxNestingDepth=" + maxNestingDepth + "]";
  }

  /** Configures an {@link EnvelopeCodec}. Not thread-safe. */
  public static final class Builder {
    private boolean pretty;
    private boolean strict;
    private int maxEnvelopeBytes = DEFAULT_MAX_ENVELOPE_BYTES;
    private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;

    private Builder() {}

    /**
     * Pretty-prints encoded envelopes, for humans. Never the default on the wire. Default: off.
     *
     * @param pretty whether to indent
     * @return this builder
     */
    public Builder pretty(boolean pretty) {
      this.pretty = pretty;
      return this;
    }

    /**
     * Rejects envelopes with fields other than the nine of the wire format. Default: off (unknown
     * fields, such as a timestamp the platform may add, are ignored).
     *
     * @param strict whether unknown fields are an error
     * @return this builder
     */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /**
     * The largest envelope to decode, in bytes. Default: {@value
     * EnvelopeCodec#DEFAULT_MAX_ENVELOPE_BYTES}.
     *
     * @param maxEnvelopeBytes the limit, at least 64
     * @return this builder
     */
    public Builder maxEnvelopeBytes(int maxEnvelopeBytes) {
      this.maxEnvelopeBytes = maxEnvelopeBytes;
      return this;
    }

    /**
     * The deepest nesting of JSON objects and arrays to decode (the envelope itself is one level;
     * deeper levels can only come from unknown fields). Default: {@value
     * EnvelopeCodec#DEFAULT_MAX_NESTING_DEPTH}.
     *
     * @param maxNestingDepth the limit, at least 1
     * @return this builder
     */
    public Builder maxNestingDepth(int maxNestingDepth) {
      this.maxNestingDepth = maxNestingDepth;
      return this;
    }

    /**
     * Builds the codec.
     *
     * @return the codec
     * @throws IllegalArgumentException listing every invalid setting
     */
    public EnvelopeCodec build() {
      Problems.of("EnvelopeCodec configuration")
          .atLeast("maxEnvelopeBytes", maxEnvelopeBytes, 64)
          .atLeast("maxNestingDepth", maxNestingDepth, 1)
          .throwIfAny();
      return new EnvelopeCodec(this);
    }
  }
}
