{{ agent_day_aggregate() }}
