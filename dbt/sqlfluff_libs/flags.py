"""`flags` for sqlfluff's jinja templater: a nightly build, not a full refresh."""

FULL_REFRESH = False
