package dev.iotforwarder.testkit;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.RecordingSink;
import java.util.List;

/** The contract kit run against the simplest sink, which also proves the kit itself. */
class RecordingSinkContractTest extends SinkContract {
  private RecordingSink sink;

  @Override
  protected Sink newSink() {
    sink = new RecordingSink("recording");
    return sink;
  }

  @Override
  protected List<DeviceMessage> received() {
    return sink.received();
  }
}
