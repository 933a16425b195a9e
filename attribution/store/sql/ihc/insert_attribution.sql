-- SQLite: one attributed session of one conversion.
insert into attribution_customer_journey (conv_id, session_id, ihc) values (?, ?, ?)
