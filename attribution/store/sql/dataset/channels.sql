-- The channel names of the touchpoints after the channel grouping rules ({channel_expression}).
select distinct {channel_expression} as channel
from {schema}.touchpoints
order by 1
