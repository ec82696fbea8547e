/** Processors and value codecs behind the streams API: not public API. */
package dev.iotforwarder.streams.internal;
