-- Funnel milestones inside converting journeys: for each earlier-stage event (e.g. the first
-- "lead" in the journey's window), the last touch at or before it is marked with that stage.
-- Reads the registered relation journey_milestone_touches (journey_id, position, user_id, ts,
-- converted, conversion_ts, window_start); returns (journey_id, position, milestone).
with journeys as (
    select distinct journey_id, user_id, window_start, conversion_ts
    from journey_milestone_touches where converted
),
events as (
    select j.journey_id, e.stage, e.ts
    from {schema}.conversions e
    join journeys j on e.user_id = j.user_id and e.ts <= j.conversion_ts
                   and (j.window_start is null or e.ts > j.window_start)
                   and ($lookback_days is null
                        or e.ts >= j.conversion_ts - to_days(cast($lookback_days as integer)))
    where e.stage is not null and e.stage is distinct from $stage
    qualify row_number() over (partition by j.journey_id, e.stage order by e.ts) = 1
),
hits as (
    select ev.journey_id, ev.stage, ev.ts, max(t.position) as position
    from events ev
    join journey_milestone_touches t on t.journey_id = ev.journey_id and t.ts <= ev.ts
    group by ev.journey_id, ev.stage, ev.ts
)
select journey_id, position, arg_min(stage, ts) as milestone
from hits group by journey_id, position
