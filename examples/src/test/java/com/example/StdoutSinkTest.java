package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testkit.SinkContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;

/** The README's StdoutSink passes the contract kit, its retriable failure included. */
@DisplayName("StdoutSink (the README's custom sink)")
class StdoutSinkTest extends SinkContract {
  private ByteArrayOutputStream printed;

  @Override
  protected Sink newSink() {
    printed = new ByteArrayOutputStream();
    return new StdoutSink(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @Override
  protected List<DeviceMessage> received() {
    List<DeviceMessage> out = new ArrayList<>();
    String text;
    synchronized (this) {
      text = printed.toString(StandardCharsets.UTF_8);
    }
    for (String line : text.split("\n")) {
      if (!line.isEmpty()) {
        out.add(EnvelopeCodec.standard().decode(line.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  /** Retriable: a stream that cannot be written. (Its permanent failure needs a payload over 1 MiB.) */
  @Override
  protected Sink newFailingSink(Failure failure) {
    if (failure != Failure.RETRIABLE) {
      return null;
    }
    return new StdoutSink(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("closed pipe");
      }
    }, true, StandardCharsets.UTF_8));
  }
}
