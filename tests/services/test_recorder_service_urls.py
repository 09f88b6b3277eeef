"""The recorder child's status names its sources as they were written, passwords hidden."""

from __future__ import annotations

from traceapp.services.recorder_service import masked_source


def test_a_source_is_shown_as_written_with_its_wildcard() -> None:
    # SQLAlchemy's URL rendering turned the topic's # into %23 (seen on the Live monitor page).
    url = "mqtt://127.0.0.1:1883/plant/walk/#"
    assert masked_source(url) == url
    assert masked_source("simulator://?channels=8&rate=20") == "simulator://?channels=8&rate=20"


def test_a_password_in_a_source_is_hidden() -> None:
    assert (
        masked_source("mqtt://rec:s3cret@broker.plant:8883/plant/+/oven1/#")
        == "mqtt://rec:***@broker.plant:8883/plant/+/oven1/#"
    )
    assert (
        masked_source("opc.tcp://:pw@10.0.0.5:4840?node=x") == "opc.tcp://:***@10.0.0.5:4840?node=x"
    )
