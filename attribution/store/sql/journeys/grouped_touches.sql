-- The touches with the channel grouping rules applied ({channel_expression} is the rules' CASE
-- expression, built from whitelisted columns and bound parameters; plain `channel` without
-- rules). touch_id is the stored row number, i.e. the input order: it breaks ties between
-- touches at the same instant. A SELECT body: journeys_touches.sql takes it in as a step.
select rowid as touch_id, user_id, ts, {channel_expression} as channel, campaign,
       coalesce(cost, 0.0) as cost, session_id, interaction, holder_engagement, closer_engagement
from {schema}.touchpoints
