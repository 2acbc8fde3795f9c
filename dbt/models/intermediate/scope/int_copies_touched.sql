{#-
    The message copies this build observed: those it appended a state for. A nightly build
    recomputes their rows in the per-copy models (int_message_copies).
-#}
select distinct
    mailbox_address,
    store_address,
    message_id
from {{ ref('int_message_observations_carried') }}
where
    built_at = {{ build_started_at() }}
    and {{ builds_by_scope() }}
