{#-
    The key of a thread: a conversation in one team mailbox (the same conversationId read in
    two mailboxes is two threads). A bigint: the first 60 bits of the md5 of the two columns,
    the same on DuckDB and Spark (both hash the UTF-8 bytes and spell the digest in hex; `||`
    gives null when either side is null, as does the key). The separator keeps ('a', 'b|c')
    apart from ('a|b', 'c') for any address without a '|'.
    A bigint, not the 32-character digest: every thread-grained model joins, partitions and
    scopes on it, and DuckDB compares a number in place but a string over 12 bytes through a
    pointer (docs/decisions.md). Two threads share a key with a chance of about n^2 / 2^61
    (4 in 10 million at a million threads); `unique` on fct_threads.thread_id fails the
    build then rather than merge them.
-#}
{% macro thread_id(mailbox_address, conversation_id) -%}
{{ hex_as_bigint('substr(md5(' ~ mailbox_address ~ " || '|' || " ~ conversation_id ~ '), 1, 15)') }}
{%- endmacro %}

{#- The number a text of at most 15 hex digits spells (null for null). -#}
{% macro hex_as_bigint(hex) -%}
{{ return(adapter.dispatch('hex_as_bigint', 'mailkpi')(hex)) }}
{%- endmacro %}

{% macro default__hex_as_bigint(hex) -%}
cast('0x' || {{ hex }} as bigint)
{%- endmacro %}

{% macro spark__hex_as_bigint(hex) -%}
cast(conv({{ hex }}, 16, 10) as bigint)
{%- endmacro %}
