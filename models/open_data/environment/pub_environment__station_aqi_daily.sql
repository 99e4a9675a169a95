select
    daily.date_day,
    daily.station_id,
    stations.station_name,
    stations.district_code,
    daily.aqi,
    daily.aqi_level,
    daily.primary_pollutant,
    daily.pm25_24h_ugm3,
    daily.pm10_24h_ugm3,
    daily.o3_8h_max_ugm3
from {{ ref('fct_air_quality_daily') }} as daily
inner join {{ ref('dim_station') }} as stations on daily.station_id = stations.station_id
