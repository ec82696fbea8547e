/**
 * Internals of the CKafka sink, one idea per file: the record ({@code RecordFactory}, {@code
 * EnvelopeHeader}), the producer's configuration ({@code ProducerSettings}), one record's delivery and
 * its outcome ({@code Delivery}, {@code Outcomes}, {@code KafkaErrors}), the records in flight ({@code
 * PendingDeliveries}), the flush thread ({@code ProducerFlusher}) and redaction. Not API; not exported.
 */
package dev.iotforwarder.ckafka.internal;
