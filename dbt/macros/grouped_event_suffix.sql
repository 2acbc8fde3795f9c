{#-
    The tail of a timeline event that stands for several messages or for another store's copy:
    " (3 messages)", ", copy in alice@contoso.com", both, or nothing.
-#}
{% macro grouped_event_suffix(message_count, store_address, mailbox_address) -%}
case
    when {{ message_count }} > 1 then ' (' || cast({{ message_count }} as {{ sql_type('text') }}) || ' messages)'
    else ''
end
|| case when {{ store_address }} != {{ mailbox_address }} then ', copy in ' || {{ store_address }} else '' end
{%- endmacro %}
