-- Per mailbox, the reassignments in, and those out, over all agents and days equal the sum
-- of fct_threads.reassignment_count.
with

agent_reassignments as (
    select * from {{ ref('agg_agent_reassignments_daily') }}
),

threads as (
    select * from {{ ref('fct_threads') }}
),

mailbox_reassignments as (
    select
        mailbox_address,
        sum(reassignments_in) as reassignments_in,
        sum(reassignments_out) as reassignments_out
    from agent_reassignments
    group by 1
),

thread_reassignments as (
    select
        mailbox_address,
        sum(reassignment_count) as reassignment_count
    from threads
    group by 1
),

mismatches as (
    select
        thread_reassignments.mailbox_address,
        thread_reassignments.reassignment_count,
        mailbox_reassignments.reassignments_in,
        mailbox_reassignments.reassignments_out
    from thread_reassignments
    left join mailbox_reassignments
        on thread_reassignments.mailbox_address = mailbox_reassignments.mailbox_address
    where
        coalesce(mailbox_reassignments.reassignments_in, 0) != thread_reassignments.reassignment_count
        or coalesce(mailbox_reassignments.reassignments_out, 0) != thread_reassignments.reassignment_count
)

select * from mismatches
