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

sync_runs as (
    select * from {{ ref('stg_msgraph__sync_runs') }}
),

-- What the build covers: the loads that read each configured mailbox (any of its stores).
-- A mailbox skipped tonight (Graph could not serve it) was last read before `as_of`.
loads as (
    select
        mailbox_address,
        min(run_started_at) as first_loaded_at,
        max(run_started_at) as last_loaded_at
    from sync_runs
    group by 1
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
        loads.first_loaded_at,
        loads.last_loaded_at,
        build_info.as_of
    from mailboxes
    cross join build_info
    left join aliases on mailboxes.mailbox_address = aliases.mailbox_address
    left join loads on mailboxes.mailbox_address = loads.mailbox_address
)

select * from described
