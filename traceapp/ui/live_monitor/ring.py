"""A preallocated ring of (time, value) samples whose newest `capacity` are one contiguous numpy view."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Ring:
    """Appends copy into arrays of twice the capacity; when the end is reached the newest
    `capacity` samples move to the front (once per `capacity` appends), so `times`/`values`
    are slices, never copies: a frame hands pyqtgraph views without allocating."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a ring holds at least one sample")
        self.capacity = capacity
        self._t = np.empty(2 * capacity, dtype=np.float64)
        self._v = np.empty(2 * capacity, dtype=np.float64)
        self._end = 0
        self._start = 0

    def __len__(self) -> int:
        return self._end - self._start

    def clear(self) -> None:
        self._start = self._end = 0

    def extend(self, times: FloatArray, values: FloatArray) -> None:
        n = int(times.shape[0])
        if n == 0:
            return
        if n >= self.capacity:
            times, values, n = times[-self.capacity :], values[-self.capacity :], self.capacity
            self._start = self._end = 0
        if self._end + n > self._t.shape[0]:
            keep = min(len(self), self.capacity - n)
            self._t[:keep] = self._t[self._end - keep : self._end]
            self._v[:keep] = self._v[self._end - keep : self._end]
            self._start, self._end = 0, keep
        self._t[self._end : self._end + n] = times
        self._v[self._end : self._end + n] = values
        self._end += n
        if len(self) > self.capacity:
            self._start = self._end - self.capacity

    def append(self, time: float, value: float) -> None:
        if self._end + 1 > self._t.shape[0]:
            keep = min(len(self), self.capacity - 1)
            self._t[:keep] = self._t[self._end - keep : self._end]
            self._v[:keep] = self._v[self._end - keep : self._end]
            self._start, self._end = 0, keep
        self._t[self._end] = time
        self._v[self._end] = value
        self._end += 1
        if len(self) > self.capacity:
            self._start = self._end - self.capacity

    @property
    def times(self) -> FloatArray:
        return self._t[self._start : self._end]

    @property
    def values(self) -> FloatArray:
        return self._v[self._start : self._end]

    @property
    def last_time(self) -> float | None:
        return float(self._t[self._end - 1]) if self._end > self._start else None
