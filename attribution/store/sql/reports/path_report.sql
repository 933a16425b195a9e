-- GA4-style conversion paths: one row per unique path of the journey touches (registered as
-- `touches`), with journeys, conversions, non-conversions, revenue and days to conversion.
with journeys as (
    select journey_id,
           list(channel order by position) as path,
           count(*) as touchpoints,
           bool_or(converted) as converted,
           max(revenue) as revenue,
           date_diff('second', min(ts), max(conversion_ts)) / 86400.0 as days_to_conversion
    from touches
    group by journey_id
),
final as (
    select array_to_string(path, ' > ') as path,
           any_value(touchpoints)::integer as touchpoints,
           count(*)::bigint as journeys,
           count(*) filter (where converted)::double as conversions,
           count(*) filter (where not converted)::double as non_conversions,
           coalesce(sum(revenue) filter (where converted), 0.0) as revenue,
           avg(days_to_conversion) filter (where converted) as avg_days_to_conversion
    from journeys
    group by journeys.path
)
select * from final order by conversions desc, journeys desc, path
