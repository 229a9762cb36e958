package dev.dpf.core.internal.stage;

import org.apache.spark.sql.RuntimeConfig;

/**
 * A session setting as it was when saved (possibly unset), to put back after a stage changed it.
 */
public final class SessionSetting {
  private final RuntimeConfig conf;
  private final String key;
  private final String value;

  private SessionSetting(RuntimeConfig conf, String key) {
    this.conf = conf;
    this.key = key;
    this.value = conf.get(key, null);
  }

  static SessionSetting save(RuntimeConfig conf, String key) {
    return new SessionSetting(conf, key);
  }

  /** Sets the value saved again, or unsets the key if it was not set. */
  void restore() {
    if (value == null) {
      conf.unset(key);
    } else {
      conf.set(key, value);
    }
  }
}
