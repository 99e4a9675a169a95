with source as (
    select * from {{ source('raw_civil_affairs', 'civil_affairs__population') }}
),

typed as (
    select
        community_code,
        cast(year as integer) as population_year,
        cast(resident_population as integer) as resident_population,
        cast(households as integer) as households,
        cast(population_0_14 as integer) as population_0_14,
        cast(population_15_59 as integer) as population_15_59,
        cast(population_60_plus as integer) as population_60_plus,
        {{ lineage_columns() }}
    from source
)

select * from typed
