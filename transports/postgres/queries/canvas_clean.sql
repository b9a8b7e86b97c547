-- Deletes workflow records past use, in bounded chunks: chords that fired or
-- failed and groups, a week after they were made (results live a day by
-- default, so a week covers GroupResult.restore of any result still kept).
with old_chords as (
  delete from {{schema}}.chords
  where id in (select id from {{schema}}.chords where state in ('fired', 'failed') and updated_at < now() - interval '7 days' limit 5000)
), old_groups as (
  delete from {{schema}}.groups
  where id in (select id from {{schema}}.groups where created_at < now() - interval '7 days' limit 5000)
)
select 1
