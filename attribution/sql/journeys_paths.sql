-- One row per unique path with conversions, revenue and non-conversions.
with journeys as (
    select journey_id, any_value(converted) as converted, any_value(revenue) as revenue,
           list(channel order by position) as path
    from journey_touches
    group by journey_id
),
final as (
    select path,
           sum(case when converted then 1 else 0 end)::double as conversions,
           sum(case when converted then revenue else 0 end)::double as revenue,
           sum(case when converted then 0 else 1 end)::double as nulls
    from journeys
    group by path
)
select * from final order by conversions desc, nulls desc, path
