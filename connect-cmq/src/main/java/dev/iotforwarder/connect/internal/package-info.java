/**
 * The connectors' tasks and helpers: public only because Connect instantiates the task classes by
 * name; not API.
 */
package dev.iotforwarder.connect.internal;
