{{ mailbox_period_aggregate('week') }}
