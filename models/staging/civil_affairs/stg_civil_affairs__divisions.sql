with source as (
    select * from {{ source('raw_civil_affairs', 'civil_affairs__divisions') }}
),

renamed as (
    select
        division_code,
        division_name,
        level as division_level,
        parent_code as parent_division_code,
        _loaded_at as loaded_at
    from source
)

select * from renamed
