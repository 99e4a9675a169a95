"""The GTFS schedule reference as a data standard: the files it defines and their fields, the
ones every feed must have, and the fields that are numbers. Every GTFS feed maps onto it as
delivered (the reference is the mapping); the GTFS connector unpacks feeds against it."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.standards.model import Column


@dataclass(frozen=True)
class GtfsFile:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    numeric: dict[str, str] | None = None

    def columns(self) -> list[Column]:
        types = self.numeric or {}
        return [
            Column(name=n, required=n in self.required, type=types.get(n, "varchar"))
            for n in (*self.required, *self.optional)
        ]


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Field names per file, from the GTFS schedule reference.
REFERENCE: dict[str, GtfsFile] = {
    "agency": GtfsFile(
        ("agency_name", "agency_url", "agency_timezone"),
        ("agency_id", "agency_lang", "agency_phone", "agency_fare_url", "agency_email"),
    ),
    "stops": GtfsFile(
        ("stop_id",),
        (
            "stop_code",
            "stop_name",
            "tts_stop_name",
            "stop_desc",
            "stop_lat",
            "stop_lon",
            "zone_id",
            "stop_url",
            "location_type",
            "parent_station",
            "stop_timezone",
            "wheelchair_boarding",
            "level_id",
            "platform_code",
        ),
        {
            "stop_lat": "double",
            "stop_lon": "double",
            "location_type": "integer",
            "wheelchair_boarding": "integer",
        },
    ),
    "routes": GtfsFile(
        ("route_id", "route_type"),
        (
            "agency_id",
            "route_short_name",
            "route_long_name",
            "route_desc",
            "route_url",
            "route_color",
            "route_text_color",
            "route_sort_order",
            "continuous_pickup",
            "continuous_drop_off",
            "network_id",
        ),
        {"route_type": "integer", "route_sort_order": "integer"},
    ),
    "trips": GtfsFile(
        ("route_id", "service_id", "trip_id"),
        (
            "trip_headsign",
            "trip_short_name",
            "direction_id",
            "block_id",
            "shape_id",
            "wheelchair_accessible",
            "bikes_allowed",
        ),
        {"direction_id": "integer", "wheelchair_accessible": "integer", "bikes_allowed": "integer"},
    ),
    "stop_times": GtfsFile(
        ("trip_id", "stop_sequence"),
        (
            "arrival_time",
            "departure_time",
            "stop_id",
            "stop_headsign",
            "pickup_type",
            "drop_off_type",
            "continuous_pickup",
            "continuous_drop_off",
            "shape_dist_traveled",
            "timepoint",
        ),
        {
            "stop_sequence": "integer",
            "pickup_type": "integer",
            "drop_off_type": "integer",
            "shape_dist_traveled": "double",
            "timepoint": "integer",
        },
    ),
    "calendar": GtfsFile(
        ("service_id", *DAYS, "start_date", "end_date"), (), dict.fromkeys(DAYS, "integer")
    ),
    "calendar_dates": GtfsFile(
        ("service_id", "date", "exception_type"), (), {"exception_type": "integer"}
    ),
    "feed_info": GtfsFile(
        ("feed_publisher_name", "feed_publisher_url", "feed_lang"),
        (
            "default_lang",
            "feed_start_date",
            "feed_end_date",
            "feed_version",
            "feed_contact_email",
            "feed_contact_url",
        ),
    ),
    "shapes": GtfsFile(
        ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
        ("shape_dist_traveled",),
        {
            "shape_pt_lat": "double",
            "shape_pt_lon": "double",
            "shape_pt_sequence": "integer",
            "shape_dist_traveled": "double",
        },
    ),
    "frequencies": GtfsFile(
        ("trip_id", "start_time", "end_time", "headway_secs"),
        ("exact_times",),
        {"headway_secs": "integer", "exact_times": "integer"},
    ),
    "transfers": GtfsFile(
        ("transfer_type",),
        (
            "from_stop_id",
            "to_stop_id",
            "from_route_id",
            "to_route_id",
            "from_trip_id",
            "to_trip_id",
            "min_transfer_time",
        ),
        {"transfer_type": "integer", "min_transfer_time": "integer"},
    ),
    "fare_attributes": GtfsFile(
        ("fare_id", "price", "currency_type", "payment_method", "transfers"),
        ("agency_id", "transfer_duration"),
        {"price": "double", "payment_method": "integer", "transfer_duration": "integer"},
    ),
    "fare_rules": GtfsFile(
        ("fare_id",), ("route_id", "origin_id", "destination_id", "contains_id")
    ),
}
REQUIRED_FILES = ("agency", "stops", "routes", "trips", "stop_times")
CALENDAR_FILES = ("calendar", "calendar_dates")


GTFS_TABLE = "transport__gtfs"


def gtfs_tables() -> dict[str, str]:
    """Reference file stem -> its raw table."""
    return {stem: f"{GTFS_TABLE}__{stem}" for stem in REFERENCE}


def is_identifier(field: str) -> bool:
    """A field that names a feed's own entity (an id, or a stop's parent station): what a
    namespace prefixes so that two feeds' ids stay apart."""
    return (field.endswith("_id") and field != "direction_id") or field == "parent_station"
