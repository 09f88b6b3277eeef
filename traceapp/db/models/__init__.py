"""All tables, imported together so the metadata (and Alembic) sees every one."""

from traceapp.db.models.audit import AuditEntry, AuditHead, Signature
from traceapp.db.models.conditions import ConditionFlag, ShipmentLogger
from traceapp.db.models.epcis import (
    EpcisBizTransaction,
    EpcisCorrectiveEvent,
    EpcisEventDetail,
    EpcisSensorElement,
    EpcisSensorReport,
    EpcisSourceDestination,
    ExternalObject,
)
from traceapp.db.models.events import ErrorDeclaration, Event, EventItem
from traceapp.db.models.genealogy import ContainerContent, LotEdge, Shipment, ShipmentItem
from traceapp.db.models.inspections import (
    Inspection,
    InspectionCharacteristic,
    InspectionMeasurement,
    InspectionPlan,
    Nonconformance,
)
from traceapp.db.models.inventory import CodeBinding, Container, Lot, SerialUnit
from traceapp.db.models.master import Location, Party, PlantMeta, Product, User
from traceapp.db.models.sensors import SensorChannel
from traceapp.db.models.spc_watch import SpcAlarm, SpcChannelSetting

__all__ = [
    "AuditEntry",
    "AuditHead",
    "CodeBinding",
    "ConditionFlag",
    "Container",
    "ContainerContent",
    "EpcisBizTransaction",
    "EpcisCorrectiveEvent",
    "EpcisEventDetail",
    "EpcisSensorElement",
    "EpcisSensorReport",
    "EpcisSourceDestination",
    "ErrorDeclaration",
    "Event",
    "EventItem",
    "ExternalObject",
    "Inspection",
    "InspectionCharacteristic",
    "InspectionMeasurement",
    "InspectionPlan",
    "Location",
    "Lot",
    "LotEdge",
    "Nonconformance",
    "Party",
    "PlantMeta",
    "Product",
    "SensorChannel",
    "SerialUnit",
    "Shipment",
    "ShipmentItem",
    "ShipmentLogger",
    "Signature",
    "SpcAlarm",
    "SpcChannelSetting",
    "User",
]
