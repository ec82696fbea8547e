package dev.iotforwarder.cmq;

/** The HMAC used to sign CMQ requests, sent as the {@code SignatureMethod} parameter. */
public enum SignatureMethod {
  /** HMAC-SHA1: what the server assumes when {@code SignatureMethod} is missing. */
  HMAC_SHA1("HmacSHA1"),
  /** HMAC-SHA256: the default of this library. */
  HMAC_SHA256("HmacSHA256");

  private final String wireName;

  SignatureMethod(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The value of the {@code SignatureMethod} parameter, which is also the JCA {@code Mac} name.
   *
   * @return {@code "HmacSHA1"} or {@code "HmacSHA256"}
   */
  public String wireName() {
    return wireName;
  }
}
