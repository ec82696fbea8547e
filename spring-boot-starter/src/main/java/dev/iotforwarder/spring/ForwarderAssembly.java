package dev.iotforwarder.spring;

import dev.iotforwarder.FileDeadLetterSink;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.MessageType;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.ckafka.CkafkaSinkBuilder;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.spi.Sink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns {@link IotForwarderProperties} and the host's sink beans into sinks and a forwarder. Every
 * problem is collected with the property it concerns and reported at once ({@link
 * InvalidForwarderPropertiesException}); nothing is left open when that happens. Single-threaded:
 * one instance per application context start.
 */
final class ForwarderAssembly {
  private static final String P = "iot.forwarder.";

  private final IotForwarderProperties props;
  private final List<String> problems = new ArrayList<>();
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final Map<String, Sink> sinks = new LinkedHashMap<>();

  ForwarderAssembly(IotForwarderProperties props) {
    this.props = props;
  }

  /**
   * Builds the sinks, then the forwarder.
   *
   * @return the forwarder and what it uses that the context must close after it
   * @throws InvalidForwarderPropertiesException listing every problem
   */
  ConfiguredForwarder assemble(List<Sink> hostSinks, List<ForwarderListener> listeners) {
    for (Sink s : hostSinks) {
      sinks.put(s.name(), s);
    }
    props.ckafka().forEach(this::ckafka);
    cmq();
    ForwarderBuilder b = Forwarder.builder().closeTimeout(props.closeTimeout()).closeSinks(false);
    routes(b);
    lanes(b);
    spoolAndDeadLetters(b);
    listeners.forEach(b::listener);
    Forwarder forwarder = null;
    if (problems.isEmpty()) {
      forwarder = attempt(P + "*", b::build);
    }
    if (forwarder == null) {
      ConfiguredForwarder.closeAll(owned);
      throw new InvalidForwarderPropertiesException(problems);
    }
    return new ConfiguredForwarder(forwarder, Map.copyOf(sinks), List.copyOf(owned));
  }

  private void ckafka(String name, IotForwarderProperties.Ckafka c) {
    String p = P + "ckafka." + name + ".";
    boolean split = c.statusTopic() != null || c.publishTopic() != null;
    required(p + "bootstrap-servers", c.bootstrapServers());
    if (c.topic() == null && !split) {
      problems.add(p + "topic (or status-topic and publish-topic) is required");
    } else if (c.topic() != null && split) {
      problems.add(p + "topic and status-topic/publish-topic exclude each other: set one of them");
    } else if (split) {
      required(p + "status-topic", c.statusTopic());
      required(p + "publish-topic", c.publishTopic());
    }
    IotForwarderProperties.Sasl sasl = c.sasl();
    if (sasl != null) {
      required(p + "sasl.instance-id", sasl.instanceId());
      required(p + "sasl.username", sasl.username());
      required(p + "sasl.password", sasl.password());
    }
    if (!problems.isEmpty() || sinks.containsKey(name)) {
      unique(p, name);
      return;
    }
    CkafkaSinkBuilder b = CkafkaSink.builder().name(name).bootstrapServers(c.bootstrapServers());
    if (split) {
      String status = c.statusTopic();
      String publish = c.publishTopic();
      b.topicRouter(m -> m.msgType() == MessageType.STATUS ? status : publish);
    } else {
      b.topic(c.topic());
    }
    if (sasl != null) {
      if (sasl.ssl()) {
        b.saslSsl(sasl.instanceId(), sasl.username(), sasl.password());
      } else {
        b.sasl(sasl.instanceId(), sasl.username(), sasl.password());
      }
    }
    b.producerProperties(c.producer());
    add(p, name, b::build);
  }

