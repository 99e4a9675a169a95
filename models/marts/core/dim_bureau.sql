{#- The built-in bureaus (the seed) and those the contracts introduce (a county, a new bureau),
    as citybase writes the register into raw._bureaus before each build. -#}
with seeded as (
    select
        bureau_code,
        bureau_name_zh,
        bureau_name_en
    from {{ ref('bureaus') }}
),

registered as (
    select
        bureau_code,
        bureau_name_zh,
        bureau_name_en
    from {{ source('raw_citybase', '_bureaus') }}
    where bureau_code not in (select seeded.bureau_code from seeded)
),

bureaus as (
    select * from seeded
    union all
    select * from registered
)

select * from bureaus
