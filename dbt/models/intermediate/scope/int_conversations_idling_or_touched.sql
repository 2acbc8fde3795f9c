{#-
    The conversations this build touched, and the threads that can resolve tonight without
    a new message: those the previous build left unresolved in a mailbox that resolves
    threads by idling (it names no resolved folder), whose last reply may now have waited
    resolution_idle_hours. The resolution events and what is built on them recompute these.
    The previous build's int_threads_resolved is read before this build replaces it (it
    depends on this model through int_conversations_open_or_touched).
-#}
{%- set previous_resolved = previous_build('int_threads_resolved') -%}

with

conversations_touched as (
    select * from {{ ref('int_conversations_touched') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

config_folders as (
    select * from {{ ref('stg_config__folders') }}
),

mailboxes_resolving_by_idling as (
    select mailboxes.mailbox_address
    from mailboxes
    where not exists (
        select 1
        from config_folders
        where
            config_folders.mailbox_address = mailboxes.mailbox_address
            and config_folders.role = 'resolved'
    )
),

conversations as (
    select
        mailbox_address,
        conversation_id,
        thread_id
    from conversations_touched
    {% if previous_resolved is not none %}
    union
    select
        previous_resolved.mailbox_address,
        previous_resolved.conversation_id,
        previous_resolved.thread_id
    from {{ previous_resolved }} as previous_resolved
    inner join mailboxes_resolving_by_idling
        on previous_resolved.mailbox_address = mailboxes_resolving_by_idling.mailbox_address
    where not previous_resolved.is_resolved
    {% endif %}
)

select * from conversations
