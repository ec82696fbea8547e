package dev.iotforwarder.cmq;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server of raw sockets that answers every request with a behaviour of the test's
 * choosing, hostile ones included (endless bodies, slow drips, resets, silence, redirects). It reads
 * each request fully, counts it, runs the behaviour, and counts connections the behaviour saw the
 * client close. One thread per connection; {@link #close()} ends them all.
 */
final class HostileServer implements AutoCloseable {
  /** What the server does with one request's connection. */
  @FunctionalInterface
  interface Behaviour {
    void answer(Socket socket, OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final Behaviour behaviour;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger clientClosed = new AtomicInteger();
  private final ConcurrentLinkedQueue<Socket> sockets = new ConcurrentLinkedQueue<>();
  private final Thread acceptor;

  HostileServer(Behaviour behaviour) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.behaviour = behaviour;
    this.acceptor = new Thread(this::acceptLoop, "hostile-server-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  int requests() {
    return requests.get();
  }

  /** Connections on which a write failed or a read saw EOF after the answer began: the client let go. */
  int clientClosed() {
    return clientClosed.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "hostile-server-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      if (!readRequest(in)) {
        return;
      }
      requests.incrementAndGet();
      behaviour.answer(s, s.getOutputStream());
      s.getOutputStream().flush();
    } catch (IOException e) {
      clientClosed.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4 && (b = in.read()) >= 0) {
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    if (matched < 4) {
      return false;
    }
    long length = 0;
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(line.substring(15).trim());
      }
    }
    in.skipNBytes(length);
    return true;
  }

  static void head(OutputStream out, String statusLine, String... headers) throws IOException {
    StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(statusLine).append("\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  static void reply(OutputStream out, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    head(out, "200 OK", "Content-Type: " + contentType, "Content-Length: " + bytes.length, "Connection: close");
    out.write(bytes);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
