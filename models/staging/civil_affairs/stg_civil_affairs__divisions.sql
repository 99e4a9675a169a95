with source as (
    select * from {{ source('raw_civil_affairs', 'civil_affairs__divisions') }}
),

renamed as (
    select
        division_code,
        division_name,
        level as division_level,
        parent_code as parent_division_code,
        cast(centroid_lat as double) as centroid_lat,
        cast(centroid_lon as double) as centroid_lon,
        {{ lineage_columns() }}
    from source
)

select * from renamed
