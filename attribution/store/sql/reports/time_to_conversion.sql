-- Converting journeys of `touches` by whole days from their first touch to the conversion.
with journeys as (
    select journey_id, max(revenue) as revenue,
           date_diff('second', min(ts), max(conversion_ts)) / 86400.0 as days
    from touches
    where converted
    group by journey_id
),
final as (
    select floor(days)::integer as days, count(*)::double as conversions, sum(revenue) as revenue
    from journeys
    group by 1
)
select * from final order by days
