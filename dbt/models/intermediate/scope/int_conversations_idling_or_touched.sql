{#-
    The conversations this build touched, and the threads that can resolve tonight without
    a new message: those the previous build left unresolved in a mailbox that resolves
    threads by idling (it names no resolved folder), whose last reply may now have waited
    resolution_idle_hours. The resolution events and what is built on them recompute these.
    The previous build's int_threads_resolved is read before this build replaces it (it
    depends on this model through int_conversations_open_or_touched).
-#}
{%- set previous_resolved = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_threads_resolved'
) -%}

-- depends_on: {{ ref('stg_config__mailboxes') }}, {{ ref('stg_config__folders') }}
with

conversations_touched as (
    select * from {{ ref('int_conversations_touched') }}
),

{% if previous_resolved is not none and builds_by_scope() %}
mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

config_folders as (
    select * from {{ ref('stg_config__folders') }}
),

conversations_idling as (
    select
        previous.mailbox_address,
        previous.conversation_id
    from {{ previous_resolved }} as previous
    inner join mailboxes
        on previous.mailbox_address = mailboxes.mailbox_address
    where
        not previous.is_resolved
        and not exists (
            select 1
            from config_folders
            where
                config_folders.mailbox_address = mailboxes.mailbox_address
                and config_folders.role = 'resolved'
        )
),
{% else %}
conversations_idling as (
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
    from conversations_idling
)

select * from conversations
