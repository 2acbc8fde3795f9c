{#-
    One row per distinct message (internetMessageId) per team mailbox, counted or not, with
    its direction, responder and the first reason it is not counted (metrics.md, "Which
    messages count"; team conversations: docs/decisions.md).
    Incremental: a build recomputes the conversations it touched (int_conversations_touched),
    from every copy of every message with a copy in them.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

{% if is_incremental() %}
-- The messages with a copy in a conversation in scope. Materialized: from a subquery DuckDB
-- expects many rows and builds its hash table on the copies instead, every column of them.
messages_in_scope as materialized (
    select
        mailbox_address,
        message_key
    from {{ ref('int_message_copies') }}
    where {{ in_scope() }}
),
{% endif %}

-- every copy of those messages
message_copies as (
    select * from {{ ref('int_message_copies') }}
    {% if is_incremental() %}
    where (mailbox_address, message_key) in (
        select
            messages_in_scope.mailbox_address,
            messages_in_scope.message_key
        from messages_in_scope
    )
    {% endif %}
),

stores as (
    select * from {{ ref('stg_config__stores') }}
),

team_addresses as (
    select * from {{ ref('stg_config__team_addresses') }}
),

agents as (
    select * from {{ ref('stg_config__agents') }}
),

internal_domains as (
    select * from {{ ref('stg_config__internal_domains') }}
),

copies as (
    select * from message_copies
    -- a copy only ever seen leaving a folder (moved to Junk Email between two loads, say)
    -- carries no properties: nothing is known of it, so it is no message of ours
    where
        internet_message_id is not null
        or conversation_id is not null
        or received_at is not null
        or sent_at is not null
),

-- The mailbox's own address and its aliases: mail to or from them is the team's.
mailbox_addresses as (
    select
        mailbox_address,
        {{ sorted_distinct_list('address') }} as addresses
    from team_addresses
    where role in ('mailbox', 'alias')
    group by 1
),

-- A copy Graph stopped showing (`@removed`: deleted for good, or moved to the In-Place
-- Archive by a retention policy, which Graph cannot tell apart) keeps the state it was last
-- seen in: what happened in the thread does not change with what the mailbox keeps.
copies_marked as (
    select
        copies.*,
        coalesce(stores.role = 'team', false) as is_in_team_store,
        (
            coalesce(copies.is_draft, false)
            or coalesce(copies.folder_role = 'excluded', false)
        ) as is_unusable
    from copies
    left join stores
        on
            copies.mailbox_address = stores.mailbox_address
            and copies.store_address = stores.store_address
),

-- A conversation is the team's when one of its copies sits in the team's own mailbox, is
-- addressed to the mailbox or an alias (To/Cc), or was sent as or on behalf of them.
-- A filter, not a column aggregated per thread: a copy in the team's store (most of them) is
-- not looked into further (0.9 s of a full build at 1M messages).
team_conversations as (
    select copies_marked.thread_id
    from copies_marked
    inner join mailbox_addresses
        on copies_marked.mailbox_address = mailbox_addresses.mailbox_address
    where
        copies_marked.is_in_team_store
        or {{ lists_overlap(
            'coalesce(copies_marked.to_addresses, ' ~ empty_text_list() ~ ')'
            ~ ' || coalesce(copies_marked.cc_addresses, ' ~ empty_text_list() ~ ')',
            'mailbox_addresses.addresses'
        ) }}
        or {{ list_has('mailbox_addresses.addresses', 'copies_marked.from_address') }}
        or {{ list_has('mailbox_addresses.addresses', 'copies_marked.sender_address') }}
    group by 1
),

-- One copy speaks for the message: a usable one, still shown by Graph, from the team mailbox
-- first, seen first.
-- The smallest ordering struct per message in a hash aggregate, joined back by the copy's key:
-- a window over the copies sorted them whole.
speaking_copies as (
    select
        mailbox_address,
        message_key,
        count(*) as copy_count,
        min(received_at) as first_received_at,
        min(sent_at) as first_sent_at,
        -- headers belong to the message: a copy read without them (an update item, a copy
        -- under a new id) takes those of the others, so it is never reclassified
        max(header_auto_submitted) as message_auto_submitted,
        max(header_precedence) as message_precedence,
        bool_or(has_headers) as message_has_headers,
        min({{ struct_of({
            'is_unusable': 'is_unusable',
            'is_removed': 'is_removed',
            'is_outside_team_store': 'not is_in_team_store',
            'is_never_observed': 'first_observed_at is null',
            'first_observed_at': 'first_observed_at',
            'store_address': 'store_address',
            'message_id': 'message_id'
        }) }}) as speaking_copy
    from copies_marked
    group by 1, 2
),

messages as (
    select
        copies_marked.*,
        speaking_copies.copy_count,
        speaking_copies.first_received_at,
        speaking_copies.first_sent_at,
        speaking_copies.message_auto_submitted,
        speaking_copies.message_precedence,
        speaking_copies.message_has_headers
    from copies_marked
    inner join speaking_copies
        on
            copies_marked.mailbox_address = speaking_copies.mailbox_address
            and copies_marked.store_address = speaking_copies.speaking_copy.store_address
            and copies_marked.message_id = speaking_copies.speaking_copy.message_id
),

messages_flagged as (
    select
        messages.*,
        team_conversations.thread_id is not null as is_team_conversation,
        exists(
            select 1
            from team_addresses
            where
                team_addresses.mailbox_address = messages.mailbox_address
                and team_addresses.address = messages.from_address
        ) as is_outbound,
        (
            lower(trim(messages.message_auto_submitted)) <> 'no'
            or lower(trim(messages.message_precedence)) in ('bulk', 'junk', 'list', 'auto_reply')
        ) as is_automated_by_header,
        (
            split_part(messages.from_address, '@', 1) in ({{ automated_local_parts() }})
            or split_part(messages.sender_address, '@', 1) in ({{ automated_local_parts() }})
            -- a bounce's null reverse path leaves no address: its name says as much
            or lower(trim(messages.from_name)) in ({{ automated_local_parts() }})
        ) as is_automated_by_sender,
        (
            lower(ltrim(messages.subject)) like 'automatic reply:%'
            or lower(ltrim(messages.subject)) like 'auto reply:%'
            or lower(ltrim(messages.subject)) like 'out of office%'
            or lower(ltrim(messages.subject)) like 'undeliverable:%'
        ) as is_automated_by_subject,
        exists(
            select 1
            from internal_domains
            where
                split_part(messages.from_address, '@', 2) = internal_domains.internal_domain
                or split_part(messages.from_address, '@', 2) like '%.' || internal_domains.internal_domain
        ) as is_from_internal_domain
    from messages
    left join team_conversations
        on messages.thread_id = team_conversations.thread_id
),

classified as (
    select
        messages_flagged.*,
        case
            when not messages_flagged.is_team_conversation then 'not_team_conversation'
            when coalesce(messages_flagged.is_draft, false) then 'draft'
            when messages_flagged.folder_role = 'excluded' then 'excluded_folder'
            when coalesce(messages_flagged.is_automated_by_header, false) then 'automated_header'
            when coalesce(messages_flagged.is_automated_by_sender, false) then 'automated_sender'
            when coalesce(messages_flagged.is_automated_by_subject, false) then 'automated_subject'
        end as message_excluded_reason,
        case
            when sender_agents.agent_address is not null then sender_agents.agent_address
            when from_agents.agent_address is not null then from_agents.agent_address
        end as agent_responder
    from messages_flagged
    left join agents as sender_agents
        on
            messages_flagged.mailbox_address = sender_agents.mailbox_address
            and messages_flagged.sender_address = sender_agents.agent_address
    left join agents as from_agents
        on
            messages_flagged.mailbox_address = from_agents.mailbox_address
            and messages_flagged.from_address = from_agents.agent_address
),

-- A conversation in which only colleagues wrote in is internal, not customer support.
-- An aggregate joined back, not a window over the messages' every column.
internal_conversations as (
    select thread_id
    from classified
    where message_excluded_reason is null and not is_outbound
    group by 1
    having bool_or(is_from_internal_domain) and not bool_or(not is_from_internal_domain)
),

conversations_classified as (
    select
        classified.*,
        internal_conversations.thread_id is not null as is_internal_conversation
    from classified
    left join internal_conversations
        on classified.thread_id = internal_conversations.thread_id
),

reasons as (
    select
        *,
        case
            when message_excluded_reason is not null then message_excluded_reason
            when is_internal_conversation then 'internal_conversation'
            when not is_outbound and is_from_internal_domain then 'internal_sender'
        end as excluded_reason
    from conversations_classified
),

final as (
    select
        mailbox_address,
        thread_key as conversation_id,
        thread_id,
        message_key as internet_message_id,
        case when is_outbound then 'outbound' else 'inbound' end as direction,
        from_address,
        sender_address,
        case when is_outbound then agent_responder end as responder,
        first_received_at as received_at,
        first_sent_at as sent_at,
        case when is_outbound then first_sent_at else first_received_at end as message_at,
        subject,
        folder_name,
        folder_role,
        store_address,
        message_id,
        copy_count,
        coalesce(message_has_headers, false) as has_headers,
        excluded_reason is null as is_counted,
        excluded_reason
    from reasons
)

select * from final
where {{ in_scope() }}
