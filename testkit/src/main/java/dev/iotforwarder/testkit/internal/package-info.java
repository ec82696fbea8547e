/** Implementation details of the testkit. Not part of its API. */
package dev.iotforwarder.testkit.internal;
