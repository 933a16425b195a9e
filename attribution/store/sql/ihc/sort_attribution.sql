-- SQLite: rewrite attribution_customer_journey in (conv_id, session_id) order, so the same results
-- always sit in the same storage order and channel_reporting's sums come out bit for bit the same
-- however often (and over whichever date ranges) the pipeline ran. Statements run one by one.
create temp table sorted_attribution as
select conv_id, session_id, ihc from attribution_customer_journey order by conv_id, session_id;
delete from attribution_customer_journey;
insert into attribution_customer_journey (conv_id, session_id, ihc)
select conv_id, session_id, ihc from sorted_attribution order by conv_id, session_id;
drop table sorted_attribution
