"""The camera's live picture with every code it found outlined, so the person can aim the label."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from traceapp.ui.scanner_input import CameraScanner

PREVIEW_INTERVAL_MS = 66  # about 15 pictures a second: smooth enough to aim, light on the CPU
# Meaning-carrying, like the feedback panel's green: "this code was read".
OUTLINE = QColor("#1bd15a")
OUTLINE_WIDTH = 4
# A live camera's preview runs ahead of the decoder; outlines of a frame this close still sit on
# the label (a third of a second at 15 fps), older ones would trail behind a moving hand.
STALE_FRAMES = 5


class CameraView(QWidget):
    """Paints the newest frame of a CameraScanner, scaled to fit, with found codes outlined."""

    def __init__(self, camera: CameraScanner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraPreview")
        self.camera = camera
        self.image: QImage | None = None
        self.outlines: list[QPolygonF] = []  # in image pixels
        self.frame_index: int | None = None
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(QCoreApplication.translate("ScanStation", "Camera preview"))
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._refresh)
        self._timer.start(PREVIEW_INTERVAL_MS)

    def _refresh(self) -> None:
        frame = self.camera.latest_frame()
        if frame is None or frame.index == self.frame_index:
            return
        self.frame_index = frame.index
        pixels = frame.image
        height, width = pixels.shape[:2]
        if pixels.ndim == 2:
            image = QImage(
                pixels.data, width, height, pixels.strides[0], QImage.Format.Format_Grayscale8
            )
        else:
            image = QImage(
                pixels.data, width, height, pixels.strides[0], QImage.Format.Format_BGR888
            )
        self.image = image.copy()  # the frame's buffer belongs to the camera thread
        self.outlines = [
            QPolygonF([QPointF(x, y) for x, y in code.corners])
            for code in frame.codes
            if code.corners is not None
            and frame.decoded_index is not None
            and frame.index - frame.decoded_index <= STALE_FRAMES
        ]
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self.image is None:
            painter.setPen(Qt.GlobalColor.white)
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                QCoreApplication.translate("ScanStation", "Waiting for the camera…"),
            )
            return
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        left = (self.width() - size.width()) / 2
        top = (self.height() - size.height()) / 2
        target = QRectF(left, top, size.width(), size.height())
        painter.drawImage(target, self.image)
        scale = size.width() / self.image.width()
        painter.translate(left, top)
        painter.scale(scale, scale)
        pen = QPen(OUTLINE, OUTLINE_WIDTH / scale)
        painter.setPen(pen)
        for outline in self.outlines:
            painter.drawPolygon(outline)

    def stop(self) -> None:
        self._timer.stop()
