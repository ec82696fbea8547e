/** Implementation details of sink-cmq. Not exported and not part of the API. */
package dev.iotforwarder.cmq.internal;
