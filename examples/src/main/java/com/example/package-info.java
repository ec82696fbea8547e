/** The iot-forwarder demo and usage examples. */
package com.example;
