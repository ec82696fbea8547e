/**
 * The operator tool's commands: {@code spool status}, {@code spool dump}, {@code verify} and {@code
 * dead-letters replay}. Run {@code java -jar iot-forwarder-cli-VERSION.jar --help}.
 */
package dev.iotforwarder.cli;
