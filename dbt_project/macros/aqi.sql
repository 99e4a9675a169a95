{#- Individual air quality index (IAQI) per HJ 633-2012 for rows of `measurements`, a relation
    with columns pollutant, averaging_period and concentration (µg/m³, CO in mg/m³).

    IAQI = (IAQI_hi - IAQI_lo) / (BP_hi - BP_lo) * (C - BP_lo) + IAQI_lo, rounded up to an integer
    as the standard requires. Segments are (low, high], so a value on a breakpoint takes the
    lower segment (the same IAQI either way; it matters only at the top). Rounding to 6 places
    first keeps float noise (50.0000001) from being rounded up. Concentrations above the top
    breakpoint of a table that ends at IAQI 500 get 500 (the seed's open-ended row). Tables that
    end lower (SO2 1-hour at 800, O3 8-hour at 800) have no row above: the models substitute as
    the standard says. -#}
{% macro iaqi_from_breakpoints(measurements) -%}
    select
        measurements.*,
        case
            when breakpoints.concentration_high is null then breakpoints.iaqi_high
            else cast(ceil(round(
                (breakpoints.iaqi_high - breakpoints.iaqi_low)
                / (breakpoints.concentration_high - breakpoints.concentration_low)
                * (measurements.concentration - breakpoints.concentration_low)
                + breakpoints.iaqi_low,
                6
            )) as integer)
        end as iaqi
    from {{ measurements }} as measurements
    left join {{ ref('aqi_breakpoints') }} as breakpoints
        on
            measurements.pollutant = breakpoints.pollutant
            and measurements.averaging_period = breakpoints.averaging_period
            and breakpoints.standard = 'HJ 633'
            and breakpoints.standard_version = 2012
            and measurements.concentration >= 0
            and (
                measurements.concentration > breakpoints.concentration_low
                or breakpoints.concentration_low = 0
            )
            and (
                measurements.concentration <= breakpoints.concentration_high
                or breakpoints.concentration_high is null
            )
{%- endmacro %}

{#- The six AQI categories of HJ 633-2012 (Table 2). -#}
{% macro aqi_category(aqi) -%}
    case
        when {{ aqi }} is null then null
        when {{ aqi }} <= 50 then '优'
        when {{ aqi }} <= 100 then '良'
        when {{ aqi }} <= 150 then '轻度污染'
        when {{ aqi }} <= 200 then '中度污染'
        when {{ aqi }} <= 300 then '重度污染'
        else '严重污染'
    end
{%- endmacro %}

{#- From IAQI rows (pollutant, iaqi) to one row per `keys`: the IAQI of each pollutant, the AQI
    (the largest IAQI), the primary pollutant(s) (those whose IAQI equals the AQI, named only when
    AQI > 50, as HJ 633-2012 5.2 says) and the category. The daily index has two O3 entries,
    O3_1h and O3_8h; `labels` maps pollutant labels to column suffixes. -#}
{% macro aqi_pivot(indexed, keys, labels={'PM2.5': 'pm25', 'PM10': 'pm10', 'SO2': 'so2',
                                           'NO2': 'no2', 'O3': 'o3', 'CO': 'co'}) -%}
    select
        {{ keys | join(', ') }},
        {%- for label, suffix in labels.items() %}
            max(case when pollutant = '{{ label }}' then iaqi end) as iaqi_{{ suffix }},
        {%- endfor %}
        max(iaqi) as aqi,
        {{ dbt.listagg(
            "case when iaqi = overall_aqi and overall_aqi > 50 then pollutant end",
            "','",
            "order by pollutant",
        ) }} as primary_pollutant,
        {{ aqi_category('max(iaqi)') }} as aqi_level
    from (
        select
            {{ keys | join(', ') }},
            pollutant,
            iaqi,
            max(iaqi) over (partition by {{ keys | join(', ') }}) as overall_aqi
        from {{ indexed }}
    ) as with_overall_aqi
    group by {{ keys | join(', ') }}
{%- endmacro %}

{#- The measures of int_air_quality_daily_indexed that the daily marts publish, in order. -#}
{% macro daily_aqi_columns() -%}
    hours_reported,
    pm25_24h_ugm3,
    pm10_24h_ugm3,
    so2_24h_ugm3,
    no2_24h_ugm3,
    co_24h_mgm3,
    o3_1h_max_ugm3,
    o3_8h_max_ugm3,
    iaqi_pm25,
    iaqi_pm10,
    iaqi_so2,
    iaqi_no2,
    iaqi_co,
    iaqi_o3_1h,
    iaqi_o3_8h,
    aqi,
    primary_pollutant,
    aqi_level
{%- endmacro %}
