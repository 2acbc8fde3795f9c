{#-
    The conversations whose rows move with as_of as well as those this build touched or that
    may resolve by idling (int_conversations_idling_or_touched): the threads the previous
    build left unresolved (their waits run to as_of) or without a first response (their SLA
    clock runs to as_of). The models that read as_of recompute these. The previous build's
    tables are read before this build replaces them: they depend on this model.
-#}
{%- set previous_resolved = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_threads_resolved'
) -%}
{%- set previous_sla = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_threads_sla_evaluated'
) -%}

with

conversations_touched as (
    select * from {{ ref('int_conversations_idling_or_touched') }}
),

{% if previous_resolved is not none and previous_sla is not none and builds_by_scope() %}
conversations_open as (
    select
        mailbox_address,
        conversation_id
    from {{ previous_resolved }}
    where not is_resolved
    union
    select
        mailbox_address,
        conversation_id
    from {{ previous_sla }}
    where is_elapsed_to_as_of
),
{% else %}
conversations_open as (
    select
        mailbox_address,
        conversation_id
    from conversations_touched
    where false
),
{% endif %}

conversations as (
    select
        mailbox_address,
        conversation_id
    from conversations_touched
    union
    select
        mailbox_address,
        conversation_id
    from conversations_open
)

select * from conversations
