/**
 * Tencent CMQ (and TDMQ for CMQ) over its signed HTTP data-flow API.
 *
 * <ul>
 *   <li>{@link dev.iotforwarder.cmq.CmqSink}: a {@link dev.iotforwarder.spi.Sink} that sends
 *       envelopes to a queue ({@code BatchSendMessage}) or a topic ({@code BatchPublishMessage}),
 *       16 per request;
 *   <li>{@link dev.iotforwarder.cmq.CmqReceiver}: the consumer side, which long-polls a queue, hands
 *       each decoded message to a handler and deletes it once the handler succeeded;
 *   <li>{@link dev.iotforwarder.cmq.CmqClient}: the asynchronous low-level client both are built on;
 *   <li>{@link dev.iotforwarder.cmq.CmqSigner}, {@link dev.iotforwarder.cmq.CmqCredentials} and
 *       {@link dev.iotforwarder.cmq.CmqEndpoint}: request signing, keys and hosts.
 * </ul>
 *
 * <p>Secrets (the SecretKey and an STS token) never appear in {@code toString()}, logs or exception
 * messages.
 */
package dev.iotforwarder.cmq;
