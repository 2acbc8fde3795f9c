with

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

team_addresses as (
    select * from {{ ref('stg_config__team_addresses') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

aliases as (
    select
        mailbox_address,
        {{ sorted_distinct_list('address') }} as aliases
    from team_addresses
    where role = 'alias'
    group by 1
),

described as (
    select
        mailboxes.mailbox_address,
        mailboxes.mailbox_name,
        mailboxes.kind,
        mailboxes.timezone,
        mailboxes.assignment,
        mailboxes.agent_mailboxes,
        coalesce(aliases.aliases, {{ empty_text_list() }}) as aliases,
        mailboxes.resolution_idle_hours,
        mailboxes.first_response_sla_minutes,
        mailboxes.first_response_sla_clock,
        mailboxes.resolution_sla_minutes,
        mailboxes.resolution_sla_clock,
        build_info.as_of
    from mailboxes
    cross join build_info
    left join aliases on mailboxes.mailbox_address = aliases.mailbox_address
)

select * from described
