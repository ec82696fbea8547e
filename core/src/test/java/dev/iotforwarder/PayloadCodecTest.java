package dev.iotforwarder;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PayloadCodecTest {

  /** RFC 4648 section 10. */
  static Stream<Arguments> rfc4648Vectors() {
    return Stream.of(
        Arguments.of("", ""),
        Arguments.of("f", "Zg=="),
        Arguments.of("fo", "Zm8="),
        Arguments.of("foo", "Zm9v"),
        Arguments.of("foob", "Zm9vYg=="),
        Arguments.of("fooba", "Zm9vYmE="),
        Arguments.of("foobar", "Zm9vYmFy"));
  }

  @ParameterizedTest(name = "\"{0}\" <-> \"{1}\"")
  @MethodSource("rfc4648Vectors")
  void encodesTheRfc4648TestVectors(String raw, String base64) {
    assertThat(PayloadCodec.encode(raw.getBytes(US_ASCII))).isEqualTo(base64);
  }

  @ParameterizedTest(name = "\"{1}\" -> \"{0}\"")
  @MethodSource("rfc4648Vectors")
  void decodesTheRfc4648TestVectors(String raw, String base64) {
    assertThat(PayloadCodec.decode(base64)).containsExactly(raw.getBytes(US_ASCII));
  }

  @Test
  void encodesTheWholeByteRangeWithTheStandardAlphabetAndNoLineBreaks() {
    byte[] all = new byte[256 * 3];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    String encoded = PayloadCodec.encode(all);
    assertThat(encoded).hasSize(1024).matches("[A-Za-z0-9+/]+").contains("+").contains("/");
    assertThat(PayloadCodec.decode(encoded)).containsExactly(all);
  }

  @Test
  void decodesASliceOfACharArray() {
    char[] chars = "xxZm9vYmFyyy".toCharArray();
    assertThat(PayloadCodec.decode(chars, 2, 8)).containsExactly("foobar".getBytes(US_ASCII));
    assertThat(PayloadCodec.decode(chars, 5, 0)).isEmpty();
  }

  static Stream<Arguments> invalidBase64() {
    return Stream.of(
        Arguments.of("length not a multiple of 4", "Zm9vY",
            "Base64 length 5 is not a multiple of 4 (padding missing or text truncated)"),
        Arguments.of("missing padding", "Zg",
            "Base64 length 2 is not a multiple of 4 (padding missing or text truncated)"),
        Arguments.of("missing padding after a full quad", "Zm9vYmE",
            "Base64 length 7 is not a multiple of 4 (padding missing or text truncated)"),
        Arguments.of("padding in the middle", "Zg==Zm9v",
            "Base64 padding '=' at position 2 before the end of the text"),
        Arguments.of("padding inside the last quad", "Zm9vZ=8=",
            "Base64 padding '=' at position 5 before the end of the text"),
        Arguments.of("three padding characters", "Z===",
            "Base64 padding '=' at position 1 before the end of the text"),
        Arguments.of("only padding", "====",
            "Base64 padding '=' at position 0 before the end of the text"),
        Arguments.of("URL alphabet '-'", "Zm9-",
            "Base64 has an illegal character '-' (0x2d) at position 3"),
        Arguments.of("URL alphabet '_'", "_m9v",
            "Base64 has an illegal character '_' (0x5f) at position 0"),
        Arguments.of("space", "Zm9v YmE",
            "Base64 has an illegal character U+0020 at position 4"),
        Arguments.of("line feed", "Zm9v\nYm=",
            "Base64 has an illegal character U+000A at position 4"),
        Arguments.of("CRLF line break", "Zm\r\n",
            "Base64 has an illegal character U+000D at position 2"),
        Arguments.of("tab", "\tm9v",
            "Base64 has an illegal character U+0009 at position 0"),
        Arguments.of("non-ASCII letter", "Zm9\u00e9",
            "Base64 has an illegal character U+00E9 at position 3"),
        Arguments.of("non-ASCII look-alike", "Zm9\uff56",
            "Base64 has an illegal character U+FF56 at position 3"),
        Arguments.of("other ASCII punctuation", "Zm9v*mFy",
            "Base64 has an illegal character '*' (0x2a) at position 4"),
        Arguments.of("non-canonical bits before '=='", "Zh==",
            "Base64 is not canonical: the unused bits of the character at position 1 before the"
                + " padding are not zero"),
        Arguments.of("non-canonical bits before '='", "Zm9=",
            "Base64 is not canonical: the unused bits of the character at position 2 before the"
                + " padding are not zero"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidBase64")
  void rejectsInvalidBase64NamingTheProblemAndPosition(
      String problem, String base64, String message) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> PayloadCodec.decode(base64))
        .withMessage(message);
  }

  @Test
  void canonicalFormsOfTheNonCanonicalSamplesAreAccepted() {
    // "Zh==" and "Zg==" differ only in bits the padding drops; only "Zg==" is accepted.
    assertThat(Base64.getDecoder().decode("Zh==")).containsExactly('f'); // the JDK is lenient
    assertThat(PayloadCodec.decode("Zg==")).containsExactly('f');
    assertThat(PayloadCodec.decode("Zm8=")).containsExactly('f', 'o');
  }

  @Test
  void messagesNeverEchoALongInput() {
    String distinctive =
        PayloadCodec.encode("SECRET-SECRET-SECRET-SECRET-SECRET-SECRET-".getBytes(US_ASCII));
    for (String bad : new String[] {
        distinctive + "!",                       // wrong length
        distinctive.substring(0, 20) + "-" + distinctive.substring(21), // URL alphabet
        distinctive.substring(0, 20) + "=" + distinctive.substring(21), // padding inside
        distinctive + "Zh==",                   // non-canonical
    }) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> PayloadCodec.decode(bad))
          .satisfies(e -> assertThat(e.getMessage())
              .doesNotContain(distinctive.substring(0, 8))
              .doesNotContain("SECRET")
              .hasSizeLessThan(120));
    }
  }

  @Test
  void rejectsASliceOutsideTheArray() {
    char[] chars = "Zm9v".toCharArray();
    assertThatThrownBy(() -> PayloadCodec.decode(chars, 0, 8))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> PayloadCodec.decode(chars, 2, -4))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> PayloadCodec.decode(chars, -4, 4))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> PayloadCodec.decode(new char[8], 8, -4))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
