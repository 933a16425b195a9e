-- SQLite: channel_reporting is derived from the other tables and rebuilt whole.
delete from channel_reporting
