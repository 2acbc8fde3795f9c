{#- Sender local parts of automated mail (metrics.md, "Which messages count"), as a SQL list. -#}
{% macro automated_local_parts() %}'mailer-daemon', 'postmaster', 'noreply', 'no-reply', 'donotreply'{% endmacro %}
