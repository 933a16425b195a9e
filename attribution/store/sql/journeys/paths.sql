-- One row per unique path with conversions, revenue and non-conversions. Reads the registered
-- relation journey_paths_coded (one row per journey: path as a list of channel codes, converted,
-- revenue), built from the touches sorted by journey; codes number the channels in name order, so
-- paths sort as their names would.
select path,
       sum(case when converted then 1 else 0 end)::double as conversions,
       sum(case when converted then revenue else 0 end)::double as revenue,
       sum(case when converted then 0 else 1 end)::double as nulls
from journey_paths_coded
group by path
order by conversions desc, nulls desc, path
