"""The outside world without Qt: scanners, cameras, RFID readers, sensors, printers."""
