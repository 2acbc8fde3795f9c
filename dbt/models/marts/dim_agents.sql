{#-
    One row per agent of a mailbox, plus one "Shared mailbox" row per mailbox (agent_address
    null, is_shared_mailbox true): the responder of Send As replies, whose agent is unknown.
-#}
with

agents as (
    select * from {{ ref('stg_config__agents') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

responders as (
    select
        mailbox_address,
        agent_address,
        coalesce(agent_name, agent_address) as agent_name,
        category,
        false as is_shared_mailbox
    from agents
    union all
    select
        mailbox_address,
        null as agent_address,
        'Shared mailbox' as agent_name,
        null as category,
        true as is_shared_mailbox
    from mailboxes
),

described as (
    select
        responders.*,
        build_info.as_of
    from responders
    cross join build_info
)

select * from described
