{#-
    Per mailbox, agent and local day with a change of agent: threads the agent took first,
    threads passed to them from another agent, and threads passed from them to another.
-#}
with

assignment_changes as (
    select * from {{ ref('int_assignment_changes') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

agent_changes as (
    select
        mailbox_address,
        assigned_at,
        agent_address,
        case when previous_agent_address is null then 1 else 0 end as first_assignment,
        case when previous_agent_address is null then 0 else 1 end as reassignment_in,
        0 as reassignment_out
    from assignment_changes
    union all
    select
        mailbox_address,
        assigned_at,
        previous_agent_address as agent_address,
        0 as first_assignment,
        0 as reassignment_in,
        1 as reassignment_out
    from assignment_changes
    where previous_agent_address is not null
),

agent_days as (
    select
        agent_changes.mailbox_address,
        agent_changes.agent_address,
        {{ local_date('agent_changes.assigned_at', 'mailboxes.timezone') }} as period_start,
        cast(sum(agent_changes.first_assignment) as bigint) as first_assignments,
        cast(sum(agent_changes.reassignment_in) as bigint) as reassignments_in,
        cast(sum(agent_changes.reassignment_out) as bigint) as reassignments_out
    from agent_changes
    inner join mailboxes
        on agent_changes.mailbox_address = mailboxes.mailbox_address
    group by 1, 2, 3
)

select * from agent_days