  private void cmq() {
    IotForwarderProperties.Cmq c = props.cmq();
    if (c.sinks().isEmpty()) {
      return;
    }
    String p = P + "cmq.";
    boolean byEndpoint = !blank(c.endpoint());
    if (byEndpoint == !blank(c.region())) {
      problems.add(p + "endpoint or " + p + "region is required (one of them, not both)");
    }
    required(p + "secret-id", c.secretId());
    required(p + "secret-key", c.secretKey());
    c.sinks().forEach((name, s) -> {
      if ((s.queue() == null) == (s.topic() == null)) {
        problems.add(p + "sinks." + name + ".queue or ." + "topic is required (one of them)");
      }
      unique(p + "sinks." + name + ".", name);
    });
    if (!problems.isEmpty()) {
      return;
    }
    CmqClient client = attempt(p + "*", () -> CmqClient.builder()
        .endpoint(byEndpoint ? CmqEndpoint.of(c.endpoint())
            : c.privateNetwork() ? CmqEndpoint.tdmqPrivate(c.region())
            : CmqEndpoint.tdmqPublic(c.region()))
        .credentials(c.token() == null ? CmqCredentials.of(c.secretId(), c.secretKey())
            : CmqCredentials.of(c.secretId(), c.secretKey(), c.token()))
        .build());
    if (client == null) {
      return;
    }
    owned.add(client); // closed after the sinks (closeAll closes in reverse order)
    c.sinks().forEach((name, s) -> {
      CmqSink.Builder b = CmqSink.builder().name(name).client(client);
      if (s.queue() != null) {
        b.queue(s.queue());
      } else {
        b.topic(s.topic());
      }
      if (s.tagByType()) {
        b.msgTags(CmqSink.tagByMsgType());
      } else if (!s.tags().isEmpty()) {
        List<String> tags = List.copyOf(s.tags());
        b.msgTags(m -> tags);
      }
      add(p + "sinks." + name + ".", name, b::build);
    });
  }

  private void routes(ForwarderBuilder b) {
    if (props.routes().isEmpty()) {
      sinks.values().forEach(b::route);
      if (sinks.isEmpty() && props.ckafka().isEmpty() && props.cmq().sinks().isEmpty()) {
        problems.add(P + "ckafka, " + P + "cmq.sinks or a Sink bean is required: no sink is configured");
      }
      return;
    }
    for (int i = 0; i < props.routes().size(); i++) {
      IotForwarderProperties.Route r = props.routes().get(i);
      String p = P + "routes[" + i + "].";
      MessageFilter filter = filter(r, p);
      if (r.sinks().isEmpty()) {
        problems.add(p + "sinks is required: name at least one sink");
      }
      List<Sink> targets = new ArrayList<>();
      for (String name : r.sinks()) {
        Sink s = sink(p + "sinks", name);
        if (s != null) {
          targets.add(s);
        }
      }
      if (r.backup() != null) {
        Sink backup = sink(p + "backup", r.backup());
        if (r.sinks().size() != 1) {
          problems.add(p + "backup needs exactly one sink in " + p + "sinks, had " + r.sinks());
        } else if (backup != null && targets.size() == 1 && filter != null) {
          b.failover(filter, targets.get(0), backup);
        }
      } else if (filter != null) {
        targets.forEach(s -> b.route(filter, s));
      }
    }
  }

  private MessageFilter filter(IotForwarderProperties.Route r, String p) {
    MessageFilter f = r.types().isEmpty() ? MessageFilter.all()
        : MessageFilter.types(r.types().toArray(new MessageType[0]));
    if (r.topic() != null) {
      MessageFilter topic = attempt(p + "topic", () -> MessageFilter.topic(r.topic()));
      return topic == null ? null : MessageFilter.of(m -> f.test(m) && topic.test(m));
    }
    return f;
  }

  private void lanes(ForwarderBuilder b) {
    LaneOptions defaults = lane(P + "lane.", props.lane(), LaneOptions.DEFAULTS);
    if (defaults != null) {
      b.laneDefaults(defaults);
    }
    props.lanes().forEach((name, l) -> {
      String p = P + "lanes." + name + ".";
      if (!sinks.containsKey(name)) {
        if (!props.ckafka().containsKey(name) && !props.cmq().sinks().containsKey(name)) {
          problems.add(p + "* names no sink; sinks: " + sinks.keySet());
        }
        return;
      }
      LaneOptions o = lane(p, l, defaults == null ? LaneOptions.DEFAULTS : defaults);
      if (o != null) {
        b.lane(name, o);
      }
    });
  }

