with

source as (
    select * from {{ source('config', 'mailboxes') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        mailbox_name,
        kind,
        timezone,
        assignment,
        agent_mailboxes,
        cast(resolution_idle_hours as double) as resolution_idle_hours,
        cast(first_response_sla_minutes as double) as first_response_sla_minutes,
        first_response_sla_clock,
        cast(resolution_sla_minutes as double) as resolution_sla_minutes,
        resolution_sla_clock
    from source
)

select * from renamed
