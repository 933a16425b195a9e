-- SQLite: the IHC challenge's result table (challenge_db_create.sql).
create table if not exists attribution_customer_journey (
    conv_id text not null,
    session_id text not null,
    ihc real not null,
    primary key (conv_id, session_id)
)
