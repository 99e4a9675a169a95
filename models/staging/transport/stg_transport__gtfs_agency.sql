with source as (
    select * from {{ source('raw_transport', 'transport__gtfs__agency') }}
),

renamed as (
    select
        coalesce(agency_id, agency_name) as agency_id,
        agency_name,
        agency_url,
        agency_timezone,
        agency_lang,
        agency_phone,
        {{ lineage_columns() }}
    from source
)

select * from renamed
