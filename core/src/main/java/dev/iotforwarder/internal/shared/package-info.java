/**
 * Helpers shared by core and the other iot-forwarder modules, never by users: builder validation
 * ({@link dev.iotforwarder.internal.shared.Problems}) and the intrusive list of in-flight sends
 * ({@link dev.iotforwarder.internal.shared.IntrusiveList}).
 *
 * <p>Exported by core's {@code module-info} only to the project's own modules (a qualified export),
 * so that it is not public API although several artifacts use it; see {@code docs/design.md}.
 */
package dev.iotforwarder.internal.shared;
