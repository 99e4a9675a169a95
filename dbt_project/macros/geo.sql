{#- Distance in metres between two WGS84 points, equirectangular approximation: within a city
    (tens of kilometres) it is off by well under 1 %, and it needs only portable arithmetic. -#}
{% macro distance_m(lat1, lon1, lat2, lon2) -%}
    (6371000.0 * sqrt(
        power(radians({{ lat2 }}) - radians({{ lat1 }}), 2)
        + power(
            (radians({{ lon2 }}) - radians({{ lon1 }}))
            * cos(radians(({{ lat1 }} + {{ lat2 }}) / 2.0)),
            2
        )
    ))
{%- endmacro %}
