package dev.iotforwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the strict Base64 codec. A class of its own: when Jupiter and jqwik both report
 * tests of one class, Surefire's per-class summary keeps only the last engine's count.
 */
class PayloadCodecPropertiesTest {
  @Property(tries = 300)
  void decodeInvertsEncodeAndEncodeMatchesTheJdk(@ForAll @Size(max = 300) byte[] bytes) {
    String encoded = PayloadCodec.encode(bytes);
    assertThat(encoded).isEqualTo(Base64.getEncoder().encodeToString(bytes));
    assertThat(PayloadCodec.decode(encoded)).containsExactly(bytes);
  }

  @Provide
  Arbitrary<String> base64AlphabetText() {
    return Arbitraries.strings()
        .withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
        .withChars('=', 'A', 'g', 'h') // extra weight on padding and on last-quad candidates
        .ofMaxLength(16);
  }

  @Property(tries = 1000)
  void acceptsExactlyTheCanonicalEncodingsAndAgreesWithTheJdkOnThem(
      @ForAll("base64AlphabetText") String text) {
    byte[] jdk;
    try {
      jdk = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      jdk = null;
    }
    boolean canonical = jdk != null && Base64.getEncoder().encodeToString(jdk).equals(text);
    Statistics.label("canonical").collect(canonical);
    Statistics.label("canonical").coverage(c -> {
      c.check(true).percentage(p -> p > 10);
      c.check(false).percentage(p -> p > 10);
    });
    if (canonical) {
      assertThat(PayloadCodec.decode(text)).containsExactly(jdk);
    } else {
      assertThatIllegalArgumentException().isThrownBy(() -> PayloadCodec.decode(text));
    }
  }
}
