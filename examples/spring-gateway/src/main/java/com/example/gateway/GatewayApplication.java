package com.example.gateway;

import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import dev.iotforwarder.Forwarder;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A gateway in one class: devices (or the platform's HTTP push) POST JSON envelopes to {@code
 * /messages}; the forwarder, its sinks, routes, metrics and health all come from {@code
 * application.yml} through the iot-forwarder starter.
 */
@SpringBootApplication
@RestController
public class GatewayApplication {
  private final Forwarder forwarder;
  private final EnvelopeCodec codec = EnvelopeCodec.standard();

  /**
   * The controller, given the starter's forwarder.
   *
   * @param forwarder the forwarder
   */
  public GatewayApplication(Forwarder forwarder) {
    this.forwarder = forwarder;
  }

  /**
   * Forwards one envelope; answers 202 once the forwarder accepted it (with a spool: once it is on
   * disk), 503 if it could not.
   *
   * @param envelope the JSON envelope
   * @return the answer, when the message was accepted
   */
  @PostMapping("/messages")
  public CompletableFuture<ResponseEntity<String>> forward(@RequestBody byte[] envelope) {
    return forwarder.submit(codec.decode(envelope)).accepted()
        .handle((ok, error) -> error == null
            ? ResponseEntity.accepted().body("accepted")
            : ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(error.getMessage()));
  }

  /**
   * A malformed envelope is the sender's error.
   *
   * @param e what was wrong
   * @return 400 with the reason
   */
  @ExceptionHandler(EnvelopeFormatException.class)
  public ResponseEntity<String> badEnvelope(EnvelopeFormatException e) {
    return ResponseEntity.badRequest().body(e.getMessage());
  }

  /**
   * Runs the gateway.
   *
   * @param args Spring Boot's arguments, e.g. {@code --iot.forwarder.cmq.region=ap-guangzhou}
   */
  public static void main(String[] args) {
    SpringApplication.run(GatewayApplication.class, args);
  }
}
