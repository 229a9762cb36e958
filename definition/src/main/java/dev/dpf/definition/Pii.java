package dev.dpf.definition;

/**
 * The kind of personal data a column holds ({@code pii:} on a dataset column). Curated outputs must
 * not show tagged columns in clear; the tag says how a column is protected.
 */
public enum Pii {
  /** A person's or company's name: replaced by a keyed hash. */
  NAME,
  /** A phone number: all digits but the last two masked. */
  PHONE,
  /** A street address line: replaced by a keyed hash. */
  ADDRESS,
  /** An e-mail address: replaced by a keyed hash. */
  EMAIL,
  /** An IPv4 address: truncated to its /24 network. */
  IPV4,
  /** A bank account or card number: only its last 4 digits are kept. */
  ACCOUNT_NUMBER;

  /** The name used in the definition, for example {@code account_number}. */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
