{#-
    Left-join to each row the segment of `relation` that contains instant `ts`: the segment of
    the same key with the greatest `start_column` not after `ts` (an ASOF join). Rows with a
    null `ts`, or a `ts` before the key's first segment, get nulls. Goes after the other joins
    of the from clause.

        from turns as t
        {{ asof_left_join(ref('int_business_clock'), 'clock', 't.mailbox_address',
                          'mailbox_address', 't.turn_started_at', 'segment_start_at') }}
-#}
{% macro asof_left_join(relation, alias, key, key_column, ts, start_column) -%}
{{ return(adapter.dispatch('asof_left_join', 'mailkpi')(
    relation, alias, key, key_column, ts, start_column)) }}
{%- endmacro %}

{% macro default__asof_left_join(relation, alias, key, key_column, ts, start_column) -%}
asof left join {{ relation }} as {{ alias }}
    on
        {{ key }} = {{ alias }}.{{ key_column }}
        and {{ ts }} >= {{ alias }}.{{ start_column }}
{%- endmacro %}

{#-
    Spark has no ASOF join: a range join on [start, next start), the next start taken with
    lead() so that the last segment stays open-ended exactly as in the ASOF join.
-#}
{% macro spark__asof_left_join(relation, alias, key, key_column, ts, start_column) -%}
left join (
    select
        *,
        lead({{ start_column }}) over (
            partition by {{ key_column }} order by {{ start_column }}
        ) as asof_next_start
    from {{ relation }}
) as {{ alias }}
    on
        {{ key }} = {{ alias }}.{{ key_column }}
        and {{ ts }} >= {{ alias }}.{{ start_column }}
        and ({{ ts }} < {{ alias }}.asof_next_start or {{ alias }}.asof_next_start is null)
{%- endmacro %}
