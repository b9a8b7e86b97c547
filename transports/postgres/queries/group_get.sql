-- The members of group $1, in order (GroupResult.restore), or no row.
select array(select m::text from unnest(members) as m) as members from {{schema}}.groups where id = $1::uuid
