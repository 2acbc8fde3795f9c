{#-
    One row per calendar day from 2000 to 2049: MetricFlow's time spine (the semantic layer's
    metric_time). The facts' time dimensions are local dates, so these days are local too.
-#}
with

days as (
    select {{ day_series("cast('2000-01-01' as date)", "cast('2049-12-31' as date)") }} as date_day
)

select * from days
