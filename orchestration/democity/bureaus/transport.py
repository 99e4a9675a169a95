"""交通运输局: a GTFS schedule, smart-card taps (daily CSV) and bus GPS pings (daily Parquet)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.democity.context import DayContext, GenerationContext
from orchestration.democity.geography import CITY_NAME
from orchestration.democity.random import rng_for
from orchestration.democity.writers import write_csv, write_parquet, write_zip
from orchestration.holidays import day_type, is_working

KMH_BUS = 20.0
# Headway in minutes by (band start hour, workday?, weekend?).
HEADWAYS = [(5.5, 10, 12), (7.0, 6, 10), (9.0, 10, 12), (17.0, 6, 10), (19.0, 15, 15)]
LAST_DEPARTURE_H = 23 + 40 / 60
# Share of each hour's boardings on a working day and on a rest day.
WORKDAY_PROFILE = np.array(
    [1, 0, 0, 0, 0, 8, 30, 95, 100, 55, 40, 42, 45, 42, 40, 45, 60, 95, 90, 55, 40, 30, 18, 6],
    float,
)
RESTDAY_PROFILE = np.array(
    [1, 0, 0, 0, 0, 3, 10, 25, 45, 60, 70, 72, 70, 68, 70, 72, 70, 65, 60, 50, 40, 30, 15, 5], float
)


@dataclass(frozen=True)
class Network:
    stops: pd.DataFrame
    routes: pd.DataFrame
    patterns: pd.DataFrame  # route_id, direction_id, stop_sequence, stop_id, offset_s, lat, lon
    trips: pd.DataFrame  # trip_id, route_id, service_id, direction_id, departure_s


def _distance_km(lat1, lon1, lat2, lon2):
    dlat = (lat2 - lat1) * 111.2
    dlon = (lon2 - lon1) * 111.2 * np.cos(np.radians(lat1))
    return np.hypot(dlat, dlon)


def build_network(ctx: GenerationContext) -> Network:
    rng = rng_for(ctx.seed, "transport", "network")
    n_routes = int(np.clip(round(60 * np.sqrt(ctx.scale)), 6, 200))
    communities = ctx.city.communities
    n_stops = n_routes * 8
    base = communities.iloc[rng.integers(0, len(communities), n_stops)]
    stops = pd.DataFrame(
        {
            "stop_id": [f"S{i:05d}" for i in range(1, n_stops + 1)],
            "stop_name": [f"{name}{'东西南北'[i % 4]}站" for i, name in enumerate(base["name"])],
            "stop_lat": (base["lat"].to_numpy() + rng.normal(0, 0.003, n_stops)).round(6),
            "stop_lon": (base["lon"].to_numpy() + rng.normal(0, 0.003, n_stops)).round(6),
            "location_type": 0,
        }
    )
    pattern_rows, route_rows = [], []
    for r in range(1, n_routes + 1):
        route_id = f"R{r:03d}"
        k = int(rng.integers(12, 29))
        centre = stops.iloc[int(rng.integers(0, n_stops))]
        gap = _distance_km(
            centre["stop_lat"], centre["stop_lon"], stops["stop_lat"], stops["stop_lon"]
        )
        chosen = stops.iloc[np.argsort(gap.to_numpy(), kind="stable")[:k]]
        angle = rng.uniform(0, np.pi)
        order = np.argsort(chosen["stop_lat"] * np.sin(angle) + chosen["stop_lon"] * np.cos(angle))
        chosen = chosen.iloc[order.to_numpy()]
        lat, lon = chosen["stop_lat"].to_numpy(), chosen["stop_lon"].to_numpy()
        hop_s = np.maximum(
            60, _distance_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) / KMH_BUS * 3600 + 30
        )
        for direction in (0, 1):
            ids = chosen["stop_id"].to_numpy()
            la, lo, hops = (
                (lat, lon, hop_s) if direction == 0 else (lat[::-1], lon[::-1], hop_s[::-1])
            )
            ids = ids if direction == 0 else ids[::-1]
            offsets = np.concatenate([[0], np.cumsum(np.round(hops))]).astype(int)
            pattern_rows.append(
                pd.DataFrame(
                    {
                        "route_id": route_id,
                        "direction_id": direction,
                        "stop_sequence": np.arange(1, k + 1),
                        "stop_id": ids,
                        "offset_s": offsets,
                        "lat": la,
                        "lon": lo,
                    }
                )
            )
        route_rows.append(
            (
                route_id,
                "A1",
                f"{r}路",
                f"{chosen['stop_name'].iloc[0]}—{chosen['stop_name'].iloc[-1]}",
                3,
            )
        )
    routes = pd.DataFrame(
        route_rows,
        columns=["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
    )
    patterns = pd.concat(pattern_rows, ignore_index=True)
    trip_rows = []
    for (route_id, direction), _ in patterns.groupby(["route_id", "direction_id"], sort=True):
        for service_id, col in (("WD", 1), ("WE", 2)):
            departures = []
            for i, band in enumerate(HEADWAYS):
                end = HEADWAYS[i + 1][0] if i + 1 < len(HEADWAYS) else LAST_DEPARTURE_H
                departures.extend(np.arange(band[0] * 3600, end * 3600, band[col] * 60))
            for n, dep in enumerate(departures):
                trip_rows.append(
                    (
                        f"{route_id}_{service_id}_{direction}_{n + 1:03d}",
                        route_id,
                        service_id,
                        direction,
                        int(dep),
                    )
                )
    trips = pd.DataFrame(
        trip_rows, columns=["trip_id", "route_id", "service_id", "direction_id", "departure_s"]
    )
    return Network(stops, routes, patterns, trips)


def _gtfs_time(seconds: np.ndarray) -> np.ndarray:
    seconds = seconds.astype(int)
    h, m, s = seconds // 3600, seconds % 3600 // 60, seconds % 60
    return np.char.add(
        np.char.add(
            np.char.add(np.char.zfill(h.astype(str), 2), ":"),
            np.char.add(np.char.zfill(m.astype(str), 2), ":"),
        ),
        np.char.zfill(s.astype(str), 2),
    )


def write_gtfs(ctx: GenerationContext, net: Network) -> None:
    start, end = ctx.start, ctx.start + dt.timedelta(days=364)
    st = net.trips.merge(net.patterns, on=["route_id", "direction_id"])
    st = st.sort_values(["trip_id", "stop_sequence"])
    times = _gtfs_time((st["departure_s"] + st["offset_s"]).to_numpy())
    stop_times = pd.DataFrame(
        {
            "trip_id": st["trip_id"].to_numpy(),
            "arrival_time": times,
            "departure_time": times,
            "stop_id": st["stop_id"].to_numpy(),
            "stop_sequence": st["stop_sequence"].to_numpy(),
        }
    )
    exceptions = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        kind = day_type(day)
        if kind == "holiday" and day.weekday() < 5:
            exceptions += [("WD", day, 2), ("WE", day, 1)]
        elif kind == "makeup_workday":
            exceptions += [("WE", day, 2), ("WD", day, 1)]
    fmt = "%Y%m%d"
    members = {
        "agency.txt": pd.DataFrame(
            [
                (
                    "A1",
                    f"{CITY_NAME}公交集团",
                    "https://bus.example.cn",
                    "Asia/Shanghai",
                    "zh",
                    "0000-12345",
                )
            ],
            columns=[
                "agency_id",
                "agency_name",
                "agency_url",
                "agency_timezone",
                "agency_lang",
                "agency_phone",
            ],
        ),
        "stops.txt": net.stops,
        "routes.txt": net.routes,
        "trips.txt": net.trips[["route_id", "service_id", "trip_id", "direction_id"]],
        "stop_times.txt": stop_times,
        "calendar.txt": pd.DataFrame(
            [
                ("WD", 1, 1, 1, 1, 1, 0, 0, start.strftime(fmt), end.strftime(fmt)),
                ("WE", 0, 0, 0, 0, 0, 1, 1, start.strftime(fmt), end.strftime(fmt)),
            ],
            columns=[
                "service_id",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "start_date",
                "end_date",
            ],
        ),
        "calendar_dates.txt": pd.DataFrame(
            [(s, d.strftime(fmt), e) for s, d, e in exceptions],
            columns=["service_id", "date", "exception_type"],
        ),
        "feed_info.txt": pd.DataFrame(
            [
                (
                    f"{CITY_NAME}交通运输局",
                    "https://jtj.example.cn",
                    "zh",
                    start.strftime(fmt),
                    end.strftime(fmt),
                    "1",
                )
            ],
            columns=[
                "feed_publisher_name",
                "feed_publisher_url",
                "feed_lang",
                "feed_start_date",
                "feed_end_date",
                "feed_version",
            ],
        ),
    }
    write_zip(members, ctx.out / "transport" / "gtfs" / "gtfs.zip")


def _day_trips(net: Network, day: dt.date) -> pd.DataFrame:
    return net.trips[net.trips["service_id"] == ("WD" if is_working(day) else "WE")]


def write_smartcard_taps(ctx: GenerationContext, day_ctx: DayContext, net: Network) -> None:
    rng = day_ctx.rng("transport", "taps")
    working = is_working(day_ctx.day)
    factor = {"workday": 1.0, "makeup_workday": 0.95, "weekend": 0.7, "holiday": 0.6}
    n = int(500_000 * ctx.scale * factor[day_type(day_ctx.day)])
    profile = WORKDAY_PROFILE if working else RESTDAY_PROFILE
    seconds = rng.choice(24, n, p=profile / profile.sum()) * 3600 + rng.integers(0, 3600, n)
    trips = _day_trips(net, day_ctx.day)
    groups = list(trips.groupby(["route_id", "direction_id"], sort=True))
    which = rng.integers(0, len(groups), n)
    frames = []
    for g, ((route_id, direction), group_trips) in enumerate(groups):
        mask = which == g
        m = int(mask.sum())
        if m == 0:
            continue
        pattern = net.patterns[
            (net.patterns["route_id"] == route_id) & (net.patterns["direction_id"] == direction)
        ]
        offsets, stop_ids = pattern["offset_s"].to_numpy(), pattern["stop_id"].to_numpy()
        k = len(offsets)
        board = rng.integers(0, k - 1, m)
        alight = np.minimum(k - 1, board + 1 + rng.geometric(0.2, m))
        deps = np.sort(group_trips["departure_s"].to_numpy())
        wanted = seconds[mask] - offsets[board]
        trip_dep = deps[np.clip(np.searchsorted(deps, wanted), 0, len(deps) - 1)]
        t_board = trip_dep + offsets[board] + rng.integers(0, 60, m)
        t_alight = trip_dep + offsets[alight] + rng.integers(0, 60, m)
        cards = rng.integers(0, max(1000, int(600_000 * ctx.scale)), m)
        fare_extra = np.where(alight - board > 10, 1.0, 0.0)
        for kind, t, idx, amount in (
            ("board", t_board, board, np.full(m, 2.0)),
            ("alight", t_alight, alight, fare_extra),
        ):
            frames.append(
                pd.DataFrame(
                    {
                        "card_id": cards,
                        "tapped_s": t,
                        "tap_type": kind,
                        "route_id": route_id,
                        "direction_id": direction,
                        "stop_id": stop_ids[idx],
                        "amount_yuan": amount,
                    }
                )
            )
    taps = pd.concat(frames, ignore_index=True).sort_values(
        ["tapped_s", "card_id", "tap_type"], kind="stable", ignore_index=True
    )
    midnight = pd.Timestamp(day_ctx.day)
    taps.insert(
        1,
        "tapped_at",
        (midnight + pd.to_timedelta(taps.pop("tapped_s"), unit="s")).dt.strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
    )
    taps["card_id"] = "3399" + taps["card_id"].astype(str).str.zfill(12)
    taps["amount_yuan"] = taps["amount_yuan"].map("{:.2f}".format)
    inj = day_ctx.injector("transport", "smartcard_taps")
    inj.missing(taps, "stop_id")
    inj.out_of_range(taps, "amount_yuan", -2.0)
    inj.late(taps, "tapped_at")
    taps = inj.duplicates(taps)
    taps = inj.renamed_column(taps, "direction_id")
    inj.malformed(len(taps), "3399000000000000,2026-13-45 99:99:99,board")
    day_ctx.write(inj, taps, "transport/smartcard_taps/{date}.csv", write_csv)


def write_bus_gps(ctx: GenerationContext, day_ctx: DayContext, net: Network) -> None:
    rng = day_ctx.rng("transport", "gps")
    trips = _day_trips(net, day_ctx.day)
    trips = trips[rng.random(len(trips)) < min(1.0, np.sqrt(ctx.scale))]
    interval = 15.0 / max(1.0, np.sqrt(ctx.scale))
    patterns = {key: p for key, p in net.patterns.groupby(["route_id", "direction_id"])}
    midnight = np.datetime64(day_ctx.day.isoformat()).astype("datetime64[s]")
    times, lats, lons, speeds, trip_index = [], [], [], [], []
    for i, trip in enumerate(trips.itertuples(index=False)):
        p = patterns[(trip.route_id, trip.direction_id)]
        delay = rng.normal(60, 90) + np.cumsum(rng.normal(0, 15, len(p)))
        actual = np.maximum.accumulate(trip.departure_s + p["offset_s"].to_numpy() + delay)
        t = np.arange(actual[0], actual[-1], interval)
        lat = np.interp(t, actual, p["lat"].to_numpy())
        lon = np.interp(t, actual, p["lon"].to_numpy())
        step = _distance_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) / interval * 3600
        times.append(t)
        lats.append(lat)
        lons.append(lon)
        speeds.append(np.append(step, 0.0))
        trip_index.append(np.full(len(t), i))
    which = np.concatenate(trip_index)
    vehicles = (
        "V"
        + trips["route_id"].str[1:]
        + trips["direction_id"].astype(str)
        + (trips["departure_s"] % 7).astype(str).str.zfill(2)
    ).to_numpy()
    pings = pd.DataFrame(
        {
            "vehicle_id": vehicles[which],
            "route_id": trips["route_id"].to_numpy()[which],
            "trip_id": trips["trip_id"].to_numpy()[which],
            "recorded_at": midnight + np.concatenate(times).astype("timedelta64[s]"),
            "lat": np.concatenate(lats).round(6),
            "lon": np.concatenate(lons).round(6),
            "speed_kmh": np.concatenate(speeds).round(1),
        }
    )
    pings = pings.sort_values(["recorded_at", "vehicle_id"], kind="stable", ignore_index=True)
    inj = day_ctx.injector("transport", "bus_gps")
    inj.out_of_range(pings, "speed_kmh", 999.0)
    inj.missing(pings, "trip_id")
    pings = inj.duplicates(pings)
    pings["speed_kmh"] = pings["speed_kmh"].astype(float)
    day_ctx.write(inj, pings, "transport/bus_gps/{date}.parquet", write_parquet, header_lines=0)


def generate(ctx: GenerationContext) -> None:
    net = build_network(ctx)
    write_gtfs(ctx, net)
    for day_ctx in ctx.days():
        write_smartcard_taps(ctx, day_ctx, net)
        write_bus_gps(ctx, day_ctx, net)
