{#-
    The states of int_message_observations_carried with their folder's name and role.
    Incremental like it: a build appends the states it appended. A renamed folder or a
    changed folder role changes old rows: the CLI runs a full refresh then.
-#}
{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    incremental_strategy='append'
) }}

with

message_observations_carried as (
    select * from {{ ref('int_message_observations_carried') }}
    {% if is_incremental() %}
    where built_at = {{ build_started_at() }}
    {% endif %}
),

mail_folders as (
    select * from {{ ref('stg_msgraph__mail_folders') }}
),

config_folders as (
    select * from {{ ref('stg_config__folders') }}
),

-- A folder matches a configured name by display name or by path (`Inbox/Done`), case-insensitively.
folder_roles as (
    select
        mail_folders.store_address,
        mail_folders.folder_id,
        config_folders.mailbox_address,
        bool_or(config_folders.role = 'excluded') as is_configured_excluded,
        bool_or(config_folders.role = 'resolved') as is_configured_resolved,
        min(case when config_folders.role = 'agent' then config_folders.agent_address end) as agent_address
    from mail_folders
    inner join config_folders
        on
            lower(config_folders.folder_name) = lower(mail_folders.folder_name)
            or lower(config_folders.folder_name) = lower(mail_folders.folder_path)
    group by all
),

states_with_folders as (
    select
        message_observations_carried.mailbox_address,
        message_observations_carried.store_address,
        message_observations_carried.message_id,
        message_observations_carried.observed_at,
        message_observations_carried.is_removed,
        message_observations_carried.folder_id,
        mail_folders.folder_name,
        mail_folders.folder_path,
        mail_folders.well_known_name as folder_well_known_name,
        case
            when mail_folders.is_excluded or folder_roles.is_configured_excluded then 'excluded'
            when mail_folders.well_known_name = 'deleteditems' then 'deleted'
            when folder_roles.is_configured_resolved then 'resolved'
            when folder_roles.agent_address is not null then 'agent'
        end as folder_role,
        folder_roles.agent_address as folder_agent_address,
        message_observations_carried.internet_message_id,
        -- the key of the message across its copies (store and id for a copy that never showed one)
        coalesce(
            message_observations_carried.internet_message_id,
            message_observations_carried.store_address || '/' || message_observations_carried.message_id
        ) as message_key,
        message_observations_carried.last_modified_at,
        message_observations_carried.categories
    from message_observations_carried
    left join mail_folders
        on
            message_observations_carried.store_address = mail_folders.store_address
            and message_observations_carried.folder_id = mail_folders.folder_id
    left join folder_roles
        on
            message_observations_carried.mailbox_address = folder_roles.mailbox_address
            and message_observations_carried.store_address = folder_roles.store_address
            and message_observations_carried.folder_id = folder_roles.folder_id
)

select * from states_with_folders
