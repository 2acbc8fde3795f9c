{#-
    The key of a thread: a conversation in one team mailbox (the same conversationId read in
    two mailboxes is two threads). The md5 of the two columns, 32 hex digits: one key to join
    and partition on, the same on DuckDB and Spark (both hash the UTF-8 bytes and spell the
    digest in lower-case hex; `||` gives null when either side is null, as does the key).
    The separator keeps ('a', 'b|c') apart from ('a|b', 'c') for any address without a '|'.
-#}
{% macro thread_id(mailbox_address, conversation_id) -%}
md5({{ mailbox_address }} || '|' || {{ conversation_id }})
{%- endmacro %}
