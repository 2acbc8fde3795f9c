{{ mailbox_period_aggregate('day') }}
