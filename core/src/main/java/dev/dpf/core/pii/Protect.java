package dev.dpf.core.pii;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.definition.Pii;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * How a column tagged with personal data is shown outside the transformed zone. Names, e-mail
 * addresses and street addresses become a keyed hash (HMAC-SHA256, hex): equal values stay equal,
 * so they still join and group, but cannot be looked up without the key. Phones keep their last two
 * digits, IPv4 addresses their /24 network, account numbers their last four characters. A value
 * that is not an IPv4 address becomes null rather than pass through in clear. Null stays null.
 */
public final class Protect {
  private Protect() {}

  /**
   * The protected form of {@code value}.
   *
   * @param key the secret for keyed hashes (from configuration, never from the repository)
   */
  public static Column column(Pii tag, Column value, String key) {
    Column text = value.cast("string");
    return switch (tag) {
      case NAME, EMAIL, ADDRESS -> hmac(key).apply(text);
      case PHONE -> regexp_replace(text, "[0-9](?=(?:[^0-9]*[0-9]){2})", "*");
      case IPV4 ->
          when(
              text.rlike("^([0-9]{1,3}\\.){3}[0-9]{1,3}$"),
              concat(
                  regexp_extract(text, "^([0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})\\.", 1),
                  lit(".0/24")));
      case ACCOUNT_NUMBER ->
          when(length(text).leq(4), lit("****"))
              .otherwise(concat(lit("****"), text.substr(length(text).minus(3), lit(4))));
    };
  }

  /** HMAC-SHA256 of a string under {@code key}, as lower-case hex; null for null. */
  static String hmac(String key, String value) {
    if (value == null) {
      return null;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  private static UserDefinedFunction hmac(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("the PII hashing key is empty");
    }
    UDF1<String, String> f = v -> hmac(key, v);
    return udf(f, DataTypes.StringType);
  }
}
