with bureaus as (
    select
        bureau_code,
        bureau_name_zh,
        bureau_name_en
    from {{ ref('bureaus') }}
)

select * from bureaus
