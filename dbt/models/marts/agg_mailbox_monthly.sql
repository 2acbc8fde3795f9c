{{ mailbox_period_aggregate('month') }}
