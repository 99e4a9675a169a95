with communities as (
    select
        community_code,
        community_name,
        district_code,
        district_name,
        population_year,
        resident_population
    from {{ ref('dim_division') }}
    where division_level = 'community' and resident_population is not null
),

suppressed as (
    {{ suppress_small_cells(
        'communities', 'resident_population', ['district_code'], ['community_code'],
        var('small_cell_min_count')
    ) }}
)

select
    community_code,
    community_name,
    district_code,
    district_name,
    population_year,
    resident_population
from suppressed
