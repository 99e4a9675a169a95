{#- No published count lies below the threshold, and no group has exactly one withheld cell
    (which its total would reveal). -#}
{% test small_cells_suppressed(model, column_name, group_by, min_count) %}
    with cells as (
        select
            {{ column_name }} as published_count,
            count(*) filter (where {{ column_name }} is null)
                over (partition by {{ group_by | join(', ') }}) as withheld_in_group,
            count(*) over (partition by {{ group_by | join(', ') }}) as cells_in_group
        from {{ model }}
    )

    select *
    from cells
    where
        published_count < {{ min_count }}
        or (withheld_in_group = 1 and cells_in_group > 1)
{% endtest %}
