{#-
    The state of each message copy after each load: where it is (folder, removed) and the
    properties that change after delivery (categories, last modified), each carried forward
    from the last observation that had it (partial delta items leave most properties null).
    The properties a message keeps for life are read once per copy: int_message_copies.
    Incremental: a nightly build reads only the loads it has not seen, seeded with the
    last known state of the messages they touch, so a full refresh gives the same rows.
    `built_at` says which build appended a row: the copies it touched (int_copies_touched).
-#}
{{ config(materialized='incremental', incremental_strategy='append') }}

{#- The order of a copy's rows. Within one load a move is a removal from the old folder and
    an item in the new one: removals sort first so the load ends in the new folder. Each
    window below sorts by it, not by a row_number of it: that was one more sort of every
    observation (0.7 s of a full build at 1M messages). Rows tied on all of it are the same
    item returned twice in one load, in no fixed order before either. -#}
{%- set load_order =
    'observed_at asc, is_seed desc, is_removed desc, last_modified_at asc nulls first, folder_id asc' %}

with

observations as (
    select * from {{ ref('stg_msgraph__message_observations') }}
    {% if is_incremental() %}
    where observed_at > (select max(previous.observed_at) from {{ this }} as previous)
    {% endif %}
),

observation_rows as (
    select
        mailbox_address,
        store_address,
        message_id,
        observed_at,
        false as is_seed,
        is_removed,
        folder_id,
        internet_message_id,
        last_modified_at,
        categories
    from observations
),

{% if is_incremental() %}
seed_rows as (
    select
        known.mailbox_address,
        known.store_address,
        known.message_id,
        known.observed_at,
        true as is_seed,
        known.is_removed,
        known.folder_id,
        known.internet_message_id,
        known.last_modified_at,
        known.categories
    from {{ this }} as known
    where
        exists (
            select 1
            from observations
            where
                observations.mailbox_address = known.mailbox_address
                and observations.store_address = known.store_address
                and observations.message_id = known.message_id
        )
    qualify row_number() over (
        partition by known.mailbox_address, known.store_address, known.message_id
        order by known.observed_at desc
    ) = 1
),

all_rows as (
    select * from seed_rows
    union all
    select * from observation_rows
),
{% else %}
all_rows as (
    select * from observation_rows
),
{% endif %}

folder_carried as (
    select
        *,
        {{ last_non_null('case when not is_removed or is_seed then folder_id end') }} over (
            partition by mailbox_address, store_address, message_id
            order by {{ load_order }}
            rows between unbounded preceding and 1 preceding
        ) as folder_id_before
    from all_rows
),

-- A removal from a folder the message already left (seen in another one since) changes nothing.
presence_events as (
    select
        *,
        case
            when is_seed then is_removed
            when not is_removed then false
            when folder_id_before is null or folder_id_before = folder_id then true
        end as removal_event
    from folder_carried
),

carried as (
    select
        mailbox_address,
        store_address,
        message_id,
        observed_at,
        is_seed,
        {{ last_non_null('removal_event') }} over carry as is_removed,
        {{ last_non_null('case when not is_removed or is_seed then folder_id end') }} over carry as current_folder_id,
        folder_id as observed_folder_id,
        {{ last_non_null('internet_message_id') }} over carry as internet_message_id,
        {{ last_non_null('last_modified_at') }} over carry as last_modified_at,
        {{ last_non_null('categories') }} over carry as categories,
        -- rows of one load are adjacent in this order: the last of them ends the load
        lead(observed_at) over (
            partition by mailbox_address, store_address, message_id
            order by {{ load_order }}
        ) as next_observed_at
    from presence_events
    window carry as (
        partition by mailbox_address, store_address, message_id
        order by {{ load_order }}
        rows between unbounded preceding and current row
    )
),

-- One row per load: the state the message was left in at the end of it.
last_per_load as (
    select
        mailbox_address,
        store_address,
        message_id,
        observed_at,
        is_removed,
        coalesce(current_folder_id, observed_folder_id) as folder_id,
        internet_message_id,
        last_modified_at,
        categories,
        {{ build_started_at() }} as built_at
    from carried
    where
        not is_seed
        and (next_observed_at is null or next_observed_at <> observed_at)
)

select * from last_per_load
