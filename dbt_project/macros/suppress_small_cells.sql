{#- Small-cell suppression for a published table, in two passes.
    Primary: a count below `min_count` (zero included) is withheld.
    Secondary: where a group's total is public (or derivable from another dataset), one withheld
    cell could be recovered by subtraction; so in each `group_by` group with exactly one primary
    cell, the smallest other cell (ties broken by `order_by`) is withheld too.
    Returns the select list: every column of `relation`, with `column` nulled where withheld. -#}
{% macro suppress_small_cells(relation, column, group_by, order_by, min_count) %}
    with flagged as (
        select
            *,
            {{ column }} < {{ min_count }} as is_primary,
            count(*) filter (where {{ column }} < {{ min_count }})
                over (partition by {{ group_by | join(', ') }}) as primary_in_group
        from {{ relation }}
    ),

    ranked as (
        select
            *,
            row_number() over (
                partition by {{ group_by | join(', ') }}, is_primary
                order by {{ column }}, {{ order_by | join(', ') }}
            ) as rank_among_kind
        from flagged
    )

    select
        {{ star_except([column, 'is_primary', 'primary_in_group', 'rank_among_kind']) }},
        case
            when is_primary then null
            when primary_in_group = 1 and rank_among_kind = 1 then null
            else {{ column }}
        end as {{ column }}
    from ranked
{% endmacro %}

{#- True where a published share or rate of `whole` would reveal a count below `min_count`:
    `part` = share × whole, or whole − part, between 1 and min_count − 1 (11 applications at
    0.909 online means 1 not online). Such a value is withheld with the count it derives from. -#}
{% macro reveals_small_count(part, whole, min_count) %}
    (
        {{ part }} between 1 and {{ min_count }} - 1
        or ({{ whole }}) - ({{ part }}) between 1 and {{ min_count }} - 1
    )
{% endmacro %}
