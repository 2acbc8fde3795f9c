{#-
    Per thread, its topics: the Outlook categories that name no agent of the mailbox, as last
    known on every copy of its counted messages, merged and sorted.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

message_copies as (
    select * from {{ ref('int_message_copies') }}
    {% if is_incremental() %}
    where
        (mailbox_address, message_key) in (
            select
                classified.mailbox_address,
                classified.internet_message_id
            from messages_classified as classified
        )
    {% endif %}
),

agents as (
    select * from {{ ref('stg_config__agents') }}
),

copy_categories as (
    select
        mailbox_address,
        message_key,
        {{ unnest_list('categories') }} as category
    from message_copies
),

thread_topics as (
    select
        messages_classified.thread_id,
        copy_categories.category
    from messages_classified
    inner join copy_categories
        on
            messages_classified.mailbox_address = copy_categories.mailbox_address
            and messages_classified.internet_message_id = copy_categories.message_key
    where
        messages_classified.is_counted
        and not exists (
            select 1
            from agents
            where
                agents.mailbox_address = copy_categories.mailbox_address
                and lower(agents.category) = lower(copy_categories.category)
        )
),

threads as (
    select
        mailbox_address,
        conversation_id,
        thread_id
    from messages_classified
    where is_counted
    group by 1, 2, 3
),

threads_topics as (
    select
        threads.mailbox_address,
        threads.conversation_id,
        threads.thread_id,
        {{ sorted_distinct_list('thread_topics.category') }} as topics
    from threads
    left join thread_topics
        on threads.thread_id = thread_topics.thread_id
    group by 1, 2, 3
)

select * from threads_topics
