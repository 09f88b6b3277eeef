"""Typed errors of input devices: a cable pulled, a camera gone, a file that is no image."""

from __future__ import annotations

from traceapp.domain.errors import InvalidInput, KnownError


class InputDeviceError(KnownError):
    """A scanner, reader, camera or image file did not deliver; not a bug in the app."""

    code = "input_device"

    def __init__(self, message: str, *, hint: str = "", source_id: str = "") -> None:
        super().__init__(message, hint=hint)
        self.source_id = source_id


class InputSettingsError(InvalidInput):
    """A source was configured with values it cannot work with."""

    code = "input_settings"


class PortUnavailable(InputDeviceError):
    """The serial port cannot be opened: not plugged in, wrong name, or held by another program."""

    code = "port_unavailable"


class ScannerDisconnected(InputDeviceError):
    """The port went away while reading: cable pulled or the USB adapter reset."""

    code = "scanner_disconnected"


class ReconnectGaveUp(InputDeviceError):
    """The reconnect attempts ran out; the source stays stopped until someone restarts it."""

    code = "reconnect_gave_up"


class GarbledData(InputDeviceError):
    """Bytes arrived that form no read: wrong baud rate, encoding or reader mode."""

    code = "garbled_data"


class CameraUnavailable(InputDeviceError):
    """The camera or video cannot be opened."""

    code = "camera_unavailable"


class CameraDisconnected(InputDeviceError):
    """A live camera stopped delivering frames: unplugged or taken by another program."""

    code = "camera_disconnected"


class DecoderUnavailable(InputDeviceError):
    """No image decoder is installed, so cameras and image files cannot be read."""

    code = "decoder_unavailable"


class ImageUnreadable(InputDeviceError):
    """An image file is missing, unreadable or not an image."""

    code = "image_unreadable"


class NoCodeInImage(InputDeviceError):
    """An image was read but holds no code the decoder can read."""

    code = "no_code_in_image"