  private LaneOptions lane(String p, IotForwarderProperties.Lane l, LaneOptions base) {
    return attempt(p + "*", () -> {
      LaneOptions.Builder o = base.toBuilder();
      if (l.maxMessages() != null) {
        o.maxMessages(l.maxMessages());
      }
      if (l.maxInFlight() != null) {
        o.maxInFlight(l.maxInFlight());
      }
      if (l.threads() != null) {
        o.threads(l.threads());
      }
      if (l.ordered() != null) {
        o.ordered(l.ordered());
      }
      if (l.sendTimeout() != null) {
        o.sendTimeout(l.sendTimeout());
      }
      if (l.publishOverflow() != null) {
        o.publishOverflow(l.publishOverflow());
      }
      if (l.statusOverflow() != null) {
        o.statusOverflow(l.statusOverflow());
      }
      IotForwarderProperties.Retry r = l.retry();
      if (r != null) {
        o.retryPolicy(retry(r, base.retryPolicy()));
      }
      return o.build();
    });
  }

  private static RetryPolicy retry(IotForwarderProperties.Retry r, RetryPolicy base) {
    RetryPolicy.Builder b = base.toBuilder();
    if (r.maxAttempts() != null) {
      b.maxAttempts(r.maxAttempts());
    }
    if (r.initialBackoff() != null) {
      b.initialBackoff(r.initialBackoff());
    }
    if (r.maxBackoff() != null) {
      b.maxBackoff(r.maxBackoff());
    }
    if (r.multiplier() != null) {
      b.multiplier(r.multiplier());
    }
    if (r.maxElapsed() != null) {
      b.maxElapsed(r.maxElapsed());
    }
    return b.build();
  }

  private void spoolAndDeadLetters(ForwarderBuilder b) {
    IotForwarderProperties.Spool s = props.spool();
    if (s.directory() != null) {
      SpoolOptions o = attempt(P + "spool.*", () -> {
        SpoolOptions.Builder sb = SpoolOptions.builder();
        if (s.maxDisk() != null) {
          sb.maxDiskBytes(s.maxDisk().toBytes());
        }
        if (s.fullPolicy() != null) {
          sb.fullPolicy(s.fullPolicy());
        }
        return sb.build();
      });
      if (o != null) {
        b.spool(s.directory(), o);
      }
    }
    if (props.deadLetterFile() != null && problems.isEmpty()) {
      FileDeadLetterSink dead = attempt(P + "dead-letter-file",
          () -> FileDeadLetterSink.open(props.deadLetterFile()));
      if (dead != null) {
        owned.add(dead);
        b.deadLetter(dead);
      }
    }
  }

  private Sink sink(String property, String name) {
    Sink s = sinks.get(name);
    boolean declared = props.ckafka().containsKey(name) || props.cmq().sinks().containsKey(name);
    if (s == null && !declared) { // a declared sink that failed has its own problem already
      problems.add(property + " names " + name + ", which is no sink; sinks: " + sinks.keySet());
    }
    return s;
  }

  private void unique(String p, String name) {
    if (sinks.containsKey(name)) {
      problems.add(p + "* uses the sink name " + name + " twice: sink names must be unique");
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  private void required(String property, String value) {
    if (blank(value)) {
      problems.add(property + " is required");
    }
  }

  private void add(String p, String name, Supplier<? extends Sink> build) {
    Sink s = attempt(p + "*", build);
    if (s != null) {
      owned.add(s);
      sinks.put(name, s);
    }
  }

  /** Runs a library builder; its exception (which lists its own problems) is kept, named. */
  private <T> T attempt(String property, Supplier<T> build) {
    try {
      return build.get();
    } catch (RuntimeException e) {
      problems.add(property + ": " + e.getMessage());
      return null;
    }
  }
}
