package dev.dpf.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Ports on 127.0.0.1 for the servers the end-to-end suites start, and waiting for them. */
public final class Loopback {
  private Loopback() {}

  /** A port free on loopback right now. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether something accepts connections on the port. */
  public static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The text of a server's log file, for failure messages. */
  public static Supplier<String> log(java.nio.file.Path file) {
    return () -> {
      try {
        return java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    };
  }

  /**
   * Waits until {@code ready} holds; fails with {@code what} and {@code detail} (say, a log) after
   * {@code timeout}, or as soon as {@code process} exits.
   */
  public static void await(
      String what,
      Duration timeout,
      Process process,
      BooleanSupplier ready,
      Supplier<String> detail)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new AssertionError(
            what + ": the process exited with " + process.exitValue() + "\n" + detail.get());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not ready after " + timeout + "\n" + detail.get());
      }
      Thread.sleep(200);
    }
  }
}
