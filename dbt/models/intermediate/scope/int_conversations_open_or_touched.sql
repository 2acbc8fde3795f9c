{#-
    The conversations whose rows move with as_of as well as those this build touched or that
    may resolve by idling (int_conversations_idling_or_touched): the threads the previous
    build left unresolved (their waits run to as_of) or without a first response (their SLA
    clock runs to as_of). The models that read as_of recompute these. The previous build's
    tables are read before this build replaces them: they depend on this model.
-#}
{%- set previous_resolved = previous_build('int_threads_resolved') -%}
{%- set previous_sla = previous_build('int_threads_sla_evaluated') -%}

with

conversations_touched as (
    select * from {{ ref('int_conversations_idling_or_touched') }}
),

conversations as (
    select
        mailbox_address,
        conversation_id,
        thread_id
    from conversations_touched
    {% if previous_resolved is not none and previous_sla is not none %}
    union
    select
        previous_resolved.mailbox_address,
        previous_resolved.conversation_id,
        previous_resolved.thread_id
    from {{ previous_resolved }} as previous_resolved
    where not previous_resolved.is_resolved
    union
    select
        previous_sla.mailbox_address,
        previous_sla.conversation_id,
        previous_sla.thread_id
    from {{ previous_sla }} as previous_sla
    where previous_sla.is_elapsed_to_as_of
    {% endif %}
)

select * from conversations
