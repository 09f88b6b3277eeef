"""Sensor sources without Qt: the built-in simulator and MQTT; they hand readings to a sink."""
