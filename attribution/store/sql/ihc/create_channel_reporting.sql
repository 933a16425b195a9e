-- SQLite: the IHC challenge's report table (challenge_db_create.sql).
create table if not exists channel_reporting (
    channel_name text not null,
    date text not null,
    cost real not null,
    ihc real not null,
    ihc_revenue real not null,
    primary key (channel_name, date)
)
