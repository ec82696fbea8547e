/** Internals of the CKafka sink: error mapping, headers, redaction. Not API; not exported. */
package dev.iotforwarder.ckafka.internal;
